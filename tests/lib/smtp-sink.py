#!/usr/bin/python3
"""A local SMTP sink for the tests (never a real network): aiosmtpd on
127.0.0.1, STARTTLS offered and required (--tls CERT KEY) or not offered at
all (no --tls: to show the mailer refuses such a relay). Each message is
appended to MAILBOX with the envelope recipients; PORTFILE gets the port
once the sink listens. Runs until killed.

    smtp-sink.py MAILBOX PORTFILE [--tls CERT KEY]
"""
import os
import signal
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, mailbox, tls):
        self.mailbox = mailbox
        self.tls = tls

    async def handle_DATA(self, server, session, envelope):
        fd = os.open(self.mailbox, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8", errors="replace") as f:
            f.write("X-Sink-TLS: %s\n" % ("yes" if session.ssl else "no"))
            f.write("X-Sink-Rcpt: %s\n" % ",".join(envelope.rcpt_tos))
            f.write(envelope.content.decode("utf-8", "replace").replace("\r\n", "\n"))
            f.write("\n.\n")
        return "250 OK"


class TLSController(Controller):
    def __init__(self, handler, ctx, **kw):
        self.ctx = ctx
        super().__init__(handler, **kw)

    def factory(self):
        if self.ctx is None:
            return SMTP(self.handler, hostname="localhost")
        return SMTP(self.handler, hostname="localhost", tls_context=self.ctx,
                    require_starttls=True)


def main():
    mailbox, portfile = sys.argv[1], sys.argv[2]
    ctx = None
    if len(sys.argv) == 6 and sys.argv[3] == "--tls":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = TLSController(Sink(mailbox, ctx is not None), ctx, hostname="127.0.0.1", port=port)
    c.start()
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    signal.signal(signal.SIGTERM, lambda *a: (c.stop(), sys.exit(0)))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
