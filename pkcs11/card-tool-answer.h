/*
 * pkcs11/card-tool-answer: what the holder tools read from the CA's
 * service — the "key: value" lines of /holder/status/SERIAL and the base64
 * certs-only PKCS#7 of an EST answer. Apart from the tools so that they
 * can be fuzzed without a card or a network (tests/fuzz/fuzz-card-answer.c).
 */
#ifndef CC_CARD_TOOL_ANSWER_H
#define CC_CARD_TOOL_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

/*
 * The value of line "@key: value" in NUL-terminated @text into @out (@len
 * bytes, truncated to fit, always NUL-terminated); false when absent.
 */
bool tool_answer_field(const char *text, const char *key, char *out, size_t len);

/*
 * The first certificate of a base64 certs-only PKCS#7 (@len bytes,
 * whitespace allowed), or NULL; no OpenSSL error is left queued.
 */
X509 *tool_answer_cert(const char *body, size_t len);

#endif
