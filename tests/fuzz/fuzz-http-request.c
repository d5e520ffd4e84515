/*
 * Fuzz the HTTP request handling of carecard-ca serve end to end: the bytes
 * go over a real loopback connection to a real worker (libevent's evhttp
 * parses, our handler routes and answers), the client closes its side, and
 * then the worker must still answer GET /healthz on a fresh connection —
 * whatever the bytes did, no crash, no hang, no leak (the replay build runs
 * under ASan and valgrind with "make check").
 *
 * libFuzzer build (not part of the default build), from the build tree:
 *     make fuzz-service-run FUZZ_SECONDS=300
 * Replay build (-DSVC_FUZZ_REPLAY, run by "make check"): every seed of
 * tests/fuzz/corpus-http.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fuzz-http-fixture.h"

static int
dial(unsigned port)
{
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		abort();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		abort();	/* the worker is gone */
	return fd;
}

/* Send, close our side, read until the server closes (or 5 s pass). */
static size_t
exchange(unsigned port, const void *data, size_t size, char *got, size_t cap)
{
	int fd = dial(port);
	size_t n = 0;
	ssize_t k;

	/* the server may hang up before taking it all: fine, that is an answer */
	if (size > 0)
		(void)!send(fd, data, size, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	while ((k = recv(fd, got + n, cap - n - 1, 0)) > 0 && n + (size_t)k < cap - 1)
		n += (size_t)k;
	got[n] = '\0';
	close(fd);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char health[] = "GET /healthz HTTP/1.0\r\n\r\n";
	struct fuzz_fixture *fx = fuzz_fixture_get(1);
	static char got[1 << 16];

	exchange(fx->port, data, size, got, sizeof(got));
	exchange(fx->port, health, sizeof(health) - 1, got, sizeof(got));
	if (strncmp(got, "HTTP/1.0 200", 12) != 0 || strstr(got, "status: ok") == NULL) {
		fprintf(stderr, "the service stopped answering: %.80s\n", got);
		abort();
	}
	return 0;
}

#ifdef SVC_FUZZ_REPLAY
int
main(int argc, char **argv)
{
	static const char *const dirs[] = { "tests/fuzz/corpus-http" };

	return fuzz_replay_main(argc, argv, dirs, 1);
}
#endif
