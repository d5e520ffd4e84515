/*
 * card-service.c: both ends of the card service's wire format (contract in
 * card-service.h), so the client and the service can never disagree.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-service.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int
cc_service_send(int fd, int argc, char *const *argv)
{
	char buf[CC_SERVICE_MAX], ctl[CMSG_SPACE(3 * sizeof(int))];
	struct msghdr m = { 0 };
	struct iovec iov;
	struct cmsghdr *c;
	int fds[3] = { 0, 1, 2 }, i;
	size_t len = 0, n;

	if (argc < 1 || argc > CC_SERVICE_ARGS_MAX)
		return -E2BIG;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]) + 1;
		if (len + n > sizeof(buf))
			return -E2BIG;
		memcpy(buf + len, argv[i], n);
		len += n;
	}
	iov = (struct iovec){ buf, len };
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	memset(ctl, 0, sizeof(ctl));
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	while (sendmsg(fd, &m, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* The fds attached to @m, if exactly three; else close whatever came and fail. */
static int
take_fds(struct msghdr *m, int fds[3])
{
	struct cmsghdr *c;
	int got = 0, i, n;
	int *p;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		p = (int *)(void *)CMSG_DATA(c);
		for (i = 0; i < n; i++) {
			if (got < 3)
				fds[got] = p[i];
			else
				close(p[i]);
			got++;
		}
	}
	if (got == 3 && !(m->msg_flags & MSG_CTRUNC))
		return 0;
	for (i = 0; i < got && i < 3; i++)
		close(fds[i]);
	return -EPROTO;
}

int
cc_service_recv(int fd, char *buf, int *argc, char **argv, int fds[3])
{
	char ctl[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { buf, CC_SERVICE_MAX };
	struct msghdr m = { 0 };
	ssize_t len;
	size_t at = 0;
	int n = 0, r;

	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	while ((len = recvmsg(fd, &m, MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			return -errno;
	if ((r = take_fds(&m, fds)) < 0)
		return r;
	/* NUL-terminated strings filling the message exactly; not truncated. */
	if (len == 0 || (m.msg_flags & MSG_TRUNC) || buf[len - 1] != '\0')
		goto bad;
	while (at < (size_t)len) {
		if (n == CC_SERVICE_ARGS_MAX)
			goto bad;
		argv[n++] = buf + at;
		at += strlen(buf + at) + 1;
	}
	argv[n] = NULL;
	*argc = n;
	return 0;
bad:
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	return -EPROTO;
}

int
cc_service_peer_uid(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	*uid = cred.uid;
	return 0;
}
