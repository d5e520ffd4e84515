/*
 * Operation lifetime, to the letter of PKCS#11 v2.40 5.10 (message
 * digesting), 5.11 (signing) and 5.12 (verifying), for digest, sign and
 * verify alike: one table of call sequences, each row starting right after
 * a successful C_XInit, with the result every call must give. Successful
 * outputs are checked too (digests against OpenSSL, signatures by
 * verifying them with OpenSSL), so a row also proves which data the
 * operation saw.
 *
 * The rules: C_X / C_XFinal end the operation on every result except a
 * successful length query and CKR_BUFFER_TOO_SMALL (C_Verify, C_VerifyFinal
 * have no length query: always); an error of C_XUpdate ends it; C_X cannot
 * finish a multi-part operation; after a C_X length query the operation is
 * single-part; C_XInit on an active operation is refused and changes nothing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "tests/module/fixture.h"

#define MSG	"Rx: 14 x amoxicillin 500 mg, three times a day"
#define MSGLEN	(sizeof(MSG) - 1)
#define NONE	0xffffffffUL	/* no expected output check */

enum kind { DIGEST, SIGN, VERIFY };

enum step {
	END,		/* end of a row */
	INIT,		/* C_XInit again */
	ONE,		/* C_X with MSG and a big enough buffer (verify: the right signature) */
	ONE_QUERY,	/* C_X, NULL output: length query */
	ONE_SMALL,	/* C_X, output buffer one byte short */
	ONE_NULLLEN,	/* C_X, NULL length pointer (verify: NULL signature) */
	ONE_BADDATA,	/* C_X, NULL data with a length */
	ONE_LONG,	/* C_X with 100 bytes (raw ECDSA: too long) */
	ONE_BADSIG,	/* C_Verify, a wrong signature of the right length */
	ONE_SHORTSIG,	/* C_Verify, a signature of the wrong length */
	UPD,		/* C_XUpdate with MSG */
	UPD_BADDATA,	/* C_XUpdate, NULL data with a length */
	FIN,		/* C_XFinal, big enough buffer (verify: the right signature) */
	FIN_QUERY,
	FIN_SMALL,
	FIN_NULLLEN,	/* C_XFinal, NULL length pointer (verify: NULL signature) */
	FIN_BADSIG,
};

struct call {
	enum step step;
	CK_RV want;
};

struct row {
	const char *what;
	unsigned kinds;		/* 1 << DIGEST | 1 << SIGN | 1 << VERIFY */
	bool raw;		/* sign/verify with CKM_ECDSA instead of CKM_ECDSA_SHA256 */
	struct call calls[8];
};

#define D (1u << DIGEST)
#define S (1u << SIGN)
#define V (1u << VERIFY)
#define NOTINIT CKR_OPERATION_NOT_INITIALIZED
#define ACTIVE CKR_OPERATION_ACTIVE

