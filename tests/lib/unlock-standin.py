#!/usr/bin/python3
"""A TEST STAND-IN for the two self-service unlock endpoints of carecard-ca
serve, which are not built yet: HTTPS on 127.0.0.1, the wire format that
carecard-card unlock speaks (pkcs11/card-tool-unlock.c), and behind it the
real CA library operations through tests/integration/unlock-driver (a real
state directory, HSM and registry). Replace with the service (svc_start)
once POST /holder/unlock/request and /complete exist there.

    unlock-standin.py DRIVER DELIVERY WORKDIR PORTFILE CERT KEY
"""
import base64
import http.server
import os
import ssl
import subprocess
import sys
import tempfile
import urllib.parse

STATUS = {0: 200, 8: 403, 9: 401}


def main():
    driver, delivery, work, portfile, cert, key = sys.argv[1:7]

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, status, body):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            if n > 8192:
                return self.answer(413, "too large\n")
            f = urllib.parse.parse_qs(self.rfile.read(n).decode("ascii", "replace"))
            card = f.get("card", [""])[0]
            d = tempfile.mkdtemp(dir=work)
            if self.path == "/holder/unlock/request":
                p = subprocess.run([driver, "request", card, delivery],
                                   capture_output=True, text=True)
                return self.answer(202 if p.returncode == 0 else STATUS.get(p.returncode, 400),
                                   "sent\n" if p.returncode == 0 else p.stderr)
            if self.path != "/holder/unlock/complete":
                return self.answer(404, "not found\n")
            codefile, spkifile, out = d + "/code", d + "/spki", d + "/resp"
            for name, data in ((codefile, f.get("code", [""])[0].encode() + b"\n"),
                               (spkifile, base64.b64decode(f.get("key", [""])[0]))):
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                os.write(fd, data)
                os.close(fd)
            p = subprocess.run([driver, "respond", card, codefile, spkifile, out, delivery],
                               capture_output=True, text=True)
            if p.returncode != 0:
                return self.answer(STATUS.get(p.returncode, 400), p.stderr)
            with open(out, "rb") as r:
                self.answer(200, base64.b64encode(r.read()).decode() + "\n")

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
