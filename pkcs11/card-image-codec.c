/*
 * card-image-codec.c: struct cc_card <-> bytes (layout: CARD-FORMAT.md).
 *
 * Decoding trusts nothing: the trailer checksum is checked first, then
 * every field is range-checked and every length is compared with the bytes
 * that remain before it is used. Any failure is CKR_TOKEN_NOT_RECOGNIZED
 * with one log line naming the file and the reason.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-image-int.h"
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* ---- writing ---------------------------------------------------------- */

struct wbuf {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

static void
put(struct wbuf *w, const void *data, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 512;
		unsigned char *grown;

		while (cap < w->len + n)
			cap *= 2;
		if ((grown = realloc(w->p, cap)) == NULL) {
			w->oom = true;
			return;
		}
		w->p = grown;
		w->cap = cap;
	}
	if (n > 0)
		memcpy(w->p + w->len, data, n);
	w->len += n;
}

static void
put_be(struct wbuf *w, uint64_t v, size_t n)
{
	unsigned char b[8];
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
	put(w, b, n);
}

static void
put_zero(struct wbuf *w, size_t n)
{
	static const unsigned char zero[16];

	while (n > 0) {
		size_t k = n < sizeof(zero) ? n : sizeof(zero);

		put(w, zero, k);
		n -= k;
	}
}

static void
put_pin_state(struct wbuf *w, const struct cc_pin_state *ps)
{
	put_be(w, ps->set, 1);
	put_be(w, ps->must_change, 1);
	put_be(w, ps->max_tries, 1);
	put_be(w, ps->tries_left, 1);
	put_zero(w, 4);
	put_be(w, (uint64_t)ps->changed_at, 8);
}

static void
put_slot(struct wbuf *w, const struct cc_key_slot *s)
{
	if (!s->present) {
		put_zero(w, CC_SLOT_LEN);
		return;
	}
	put_be(w, 1, 1);
	put_zero(w, 3);
	put_be(w, s->kdf.n, 8);
	put_be(w, s->kdf.r, 4);
	put_be(w, s->kdf.p, 4);
	put(w, s->salt, sizeof(s->salt));
	put(w, s->nonce, sizeof(s->nonce));
	put(w, s->wrapped, sizeof(s->wrapped));
	put(w, s->tag, sizeof(s->tag));
}

/* The MAC-covered part: label, uid counter, objects (CARD-FORMAT.md "Content"). */
CK_RV
cc_card_encode_content(const struct cc_card *card, unsigned char **out, size_t *len)
{
	struct wbuf w = { 0 };
	size_t i, j, lablen = strnlen(card->label, CC_CARD_LABEL_MAX + 1);

	if (lablen > CC_CARD_LABEL_MAX || card->nobjects > CC_MAX_OBJECTS)
		return CKR_ARGUMENTS_BAD;
	put_be(&w, lablen, 1);
	put(&w, card->label, lablen);
	put_be(&w, card->next_uid, 4);
	put_be(&w, card->nobjects, 4);
	for (i = 0; i < card->nobjects; i++) {
		const struct cc_stored_object *o = &card->objects[i];

		put_be(&w, o->uid, 4);
		put_be(&w, o->nattrs, 4);
		for (j = 0; j < o->nattrs; j++) {
			put_be(&w, o->attrs[j].type, 8);
			put_be(&w, o->attrs[j].len, 4);
			put(&w, o->attrs[j].value, o->attrs[j].len);
		}
		put_be(&w, o->sealed_len, 4);
		put(&w, o->sealed, o->sealed_len);
	}
	if (w.oom || w.len > CC_CARD_MAX_SIZE - CC_IMG_HEADER_LEN - CC_IMG_SUM_LEN) {
		free(w.p);
		return w.oom ? CKR_HOST_MEMORY : CKR_DEVICE_MEMORY;
	}
	*out = w.p;
	*len = w.len;
	return CKR_OK;
}

/*
 * Whole image with @generation. The content and its MAC are taken from
 * card->slots (refreshed by the caller when the content changed).
 */
