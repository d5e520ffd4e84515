/*
 * ca/card-pin: reading passcodes for card operations. A passcode comes from
 * the file named by an environment variable (mode 0600, first line; for
 * scripts and tests) or else from the terminal without echo. Never from
 * argv, never logged; free with ca_secret_free (wipes).
 */
#ifndef CC_CA_CARD_PIN_H
#define CC_CA_CARD_PIN_H

#define CA_PIN_ENV_OPERATOR "CARECARD_OPERATOR_PIN_FILE"
#define CA_PIN_ENV_HOLDER "CARECARD_HOLDER_PIN_FILE"

/*
 * Read a passcode: from the file named by $@envvar, else /dev/tty with
 * @prompt (asked twice when @confirm, and must match). CA_ERR_PERM for a
 * file others can read, CA_ERR_USAGE for no terminal or a mismatch.
 */
int ca_card_pin_read(const char *envvar, const char *prompt, int confirm, char **out);

#endif
