/*
 * card-tool-show.c: `carecard-card show` — the public state of a card,
 * readable without any passcode, as text or JSON. Certificates are parsed
 * with OpenSSL from their CKA_VALUE; nothing secret is ever touched.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>

/* What `show` prints about one object. */
struct obj_view {
	const char *cls;
	char cls_buf[24];
	const struct cc_stored_attr *label, *id;
	const char *key_type;	/* NULL when not a key */
	char kt_buf[24];
	bool is_cert, cert_ok;
	char subject[512], serial[128], not_after[32];
};

void
tool_pin_status(const struct cc_card *card, const struct cc_passcode_rules *rules, int64_t now,
		struct tool_pin_status *out)
{
	const struct cc_pin_state *u = &card->user;

	memset(out, 0, sizeof(*out));
	if (!u->set)
		return;
	out->locked = u->tries_left == 0;
	if (rules->max_age > 0) {
		out->expires_at = u->changed_at + rules->max_age;
		out->expired = u->changed_at <= 0 || now >= out->expires_at;
		out->due = out->expired || now >= out->expires_at - rules->warn_before;
	}
	if (u->must_change)
		out->due = true;
}

static void
iso_time(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "@%lld", (long long)t);
}

static bool
attr_ulong(const struct cc_stored_object *o, CK_ATTRIBUTE_TYPE t, CK_ULONG *v)
{
	const struct cc_stored_attr *a = cc_stored_object_attr(o, t);

	if (a == NULL || a->len != sizeof(CK_ULONG))
		return false;
	memcpy(v, a->value, sizeof(*v));
	return true;
}