CK_RV
cc_card_encode(const struct cc_card *card, uint64_t generation, unsigned char **out, size_t *len)
{
	const struct cc_card_slots *sl = card->slots;
	struct wbuf w = { 0 };
	unsigned char sum[CC_IMG_SUM_LEN];
	size_t total = CC_IMG_HEADER_LEN + sl->content_len + CC_IMG_SUM_LEN;
	CK_RV rv;

	if (total > CC_CARD_MAX_SIZE)
		return CKR_DEVICE_MEMORY;
	put(&w, CC_IMG_MAGIC, CC_IMG_MAGIC_LEN);
	put_be(&w, CC_IMG_VERSION, 2);
	put_be(&w, 0, 2);
	put_be(&w, total, 4);
	put(&w, card->serial, CC_CARD_SERIAL_LEN);
	put_be(&w, generation, 8);
	put_be(&w, card->initialized, 1);
	put_zero(&w, 3);
	put_pin_state(&w, &card->user);
	put_pin_state(&w, &card->so);
	put_slot(&w, &sl->user);
	put_slot(&w, &sl->so);
	put(&w, sl->mac, sizeof(sl->mac));
	put_be(&w, sl->content_len, 4);
	put(&w, sl->content, sl->content_len);
	if (w.oom) {
		free(w.p);
		return CKR_HOST_MEMORY;
	}
	if ((rv = cc_card_sha256(w.p, w.len, sum)) != CKR_OK) {
		free(w.p);
		return rv;
	}
	put(&w, sum, sizeof(sum));
	if (w.oom) {
		free(w.p);
		return CKR_HOST_MEMORY;
	}
	*out = w.p;
	*len = w.len;
	return CKR_OK;
}

/* ---- reading ---------------------------------------------------------- */

struct rbuf {
	const unsigned char *p;
	size_t left;
	const char *name;	/* for log lines */
	bool bad;
};

/* Record the first reason only; later checks on a bad buffer are no-ops. */
static bool __attribute__((format(printf, 2, 3)))
bad(struct rbuf *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!r->bad) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		util_log(LOG_ERR, "%s: card image not recognized: %s", r->name, msg);
	}
	r->bad = true;
	return false;
}

