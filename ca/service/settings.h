/*
 * ca/service/settings: the settings of "carecard-ca serve" — embedded
 * defaults, then the "serve" section of a YAML file (--config), then
 * command-line flags. Deployment only: what the CA does (validity,
 * refresh, caching bound, URL names) is policy, not configuration.
 *
 *   serve:
 *     state: /var/lib/carecard/ca
 *     http: ["0.0.0.0:80"]          # or one string; [] = no plain HTTP
 *     https: ["0.0.0.0:443"]
 *     tls-certificate: /etc/carecard/serve/cert.pem   # chain, PEM
 *     tls-key: /etc/carecard/serve/key.pem
 *     workers: 0                    # event loops; 0 = one per CPU core
 *     jobs: true                    # pre-sign and publish CRLs here (HSM)
 *     access-log: "-"               # "-" standard output, "off", or a file
 *     limits:
 *       max-header-size: 8192       # bytes, request line and headers
 *       max-body-size: 16384        # bytes
 *       request-timeout: 10s        # to send a whole request, and idle keep-alive
 *       max-connections: 1024       # per worker
 *       rate: 200                   # requests per second per client address; 0 = off
 *       burst: 400
 *       cert-rate: 10               # API requests per second per client certificate
 *       cert-burst: 60              # (the card's; 0 = off), bursts of this many
 *     mail:                         # holders' unlock codes and notices (SMTP relay)
 *       relay: smtp://mail.example.nhs.uk:587   # STARTTLS required; or smtps://
 *       from: carecard-ca@example.nhs.uk
 *       ca-file: /etc/ssl/certs/relay-ca.pem   # default: the system's trust store
 *       timeout: 30s
 *     sms:                          # the same by text message (an HTTPS gateway)
 *       gateway: https://sms.example.nhs.uk/send
 *       ca-file: /etc/ssl/certs/gateway-ca.pem
 *       to-field: to                # the form fields the gateway takes
 *       text-field: text
 *       timeout: 30s
 */
#ifndef CC_SVC_CONFIG_H
#define CC_SVC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_LISTEN_MAX 8
#define SVC_PATH_MAX 4096

struct svc_listen {
	char host[64];		/* numeric address: "127.0.0.1", "::" */
	unsigned port;		/* 0: any free port (printed once bound) */
};

struct svc_limits {
	size_t max_header_size;
	size_t max_body_size;
	int64_t request_timeout;	/* seconds */
	unsigned max_connections;	/* per worker */
	unsigned rate;			/* per second per address; 0 = no limit */
	unsigned burst;
	unsigned cert_rate;		/* API requests per second per client certificate */
	unsigned cert_burst;
};

/* Delivery to holders; "" = not configured. */
struct svc_mail_settings {
	char relay[SVC_PATH_MAX];
	char from[256];
	char cafile[SVC_PATH_MAX];
	int64_t timeout;		/* seconds */
};

struct svc_sms_settings {
	char gateway[SVC_PATH_MAX];
	char cafile[SVC_PATH_MAX];
	char to_field[64], text_field[64];
	int64_t timeout;		/* seconds */
};

struct svc_config {
	char state[SVC_PATH_MAX];	/* "" = the CLI's default */
	struct svc_listen http[SVC_LISTEN_MAX];
	unsigned nhttp;
	struct svc_listen https[SVC_LISTEN_MAX];
	unsigned nhttps;
	char tls_cert[SVC_PATH_MAX], tls_key[SVC_PATH_MAX];
	unsigned workers;		/* 0 = CPU cores */
	bool jobs;
	char access_log[SVC_PATH_MAX];	/* "-", "off" or a path */
	struct svc_limits limits;
	struct svc_mail_settings mail;
	struct svc_sms_settings sms;
	char public_url[SVC_PATH_MAX];	/* how holders reach us ("" = not said) */
	char portal[SVC_PATH_MAX];	/* the portal's pages (portal.h) */
	char source[SVC_PATH_MAX];	/* the file read, or "(defaults)" */
};

/* The embedded defaults: HTTP on 127.0.0.1:8080, jobs on, log to stdout. */
void svc_config_defaults(struct svc_config *c);

/*
 * Read the "serve" section of YAML file @path over @c. Unknown keys,
 * wrong types and bad values are errors: @err (@errlen bytes) says
 * "file:line:column: key: what". 0 or CA_ERR_USAGE / CA_ERR_IO.
 */
int svc_config_load(struct svc_config *c, const char *path, char *err, size_t errlen);

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into @l; false if malformed. */
bool svc_listen_parse(const char *text, struct svc_listen *l);

#endif
