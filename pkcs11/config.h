/*
 * Module configuration (YAML, libyaml): which readers exist and where their
 * directories are, SO tries, KDF, and which lifecycle policy file to use.
 * Shared by the module and the carecard-card tool.
 *
 * The passcode rules (min/max length, max tries, max age, warning) and the
 * KDF that sets the cost of a guess are not module settings: they come
 * from the policy (policy/README.md "passcode", pol_passcode_rules()),
 * loaded by cc_config_load*() from `policy:`, else the installed nhs.yaml,
 * else the built-in NHS rules. A `passcode:` section here is an error that
 * says so (issue 3: one source of truth); so is `kdf:` in a release build.
 * A build configured with --enable-test-hooks accepts `kdf: { n, r, p }`
 * as a test switch that overrides the policy's, below its lower bound, so
 * the test suite's logins stay fast.
 *
 * Lookup: $CARECARD_CONF if set (a missing file is then an error), else
 * $(sysconfdir)/carecard/carecard.yaml if it exists, else built-in
 * defaults: two readers, "Carecard Reader 1" and "Carecard Reader 2", with
 * directories $XDG_DATA_HOME/carecard/readers/reader-1 and reader-2
 * ($XDG_DATA_HOME defaults to ~/.local/share).
 *
 * Example:
 *   readers:
 *     - name: Desk reader
 *       directory: /var/lib/carecard/desk
 *   policy: /etc/carecard/policy.yaml   # relative: from this file's directory
 *   so-max-tries: 3
 *   signing-key-always-authenticate: false
 *   state-directory: /var/lib/carecard/state   # default $XDG_STATE_HOME/carecard
 */
#ifndef CC_CONFIG_H
#define CC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "pkcs11/card-image.h"

#define CC_MAX_READERS 16

struct cc_reader_conf {
	char *name;		/* slot description (<= 64 chars) */
	char *dir;		/* absolute directory; created 0700 on first use */
};

/* The policy's passcode rules (pol_passcode_rules()), as the module applies them. */
struct cc_passcode_rules {
	unsigned min_len;	/* ulMinPinLen; C_InitPIN/C_SetPIN refuse shorter */
	unsigned max_len;	/* ulMaxPinLen */
	unsigned max_tries;	/* user retry counter after C_InitPIN/C_SetPIN */
	int64_t max_age;	/* seconds; 0 = never expires */
	int64_t warn_before;	/* seconds before expiry when CKF_USER_PIN_TO_BE_CHANGED is set */
};

struct cc_config {
	char *source;			/* file it came from, or "(built-in defaults)" */
	size_t nreaders;
	struct cc_reader_conf *readers;
	struct cc_passcode_rules passcode;	/* from the policy, not from this file */
	unsigned so_max_tries;		/* 3 */
	struct cc_kdf_params kdf;	/* for newly set passcodes: the policy's passcode.kdf */
	bool kdf_test_override;		/* test builds: `kdf:` in this file replaced it */
	bool signing_always_authenticate;
	char *policy_path;		/* `policy:` as an absolute path; NULL = default */
	char *policy_source;		/* the policy actually loaded, or "(built-in)" */
	/*
	 * The installation's state: the rollback records of the cards
	 * (card-guard.h). Absolute; `state-directory:`, default
	 * $XDG_STATE_HOME/carecard (~/.local/state/carecard).
	 */
	char *state_dir;
};

/*
 * Load the configuration as described above, then the policy it names,
 * into a new struct (caller frees with cc_config_free). A file that cannot
 * be read or parsed, an unknown or retired key, a wrong type or an
 * out-of-range value gives CKR_GENERAL_ERROR and one log line
 * "FILE:LINE:COLUMN: message"; so does a bad or missing policy file (the
 * policy loader's "FILE:LINE:COLUMN: key.path: message").
 */
CK_RV cc_config_load(struct cc_config **out);

/* Same, from an explicit file path (NULL = built-in defaults only). */
CK_RV cc_config_load_file(const char *path, struct cc_config **out);

void cc_config_free(struct cc_config *conf);

#endif
