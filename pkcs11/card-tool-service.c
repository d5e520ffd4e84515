/*
 * carecard-card --service: in the isolated mode the holder cannot touch
 * the card images, so the command runs in the card service (carecard-serve
 * card) instead, on the holder's own readers, with its output on the
 * holder's terminal (card-service.h).
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-service.h"
#include "pkcs11/card-tool.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
tool_service(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned char status = EXIT_FAIL;
	ssize_t n;
	int fd, r;

	if (argc < 1)
		return EXIT_USAGE;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		tool_error("card service socket path too long: %s", path);
		return EXIT_USAGE;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		tool_error("cannot reach the card service at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_FAIL;
	}
	if ((r = cc_service_send(fd, argc, argv)) < 0) {
		tool_error("cannot send the request to %s: %s", path, strerror(-r));
		close(fd);
		return r == -E2BIG ? EXIT_USAGE : EXIT_FAIL;
	}
	while ((n = read(fd, &status, 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n != 1) {
		tool_error("the card service at %s closed the connection", path);
		return EXIT_FAIL;
	}
	return status;
}
