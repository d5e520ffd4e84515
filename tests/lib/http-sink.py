#!/usr/bin/python3
"""A local HTTPS sink standing in for an SMS gateway (never a real
network): every POST body is appended to BOXFILE as one line, URL-decoded
fields "to" and "text" on their own lines; answers STATUS (default 200).
PORTFILE gets the port once it listens. Runs until killed.

    http-sink.py BOXFILE PORTFILE CERT KEY [STATUS]
"""
import http.server
import os
import socket
import ssl
import sys
import urllib.parse


def main():
    box, portfile, cert, key = sys.argv[1:5]
    status = int(sys.argv[5]) if len(sys.argv) > 5 else 200

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            if n > 4096:
                self.send_response(413)
                self.end_headers()
                return
            fields = urllib.parse.parse_qs(self.rfile.read(n).decode("utf-8", "replace"))
            fd = os.open(box, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write("to: %s\ntext: %s\n" % (fields.get("to", [""])[0],
                                                fields.get("text", [""])[0]))
            self.send_response(status)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

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