static const struct row rows[] = {
	{ "one-shot success ends it", D | S | V, false,
	  { { ONE, CKR_OK }, { ONE, NOTINIT }, { UPD, NOTINIT }, { FIN, NOTINIT } } },
	{ "one-shot length queries keep it", D | S, false,
	  { { ONE_QUERY, CKR_OK }, { ONE_QUERY, CKR_OK }, { ONE, CKR_OK }, { ONE, NOTINIT } } },
	{ "one-shot CKR_BUFFER_TOO_SMALL keeps it", D | S, false,
	  { { ONE_SMALL, CKR_BUFFER_TOO_SMALL }, { ONE, CKR_OK }, { ONE, NOTINIT } } },
	{ "one-shot with a NULL length pointer ends it", D | S | V, false,
	  { { ONE_NULLLEN, CKR_ARGUMENTS_BAD }, { ONE, NOTINIT } } },
	{ "one-shot with NULL data ends it", D | S | V, false,
	  { { ONE_BADDATA, CKR_ARGUMENTS_BAD }, { ONE, NOTINIT } } },
	{ "a one-shot length query makes it single-part: final refused, ends it", D | S, false,
	  { { ONE_QUERY, CKR_OK }, { FIN, ACTIVE }, { ONE, NOTINIT } } },
	{ "a one-shot length query makes it single-part: update refused, ends it", D | S, false,
	  { { ONE_QUERY, CKR_OK }, { UPD, ACTIVE }, { ONE, NOTINIT } } },
	{ "one-shot after an update is refused and ends it", D | S | V, false,
	  { { UPD, CKR_OK }, { ONE, ACTIVE }, { FIN, NOTINIT } } },
	{ "multi-part success ends it", D | S | V, false,
	  { { UPD, CKR_OK }, { UPD, CKR_OK }, { FIN, CKR_OK }, { FIN, NOTINIT }, { UPD, NOTINIT } } },
	{ "final without an update covers the empty message", D | S | V, false,
	  { { FIN, CKR_OK }, { FIN, NOTINIT } } },
	{ "final length queries keep it", D | S, false,
	  { { UPD, CKR_OK }, { FIN_QUERY, CKR_OK }, { FIN_SMALL, CKR_BUFFER_TOO_SMALL },
	    { FIN, CKR_OK }, { FIN, NOTINIT } } },
	{ "after a final length query it is still multi-part", D | S, false,
	  { { FIN_QUERY, CKR_OK }, { UPD, CKR_OK }, { ONE, ACTIVE }, { FIN, NOTINIT } } },
	{ "final with a NULL length pointer ends it", D | S | V, false,
	  { { UPD, CKR_OK }, { FIN_NULLLEN, CKR_ARGUMENTS_BAD }, { FIN, NOTINIT } } },
	{ "an update error ends it", D | S | V, false,
	  { { UPD, CKR_OK }, { UPD_BADDATA, CKR_ARGUMENTS_BAD }, { UPD, NOTINIT },
	    { FIN, NOTINIT } } },
	{ "init while active is refused and changes nothing", D | S | V, false,
	  { { UPD, CKR_OK }, { INIT, ACTIVE }, { UPD, CKR_OK }, { FIN, CKR_OK } } },
	{ "a one-shot that fails in the work ends it", S, true,
	  { { ONE_LONG, CKR_DATA_LEN_RANGE }, { ONE, NOTINIT } } },
	{ "a final that fails in the work ends it", S, true,
	  { { UPD, CKR_OK }, { UPD, CKR_OK }, { UPD, CKR_OK }, { FIN, CKR_DATA_LEN_RANGE },
	    { FIN, NOTINIT } } },
	{ "verify: a wrong signature ends it", V, false,
	  { { ONE_BADSIG, CKR_SIGNATURE_INVALID }, { ONE, NOTINIT } } },
	{ "verify: a signature of the wrong length ends it", V, false,
	  { { ONE_SHORTSIG, CKR_SIGNATURE_LEN_RANGE }, { ONE, NOTINIT } } },
	{ "verify: a wrong signature at final ends it", V, false,
	  { { UPD, CKR_OK }, { FIN_BADSIG, CKR_SIGNATURE_INVALID }, { FIN, NOTINIT } } },
	{ "verify: raw ECDSA over a hash, one-shot and multi-part", V, true,
	  { { ONE, CKR_OK }, { ONE, NOTINIT } } },
};

struct ofx {
	struct fx *fx;
	CK_SESSION_HANDLE s, signer;	/* the operation's session; one that makes signatures */
	CK_OBJECT_HANDLE pub, priv;
	EVP_PKEY *pk;
	/* the running row */
	enum kind kind;
	bool raw;
	unsigned char fed[1024];	/* what the operation has seen */
	size_t nfed;
};

static int
setup(void **state)
{
	struct ofx *o = calloc(1, sizeof(*o));

	o->fx = fx_new(NULL);
	fx_card_insert(o->fx, 0, FX_SERIAL_A);
	assert_int_equal(o->fx->p11->C_Initialize(NULL), CKR_OK);
	fx_personalise(o->fx, 0, "Operations");
	o->s = fx_open(o->fx, 0, true);
	o->signer = fx_open(o->fx, 0, false);
	fx_gen_ec(o->fx, o->s, false, "01", "Authentication", &o->pub, &o->priv);
	o->pk = fx_pubkey(o->fx, o->s, o->pub);
	*state = o;
	return 0;
}

static int
teardown(void **state)
{
	struct ofx *o = *state;

	EVP_PKEY_free(o->pk);
	fx_free(o->fx);
	free(o);
	return 0;
}

static CK_MECHANISM
mech(const struct ofx *o)
{
	CK_MECHANISM m = { o->kind == DIGEST ? CKM_SHA256 : o->raw ? CKM_ECDSA : CKM_ECDSA_SHA256,
			   NULL, 0 };

	return m;
}

