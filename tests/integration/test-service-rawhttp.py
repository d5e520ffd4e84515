#!/usr/bin/env python3
"""Raw HTTP exchanges for test-service-badinput.sh: things no well-behaved
client sends. Usage: test-service-rawhttp.py PORT CASE... | loop PORT N

For each CASE prints one line:
  CASE STATUS... closed=yes|no seconds=S ocsp=N|- health=ok|bad|down
STATUS is every HTTP status line received in order ("-" if none), closed
says whether the server closed the connection, ocsp is the OCSPResponseStatus
of an OCSP response body (0 successful, 1 malformedRequest, 6 unauthorized),
health whether GET /healthz on a new connection still gets 200 right after.
"""
import socket
import sys
import time

HOST = "127.0.0.1"
OCSP = "/ocsp/authentication-g2"
CRL = "/crl/authentication-g2.crl"


def req(method, path, headers=(), body=b"", version="HTTP/1.1"):
    lines = ["%s %s %s" % (method, path, version), "Host: 127.0.0.1"]
    lines += list(headers)
    if body or method == "POST":
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def ocsp_post(body, length=None):
    h = "Content-Length: %d" % (len(body) if length is None else length)
    return ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\n"
            "%s\r\n\r\n" % (OCSP, h)).encode() + body


# name -> (bytes to send, seconds between single bytes or None, shut down writing)
CASES = {
    "truncated-body": (ocsp_post(b"\x30\x0a\x30\x08", length=100), None, True),
    "oversized-headers": (req("GET", "/healthz", ["X-Pad: " + "a" * 20000]), None, False),
    "many-headers": (req("GET", "/healthz", ["X-H%d: v" % i for i in range(2000)]), None, False),
    "oversized-body": (ocsp_post(b"\x30" * 20000), None, False),
    "oversized-body-declared": (ocsp_post(b"", length=10 ** 9), None, False),
    "huge-url": (req("GET", "/" + "x" * 12000), None, False),
    "non-der-body": (ocsp_post(b"this is not DER at all" * 5), None, False),
    "empty-body": (ocsp_post(b""), None, False),
    "der-not-ocsp": (ocsp_post(b"\x30\x03\x02\x01\x05"), None, False),
    "der-trailing-bytes": (ocsp_post(b"\x30\x00\x00"), None, False),
    "deep-nesting": (ocsp_post(b"\x30\x80" * 4000), None, False),
    "bad-base64-get": (req("GET", OCSP + "/%%%%not!base64"), None, False),
    "base64-not-der-get": (req("GET", OCSP + "/AAAAAAAA"), None, False),
    "put-ocsp": (req("PUT", OCSP, body=b"x"), None, False),
    "delete-crl": (req("DELETE", CRL), None, False),
    "post-crl": (req("POST", CRL, body=b"x"), None, False),
    "get-ocsp-bare": (req("GET", OCSP), None, False),
    "trace-healthz": (req("TRACE", "/healthz"), None, False),
    "options-healthz": (req("OPTIONS", "/healthz"), None, False),
    "unknown-method": (b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", None, False),
    "garbage-line": (b"\x00\x01\x02GARBAGE\xff\r\n\r\n", None, False),
    "no-version": (b"GET /healthz\r\n\r\n", None, False),
    "unknown-path": (req("GET", "/etc/passwd"), None, False),
    "dot-dot-path": (req("GET", "/crl/../../registry.db"), None, False),
    "http10-no-host": (b"GET /healthz HTTP/1.0\r\n\r\n", None, False),
    "pipelined-valid": (req("GET", "/healthz") * 3, None, False),
    "pipelined-garbage": (req("GET", "/healthz") + b"NONSENSE\x00\x01\r\n\r\n" +
                          req("GET", "/healthz"), None, False),
    "slowloris": (req("GET", "/healthz", ["X-Slow: " + "s" * 200]), 0.5, False),
    "idle": (b"", None, False),
}


def status_lines(data):
    out, rest = [], data
    while True:
        i = rest.find(b"HTTP/1.")
        if i < 0:
            break
        line = rest[i:].split(b"\r\n", 1)[0].split(b" ")
        out.append(line[1].decode("latin-1") if len(line) > 1 else "?")
        rest = rest[i + 8:]
    return out


def ocsp_status(data):
    # a successful response starts 30 82 .. .. 0a 01 00; an error is 30 03 0a 01 NN
    i = data.find(b"\r\n\r\n")
    body = data[i + 4:] if i >= 0 else b""
    j = body.find(b"\x0a\x01")
    return str(body[j + 2]) if 0 <= j <= 4 and len(body) > j + 2 else "-"


def health(port):
    """Does the service still answer GET /healthz (on a new connection)?"""
    try:
        s = socket.create_connection((HOST, port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        s.close()
        ok = got[:13] in (b"HTTP/1.1 200 ", b"HTTP/1.0 200 ") and b"status: ok" in got
        return "ok" if ok else "bad"
    except OSError:
        return "down"


def run(port, name, timeout=15.0):
    data, send_gap, shut = CASES[name]
    s = socket.create_connection((HOST, port), timeout=timeout)
    t0 = time.time()
    got, closed = b"", False
    try:
        if send_gap is None:
            s.sendall(data)
        else:
            # one byte per gap: a slow-header attack; stop when the server hangs up
            for k in range(len(data)):
                s.sendall(data[k:k + 1])
                time.sleep(send_gap)
                if time.time() - t0 > timeout:
                    break
        if shut:
            s.shutdown(socket.SHUT_WR)
        s.settimeout(3.0 if name != "idle" else timeout)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            got += chunk
            if (name.startswith("pipelined") and len(status_lines(got)) >= 3) or \
               (not name.startswith("pipelined") and b"\r\n\r\n" in got and
                len(got) >= got.find(b"\r\n\r\n") + 4 + content_length(got)):
                s.settimeout(0.3)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    except socket.timeout:
        pass
    finally:
        s.close()
    st = status_lines(got) or ["-"]
    print("%s %s closed=%s seconds=%.1f ocsp=%s health=%s" %
          (name, " ".join(st), "yes" if closed else "no", time.time() - t0, ocsp_status(got),
           health(port)), flush=True)


def content_length(data):
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            try:
                return int(line.split(b":", 1)[1])
            except ValueError:
                return 0
    return 0


def loop(port, n):
    """n bad requests, each on its own connection, as fast as they go."""
    names = [k for k in CASES if k not in ("slowloris", "idle", "truncated-body")]
    for i in range(n):
        data = CASES[names[i % len(names)]][0]
        s = None
        try:
            s = socket.create_connection((HOST, port), timeout=5)
            s.sendall(data)
            s.settimeout(2)
            s.recv(65536)       # the answer (or the close); then hang up
        except OSError:
            pass
        finally:
            if s is not None:
                s.close()


if __name__ == "__main__":
    if sys.argv[1] == "loop":
        loop(int(sys.argv[2]), int(sys.argv[3]))
    else:
        for c in sys.argv[2:]:
            run(int(sys.argv[1]), c)