static void
cert_parse(struct obj_view *v, const struct cc_stored_attr *value)
{
	const unsigned char *p = value ? value->value : NULL;
	X509 *x = p ? d2i_X509(NULL, &p, (long)value->len) : NULL;
	BIO *b = BIO_new(BIO_s_mem());
	BIGNUM *bn = NULL;
	char *hex = NULL;
	struct tm tm;
	int n;

	if (x == NULL || b == NULL ||
	    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) < 0 ||
	    (bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
	    (hex = BN_bn2hex(bn)) == NULL || ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		goto out;
	n = BIO_read(b, v->subject, sizeof(v->subject) - 1);
	v->subject[n > 0 ? n : 0] = '\0';
	snprintf(v->serial, sizeof(v->serial), "%s", hex);
	strftime(v->not_after, sizeof(v->not_after), "%Y-%m-%dT%H:%M:%SZ", &tm);
	v->cert_ok = true;
out:
	ERR_clear_error();	/* an unparsable CKA_VALUE is reported, not an error */
	OPENSSL_free(hex);
	BN_free(bn);
	BIO_free(b);
	X509_free(x);
}

static void
obj_view(const struct cc_stored_object *o, struct obj_view *v)
{
	static const struct { CK_ULONG v; const char *name; } classes[] = {
		{ CKO_DATA, "data" }, { CKO_CERTIFICATE, "certificate" },
		{ CKO_PUBLIC_KEY, "public-key" }, { CKO_PRIVATE_KEY, "private-key" },
		{ CKO_SECRET_KEY, "secret-key" },
	}, keytypes[] = {
		{ CKK_RSA, "RSA" }, { CKK_EC, "EC" }, { CKK_EC_EDWARDS, "EdDSA" },
		{ CKK_AES, "AES" }, { CKK_GENERIC_SECRET, "generic-secret" },
	};
	CK_ULONG cls, kt;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->cls = "unknown";
	if (attr_ulong(o, CKA_CLASS, &cls)) {
		snprintf(v->cls_buf, sizeof(v->cls_buf), "0x%lx", (unsigned long)cls);
		v->cls = v->cls_buf;
		for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
			if (classes[i].v == cls)
				v->cls = classes[i].name;
	}
	v->label = cc_stored_object_attr(o, CKA_LABEL);
	v->id = cc_stored_object_attr(o, CKA_ID);
	if (attr_ulong(o, CKA_KEY_TYPE, &kt)) {
		snprintf(v->kt_buf, sizeof(v->kt_buf), "0x%lx", (unsigned long)kt);
		v->key_type = v->kt_buf;
		for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
			if (keytypes[i].v == kt)
				v->key_type = keytypes[i].name;
	}
	v->is_cert = strcmp(v->cls, "certificate") == 0;
	if (v->is_cert)
		cert_parse(v, cc_stored_object_attr(o, CKA_VALUE));
}

/* Length of the well-formed UTF-8 sequence at @p (at most @left bytes), 0 if none. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* No overlong forms, surrogates or code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * JSON string from bytes: escapes quotes, backslashes and control
 * characters; bytes that are not UTF-8 become U+FFFD so the output always
 * parses.
 */
static void
json_str(FILE *f, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			fprintf(f, "\\%c", p[i]);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\u%04x", p[i]);
		} else if ((n = utf8_len(p + i, len - i)) == 0) {
			fputs("\\ufffd", f);
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

static void
json_cstr(FILE *f, const char *s)
{
	json_str(f, s, strlen(s));
}

/* Text: non-printable bytes become '?'. */
static void
text_bytes(FILE *f, const struct cc_stored_attr *a)
{
	size_t i;

	for (i = 0; a != NULL && i < a->len; i++)
		fputc(a->value[i] >= 0x20 && a->value[i] != 0x7f ? a->value[i] : '?', f);
}

static void
hex(FILE *f, const struct cc_stored_attr *a)
{
	size_t i;

	for (i = 0; a != NULL && i < a->len; i++)
		fprintf(f, "%02x", a->value[i]);
}

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void
text_object(FILE *f, const struct cc_stored_object *o)
{
	struct obj_view v;

	obj_view(o, &v);
	fprintf(f, "  object %u: %s", o->uid, v.cls);
	if (v.key_type != NULL)
		fprintf(f, " (%s)", v.key_type);
	fputs("\n    label: ", f);
	text_bytes(f, v.label);
	fputs("\n    id: ", f);
	hex(f, v.id);
	fputc('\n', f);
	if (v.is_cert && v.cert_ok)
		fprintf(f, "    subject: %s\n    serial: %s\n    not after: %s\n", v.subject,
			v.serial, v.not_after);
	else if (v.is_cert)
		fputs("    (certificate value could not be parsed)\n", f);
}

static void
show_text(FILE *f, const char *file, const struct cc_card *c, const struct tool_pin_status *st)
{
	struct cc_kdf_params k;
	char when[32];
	size_t i;

	fprintf(f, "file: %s\nserial: %s\nseries: %02u\nlabel: %s\ninitialised: %s\n"
		"generation: %llu\nrollback record: %llu\nrefused as a rollback: %s\n", file,
		c->serial, cc_card_series(c), c->label, yes_no(c->initialized),
		(unsigned long long)c->generation, (unsigned long long)c->record,
		yes_no(c->rolled_back));
	fprintf(f, "user PIN set: %s\n", yes_no(c->user.set));
	if (c->user.set) {
		k = cc_card_user_kdf(c);
		fprintf(f, "user PIN KDF: scrypt N=%llu r=%u p=%u\n", (unsigned long long)k.n, k.r,
			k.p);
		fprintf(f, "user PIN tries left: %u of %u\nuser PIN locked: %s\n",
			c->user.tries_left, c->user.max_tries, yes_no(st->locked));
		iso_time(c->user.changed_at, when);
		fprintf(f, "user PIN changed: %s\n", when);
		if (st->expires_at != 0)
			iso_time(st->expires_at, when);
		fprintf(f, "user PIN expires: %s\n", st->expires_at ? when : "never");
		fprintf(f, "user PIN expired: %s\nuser PIN must change (SO reset): %s\n"
			"user PIN due to change: %s\n", yes_no(st->expired), yes_no(c->user.must_change),
			yes_no(st->due));
	}
	if (c->so.set)
		fprintf(f, "SO tries left: %u of %u\nSO locked: %s\n", c->so.tries_left,
			c->so.max_tries, yes_no(c->so.tries_left == 0));
	fprintf(f, "objects: %zu\n", c->nobjects);
	for (i = 0; i < c->nobjects; i++)
		text_object(f, &c->objects[i]);
}

static void
json_object(FILE *f, const struct cc_stored_object *o)
{
	struct obj_view v;

	obj_view(o, &v);
	fprintf(f, "{\"uid\":%u,\"class\":", o->uid);
	json_cstr(f, v.cls);
	fputs(",\"label\":", f);
	if (v.label)
		json_str(f, v.label->value, v.label->len);
	else
		fputs("null", f);
	fputs(",\"id\":\"", f);
	hex(f, v.id);
	fputs("\",\"key_type\":", f);
	if (v.key_type)
		json_cstr(f, v.key_type);
	else
		fputs("null", f);
	if (v.is_cert && v.cert_ok) {
		fputs(",\"certificate\":{\"subject\":", f);
		json_cstr(f, v.subject);
		fprintf(f, ",\"serial\":\"%s\",\"not_after\":\"%s\"}", v.serial, v.not_after);
	} else if (v.is_cert) {
		fputs(",\"certificate\":null", f);
	}
	fputc('}', f);
}

static void
show_json(FILE *f, const char *file, const struct cc_card *c, const struct tool_pin_status *st)
{
	struct cc_kdf_params k = cc_card_user_kdf(c);
	size_t i;

	fputs("{\"file\":", f);
	json_cstr(f, file);
	fprintf(f, ",\"serial\":\"%s\",\"series\":%u,\"label\":", c->serial, cc_card_series(c));
	json_cstr(f, c->label);
	fprintf(f, ",\"initialized\":%s,\"generation\":%llu,\"rollback_record\":%llu,"
		"\"rolled_back\":%s,", c->initialized ? "true" : "false",
		(unsigned long long)c->generation, (unsigned long long)c->record,
		c->rolled_back ? "true" : "false");
	fprintf(f, "\"user_pin\":{\"set\":%s,\"tries_left\":%u,\"max_tries\":%u,"
		"\"locked\":%s,\"changed_at\":%lld,\"expires_at\":%lld,\"expired\":%s,"
		"\"must_change\":%s,\"due_to_change\":%s,", c->user.set ? "true" : "false",
		c->user.tries_left, c->user.max_tries, st->locked ? "true" : "false",
		(long long)c->user.changed_at, (long long)st->expires_at,
		st->expired ? "true" : "false", c->user.must_change ? "true" : "false",
		st->due ? "true" : "false");
	fprintf(f, "\"kdf\":{\"n\":%llu,\"r\":%u,\"p\":%u}},", (unsigned long long)k.n, k.r, k.p);
	fprintf(f, "\"so_pin\":{\"set\":%s,\"tries_left\":%u,\"max_tries\":%u,\"locked\":%s},",
		c->so.set ? "true" : "false", c->so.tries_left, c->so.max_tries,
		c->so.set && c->so.tries_left == 0 ? "true" : "false");
	fputs("\"objects\":[", f);
	for (i = 0; i < c->nobjects; i++) {
		if (i > 0)
			fputc(',', f);
		json_object(f, &c->objects[i]);
	}
	fputs("]}\n", f);
}

int
tool_show(FILE *out, const char *file, const struct cc_card *card, const struct cc_config *conf,
	  int64_t now, bool json)
{
	struct tool_pin_status st;

	tool_pin_status(card, &conf->passcode, now, &st);
	if (json)
		show_json(out, file, card, &st);
	else
		show_text(out, file, card, &st);
	return fflush(out) == 0 && !ferror(out) ? EXIT_OK : EXIT_FAIL;
}