static CK_RV
init(struct ofx *o)
{
	CK_MECHANISM m = mech(o);

	switch (o->kind) {
	case DIGEST:	return o->fx->p11->C_DigestInit(o->s, &m);
	case SIGN:	return o->fx->p11->C_SignInit(o->s, &m, o->priv);
	default:	return o->fx->p11->C_VerifyInit(o->s, &m, o->pub);
	}
}

/* What the mechanism signs or digests: raw ECDSA takes the caller's bytes as the hash. */
static void
expected_digest(const unsigned char *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
}

/* A signature by the card over @data, made in another session (for C_Verify*). */
static CK_ULONG
card_sign(struct ofx *o, const unsigned char *data, size_t len, unsigned char sig[64])
{
	CK_MECHANISM m = mech(o);
	CK_ULONG n = 64;

	assert_int_equal(o->fx->p11->C_SignInit(o->signer, &m, o->priv), CKR_OK);
	assert_int_equal(o->fx->p11->C_Sign(o->signer, (CK_BYTE_PTR)data, len, sig, &n), CKR_OK);
	return n;
}

/* An ECDSA r||s from the module verifies over @data with OpenSSL. */
static void
check_signature(const struct ofx *o, const unsigned char *data, size_t len,
		const unsigned char *sig, CK_ULONG n)
{
	unsigned char md[32], *der = NULL;
	ECDSA_SIG *es = ECDSA_SIG_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(o->pk, NULL);
	int derlen;

	assert_int_equal(n, 64);
	if (o->raw)
		memcpy(md, data, len < 32 ? len : 32);
	else
		expected_digest(data, len, md);
	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)),
			 1);
	assert_true((derlen = i2d_ECDSA_SIG(es, &der)) > 0);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_verify(ctx, der, (size_t)derlen, md, o->raw ? len : 32), 1);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
}

/* After a successful C_X / C_XFinal with output: is it right for what was fed? */
static void
check_output(struct ofx *o, const unsigned char *out, CK_ULONG n)
{
	unsigned char md[32];

	if (o->kind == DIGEST) {
		expected_digest(o->fed, o->nfed, md);
		assert_int_equal(n, 32);
		assert_memory_equal(out, md, 32);
	} else if (o->kind == SIGN) {
		check_signature(o, o->fed, o->nfed, out, n);
	}
}

/* Data of a one-shot or update: MSG (raw mechanisms: a 32-byte "hash"). */
static size_t
data_len(const struct ofx *o)
{
	return o->raw ? 32 : MSGLEN;
}

/* C_X (one-shot) in the flavour @st. */
static CK_RV
one(struct ofx *o, enum step st)
{
	static unsigned char big[100];
	const unsigned char *data = (const unsigned char *)MSG;
	size_t len = st == ONE_LONG ? sizeof(big) : data_len(o);
	unsigned char out[128], sig[64];
	CK_ULONG n = o->kind == DIGEST ? 32 : 64, siglen;
	CK_ULONG *np = st == ONE_NULLLEN ? NULL : &n;
	CK_RV rv;

	if (st == ONE_LONG)
		data = big;
	if (st == ONE_SMALL)
		n--;
	if (o->kind == VERIFY) {
		siglen = card_sign(o, data, len, sig);
		if (st == ONE_BADSIG)
			sig[10] ^= 1;
		return o->fx->p11->C_Verify(o->s, st == ONE_BADDATA ? NULL : (CK_BYTE_PTR)data, len,
					    st == ONE_NULLLEN ? NULL : sig,
					    st == ONE_SHORTSIG ? siglen - 1 : siglen);
	}
	if (o->kind == DIGEST)
		rv = o->fx->p11->C_Digest(o->s, st == ONE_BADDATA ? NULL : (CK_BYTE_PTR)data, len,
					  st == ONE_QUERY ? NULL : out, np);
	else
		rv = o->fx->p11->C_Sign(o->s, st == ONE_BADDATA ? NULL : (CK_BYTE_PTR)data, len,
					st == ONE_QUERY ? NULL : out, np);
	if (rv == CKR_OK && st == ONE) {
		memcpy(o->fed, data, len);
		o->nfed = len;
		check_output(o, out, n);
	}
	if (st == ONE_QUERY || st == ONE_SMALL)
		assert_int_equal(n, o->kind == DIGEST ? 32 : 64);
	return rv;
}

