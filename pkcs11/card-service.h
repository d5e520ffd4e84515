/*
 * The card service of the isolated mode (pkcs11/README.md "Modes"): how a
 * holder's `carecard-card --service COMMAND ...` reaches carecard-serve,
 * which runs the command as the card account on the holder's own readers.
 *
 * Wire format, on a Unix stream socket, one request per connection:
 *   client -> service: one message, the arguments as NUL-terminated strings
 *                      (at most CC_SERVICE_ARGS_MAX of them, CC_SERVICE_MAX
 *                      bytes), with the client's stdin, stdout and stderr
 *                      attached (SCM_RIGHTS), so the command's output goes
 *                      straight to the holder's terminal;
 *   service -> client: one byte, the command's exit status.
 * The service learns who is asking from the kernel (SO_PEERCRED), never
 * from the request.
 */
#ifndef CC_CARD_SERVICE_H
#define CC_CARD_SERVICE_H

#include <sys/types.h>

#define CC_SERVICE_MAX		4096
#define CC_SERVICE_ARGS_MAX	16

#ifndef CC_RUNDIR
#define CC_RUNDIR "/run/carecard"
#endif
#define CC_SERVICE_SOCKET	CC_RUNDIR "/card.sock"	/* carecard-card --service */
#define CC_PKCS11_SOCKET	CC_RUNDIR "/pkcs11.sock"	/* p11-kit-client.so */

/*
 * Client: send @argc arguments and our fds 0, 1, 2 over @fd. 0 or -errno
 * (-E2BIG: too many or too long).
 */
int cc_service_send(int fd, int argc, char *const *argv);

/*
 * Service: receive one request from @fd into @buf (CC_SERVICE_MAX bytes):
 * *argc pointers into @buf in @argv (room for CC_SERVICE_ARGS_MAX + 1, NULL
 * terminated) and the three client fds in @fds. 0 or -errno (-EPROTO for a
 * malformed request; no fds are left open then).
 */
int cc_service_recv(int fd, char *buf, int *argc, char **argv, int fds[3]);

/* The uid of the process at the other end of the Unix socket @fd. 0 or -errno. */
int cc_service_peer_uid(int fd, uid_t *uid);

#endif