static bool
take(struct rbuf *r, void *dst, size_t n, const char *what)
{
	if (r->bad)
		return false;
	if (n > r->left)
		return bad(r, "truncated in %s (need %zu bytes, %zu left)", what, n, r->left);
	if (dst != NULL)
		memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static uint64_t
get_be(struct rbuf *r, size_t n, const char *what)
{
	unsigned char b[8];
	uint64_t v = 0;
	size_t i;

	if (!take(r, b, n, what))
		return 0;
	for (i = 0; i < n; i++)
		v = (v << 8) | b[i];
	return v;
}

static bool
get_zero(struct rbuf *r, size_t n, const char *what)
{
	unsigned char b[CC_SLOT_LEN];
	size_t i;

	if (n > sizeof(b) || !take(r, b, n, what))
		return false;
	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return bad(r, "reserved bytes in %s are not zero", what);
	return true;
}

static bool
get_bool(struct rbuf *r, const char *what)
{
	uint64_t v = get_be(r, 1, what);

	if (v > 1)
		bad(r, "%s is %u, not 0 or 1", what, (unsigned)v);
	return v == 1;
}

bool
cc_kdf_params_valid(const struct cc_kdf_params *kdf)
{
	/* Bounds keep a crafted image from asking for gigabytes of scrypt memory. */
	if (kdf->n < 2 || kdf->n > (1u << 20) || (kdf->n & (kdf->n - 1)) != 0)
		return false;
	if (kdf->r < 1 || kdf->r > 32 || kdf->p < 1 || kdf->p > 16)
		return false;
	return 128u * kdf->n * kdf->r <= (256u << 20);
}

static void
get_pin_state(struct rbuf *r, struct cc_pin_state *ps, const char *role)
{
	ps->set = get_bool(r, role);
	ps->must_change = get_bool(r, role);
	ps->max_tries = (uint8_t)get_be(r, 1, role);
	ps->tries_left = (uint8_t)get_be(r, 1, role);
	get_zero(r, 4, role);
	ps->changed_at = (int64_t)get_be(r, 8, role);
	if (!r->bad && ps->tries_left > ps->max_tries)
		bad(r, "%s tries left %u > max %u", role, ps->tries_left, ps->max_tries);
}

static void
get_slot(struct rbuf *r, struct cc_key_slot *s, const char *role)
{
	s->present = get_bool(r, role);
	if (!s->present) {
		get_zero(r, CC_SLOT_LEN - 1, role);
		return;
	}
	get_zero(r, 3, role);
	s->kdf.n = get_be(r, 8, role);
	s->kdf.r = (uint32_t)get_be(r, 4, role);
	s->kdf.p = (uint32_t)get_be(r, 4, role);
	take(r, s->salt, sizeof(s->salt), role);
	take(r, s->nonce, sizeof(s->nonce), role);
	take(r, s->wrapped, sizeof(s->wrapped), role);
	take(r, s->tag, sizeof(s->tag), role);
	if (!r->bad && !cc_kdf_params_valid(&s->kdf))
		bad(r, "%s KDF parameters out of range", role);
}

static unsigned char *
get_dup(struct rbuf *r, size_t n, const char *what)
{
	unsigned char *p;

	if (r->bad)
		return NULL;
	if (n > r->left) {
		bad(r, "%s length %zu exceeds the %zu bytes left", what, n, r->left);
		return NULL;
	}
	if ((p = malloc(n ? n : 1)) == NULL) {
		bad(r, "out of memory");
		return NULL;
	}
	take(r, p, n, what);
	return p;
}

static void
get_attrs(struct rbuf *r, struct cc_stored_object *o)
{
	size_t i, j;

	o->nattrs = (size_t)get_be(r, 4, "attribute count");
	if (r->bad)
		return;
	/* Each attribute needs at least 12 bytes, so the count is bounded by the file. */
	if (o->nattrs > CC_MAX_ATTRS || o->nattrs > r->left / 12) {
		bad(r, "object %u: attribute count %zu too large", o->uid, o->nattrs);
		o->nattrs = 0;
		return;
	}
	if ((o->attrs = calloc(o->nattrs ? o->nattrs : 1, sizeof(*o->attrs))) == NULL) {
		o->nattrs = 0;
		bad(r, "out of memory");
		return;
	}
	for (i = 0; i < o->nattrs && !r->bad; i++) {
		struct cc_stored_attr *a = &o->attrs[i];

		a->type = (CK_ATTRIBUTE_TYPE)get_be(r, 8, "attribute type");
		a->len = (CK_ULONG)get_be(r, 4, "attribute length");
		a->value = a->len ? get_dup(r, a->len, "attribute value") : NULL;
		for (j = 0; j < i && !r->bad; j++)
			if (o->attrs[j].type == a->type)
				bad(r, "object %u: attribute 0x%lx twice", o->uid,
				    (unsigned long)a->type);
	}
}

static void
get_object(struct rbuf *r, struct cc_card *card, struct cc_stored_object *o)
{
	size_t i;

	o->uid = (uint32_t)get_be(r, 4, "object uid");
	if (!r->bad && (o->uid == 0 || o->uid >= card->next_uid))
		bad(r, "object uid %u outside 1..%u", o->uid, card->next_uid - 1);
	for (i = 0; !r->bad && &card->objects[i] != o; i++)
		if (card->objects[i].uid == o->uid)
			bad(r, "object uid %u used twice", o->uid);
	get_attrs(r, o);
	o->sealed_len = (size_t)get_be(r, 4, "sealed length");
	if (!r->bad && o->sealed_len > 0 && o->sealed_len < CC_SEAL_OVERHEAD)
		bad(r, "object %u: sealed blob too short", o->uid);
	if (o->sealed_len > 0)
		o->sealed = get_dup(r, o->sealed_len, "sealed blob");
	if (o->sealed == NULL)
		o->sealed_len = 0;
}

static void
get_content(struct rbuf *r, struct cc_card *card)
{
	size_t lablen, n, i;

	lablen = (size_t)get_be(r, 1, "label length");
	if (!r->bad && lablen > CC_CARD_LABEL_MAX)
		bad(r, "label length %zu > %d", lablen, CC_CARD_LABEL_MAX);
	take(r, card->label, lablen, "label");
	if (!r->bad && strlen(card->label) != lablen)
		bad(r, "label contains a NUL byte");
	card->next_uid = (uint32_t)get_be(r, 4, "next uid");
	if (!r->bad && card->next_uid == 0)
		bad(r, "next uid is 0");
	n = (size_t)get_be(r, 4, "object count");
	if (!r->bad && (n > CC_MAX_OBJECTS || n > r->left / 12))
		bad(r, "object count %zu too large", n);
	if (r->bad)
		return;
	if ((card->objects = calloc(n ? n : 1, sizeof(*card->objects))) == NULL) {
		bad(r, "out of memory");
		return;
	}
	for (i = 0; i < n && !r->bad; i++) {
		card->nobjects = i + 1;	/* so cc_card_free releases partial objects */
		get_object(r, card, &card->objects[i]);
	}
	if (!r->bad && r->left != 0)
		bad(r, "%zu stray bytes after the objects", r->left);
}

/* Magic, version, length and checksum: everything before any field is trusted. */
static bool
check_envelope(struct rbuf *r, const unsigned char *buf, size_t len)
{
	unsigned char sum[CC_IMG_SUM_LEN];
	uint64_t version, total;

	if (len == 0 || buf == NULL)
		return bad(r, "empty file");
	if (len < CC_IMG_MAGIC_LEN && memcmp(buf, CC_IMG_MAGIC, len) == 0)
		return bad(r, "truncated: %zu bytes", len);
	if (len < CC_IMG_MAGIC_LEN || memcmp(buf, CC_IMG_MAGIC, CC_IMG_MAGIC_LEN) != 0)
		return bad(r, "not a carecard image (bad magic, %zu bytes)", len);
	if (len < CC_IMG_HEADER_LEN + CC_IMG_SUM_LEN)
		return bad(r, "truncated: %zu bytes, the header alone needs %d", len,
			   CC_IMG_HEADER_LEN + CC_IMG_SUM_LEN);
	version = ((uint64_t)buf[8] << 8) | buf[9];
	if (version < CC_IMG_VERSION_MIN || version > CC_IMG_VERSION)
		return bad(r, "format version %u not supported (this build reads %d to %d)",
			   (unsigned)version, CC_IMG_VERSION_MIN, CC_IMG_VERSION);
	total = ((uint64_t)buf[12] << 24) | ((uint64_t)buf[13] << 16) |
		((uint64_t)buf[14] << 8) | buf[15];
	if (total != len)
		return bad(r, "%s: header says %llu bytes, file has %zu",
			   total > len ? "truncated" : "trailing data",
			   (unsigned long long)total, len);
	if (cc_card_sha256(buf, len - CC_IMG_SUM_LEN, sum) != CKR_OK)
		return bad(r, "cannot compute checksum");
	if (CRYPTO_memcmp(sum, buf + len - CC_IMG_SUM_LEN, CC_IMG_SUM_LEN) != 0)
		return bad(r, "checksum mismatch (corrupt or truncated)");
	return true;
}

static void
get_header(struct rbuf *r, struct cc_card *card)
{
	struct cc_card_slots *sl = card->slots;

	take(r, NULL, CC_IMG_MAGIC_LEN + 2, "magic");	/* checked by check_envelope */
	get_zero(r, 2, "flags");
	take(r, NULL, 4, "length");
	take(r, card->serial, CC_CARD_SERIAL_LEN, "serial");
	if (!r->bad && !cc_card_serial_valid(card->serial))
		bad(r, "serial is not %d digits", CC_CARD_SERIAL_LEN);
	card->generation = get_be(r, 8, "generation");
	card->initialized = get_bool(r, "initialized flag");
	get_zero(r, 3, "header");
	get_pin_state(r, &card->user, "user passcode state");
	get_pin_state(r, &card->so, "SO passcode state");
	get_slot(r, &sl->user, "user key slot");
	get_slot(r, &sl->so, "SO key slot");
	take(r, sl->mac, sizeof(sl->mac), "content MAC");
	sl->content_len = (size_t)get_be(r, 4, "content length");
	if (r->bad)
		return;
	/* Cross-field rules: a set passcode has a slot; the SO slot exists iff initialised. */
	if (card->user.set != sl->user.present || card->so.set != sl->so.present)
		bad(r, "passcode state does not match the key slots");
	else if (card->initialized != sl->so.present)
		bad(r, "initialized flag does not match the SO key slot");
	else if (sl->user.present && !card->initialized)
		bad(r, "user key slot on an uninitialised card");
	else if (sl->content_len != r->left - CC_IMG_SUM_LEN)
		bad(r, "content length %zu does not fit the file", sl->content_len);
}

CK_RV
cc_card_decode(const unsigned char *buf, size_t len, const char *name, struct cc_card **out)
{
	struct rbuf r = { .p = buf, .left = len, .name = name ? name : "(memory)" };
	struct rbuf content;
	struct cc_card *card = NULL;
	CK_RV rv;

	if (len > CC_CARD_MAX_SIZE) {
		bad(&r, "%zu bytes is larger than the %u-byte limit", len, CC_CARD_MAX_SIZE);
		return CKR_TOKEN_NOT_RECOGNIZED;
	}
	if (!check_envelope(&r, buf, len))
		return CKR_TOKEN_NOT_RECOGNIZED;
	if ((card = calloc(1, sizeof(*card))) == NULL ||
	    (card->slots = calloc(1, sizeof(*card->slots))) == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = CKR_TOKEN_NOT_RECOGNIZED;
	get_header(&r, card);
	if (r.bad)
		goto out;
	content = (struct rbuf){ .p = r.p, .left = card->slots->content_len, .name = r.name };
	card->slots->content = get_dup(&r, card->slots->content_len, "content");
	get_content(&content, card);
	if (r.bad || content.bad)
		goto out;
	*out = card;
	card = NULL;
	rv = CKR_OK;
out:
	cc_card_free(card);
	return rv;
}