static CK_RV
update(struct ofx *o, enum step st)
{
	CK_BYTE_PTR data = st == UPD_BADDATA ? NULL : (CK_BYTE_PTR)MSG;
	CK_ULONG len = data_len(o);
	CK_RV rv;

	switch (o->kind) {
	case DIGEST:	rv = o->fx->p11->C_DigestUpdate(o->s, data, len); break;
	case SIGN:	rv = o->fx->p11->C_SignUpdate(o->s, data, len); break;
	default:	rv = o->fx->p11->C_VerifyUpdate(o->s, data, len); break;
	}
	if (rv == CKR_OK) {
		memcpy(o->fed + o->nfed, MSG, len);
		o->nfed += len;
	}
	return rv;
}

static CK_RV
final(struct ofx *o, enum step st)
{
	unsigned char out[128], sig[64];
	CK_ULONG n = o->kind == DIGEST ? 32 : 64, siglen;
	CK_ULONG *np = st == FIN_NULLLEN ? NULL : &n;
	CK_RV rv;

	if (st == FIN_SMALL)
		n--;
	if (o->kind == VERIFY) {
		siglen = card_sign(o, o->fed, o->nfed, sig);
		if (st == FIN_BADSIG)
			sig[3] ^= 0x80;
		return o->fx->p11->C_VerifyFinal(o->s, st == FIN_NULLLEN ? NULL : sig, siglen);
	}
	if (o->kind == DIGEST)
		rv = o->fx->p11->C_DigestFinal(o->s, st == FIN_QUERY ? NULL : out, np);
	else
		rv = o->fx->p11->C_SignFinal(o->s, st == FIN_QUERY ? NULL : out, np);
	if (rv == CKR_OK && st == FIN)
		check_output(o, out, n);
	if (st == FIN_QUERY || st == FIN_SMALL)
		assert_int_equal(n, o->kind == DIGEST ? 32 : 64);
	return rv;
}

static CK_RV
run(struct ofx *o, enum step st)
{
	switch (st) {
	case INIT:
		return init(o);
	case ONE: case ONE_QUERY: case ONE_SMALL: case ONE_NULLLEN: case ONE_BADDATA:
	case ONE_LONG: case ONE_BADSIG: case ONE_SHORTSIG:
		return one(o, st);
	case UPD: case UPD_BADDATA:
		return update(o, st);
	default:
		return final(o, st);
	}
}

static const char *const kind_name[] = { "digest", "sign", "verify" };

static void
test_table(void **state)
{
	struct ofx *o = *state;
	size_t r, i, checked = 0;
	int k;
	CK_RV rv;

	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		for (k = DIGEST; k <= VERIFY; k++) {
			if (!(rows[r].kinds & (1u << k)))
				continue;
			o->kind = (enum kind)k;
			o->raw = rows[r].raw;
			o->nfed = 0;
			assert_int_equal(init(o), CKR_OK);
			for (i = 0; rows[r].calls[i].step != END; i++) {
				rv = run(o, rows[r].calls[i].step);
				if (rv != rows[r].calls[i].want)
					fail_msg("%s, %s: call %zu gave 0x%lx, want 0x%lx",
						 kind_name[k], rows[r].what, i + 1,
						 (unsigned long)rv,
						 (unsigned long)rows[r].calls[i].want);
			}
			/* Every row leaves no operation behind. */
			assert_int_equal(init(o), CKR_OK);
			assert_int_equal(run(o, ONE), CKR_OK);
			checked++;
		}
	}
	print_message("# %zu sequences checked\n", checked);
	assert_true(checked >= 40);
}

/* No session, no operation: nothing to end, the error says which. */
static void
test_no_operation(void **state)
{
	struct ofx *o = *state;
	CK_BYTE out[64];
	CK_ULONG n = sizeof(out);

	assert_int_equal(o->fx->p11->C_Digest(o->s, (CK_BYTE_PTR)MSG, MSGLEN, out, &n), NOTINIT);
	assert_int_equal(o->fx->p11->C_SignFinal(o->s, out, &n), NOTINIT);
	assert_int_equal(o->fx->p11->C_VerifyUpdate(o->s, (CK_BYTE_PTR)MSG, MSGLEN), NOTINIT);
	assert_int_equal(o->fx->p11->C_Digest(0x7777, (CK_BYTE_PTR)MSG, MSGLEN, out, &n),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(o->fx->p11->C_DigestInit(o->s, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(o->fx->p11->C_SignInit(o->s, NULL, o->priv), CKR_ARGUMENTS_BAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_operation, setup, teardown),
	};

	return cmocka_run_group_tests_name("module-oplife", tests, NULL, NULL);
}
