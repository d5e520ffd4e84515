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
