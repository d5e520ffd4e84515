#!/usr/bin/python3
# tests/integration/test-scale-holders.py: EST self-renewal clients for
# test-scale-pg.sh (not a test itself). Python's ssl (OpenSSL) and
# http.client are the TLS and HTTP clients; each holder's keys are files (a
# card's key cannot leave the card, and driving dozens of card modules
# would load the client, not the service; test-card-renew.sh and
# test-est-renew.sh renew real cards). What a holder sends is what
# carecard-card renew sends: a new key pair per certificate, a PKCS#10
# request with the subject and subjectAltName of the certificate renewed
# (two simplereenroll), then the confirmation with the new authentication
# certificate (ca/service/README.md, "EST").
#
#   load URL ROOT HOLDERS-DIR SECONDS WAIT OUT
#       one thread per holder directory (auth.pem/.key, sign.pem/.key, card),
#       renewing again and again through URL for SECONDS, each renewal WAIT
#       seconds after the last (the policy's window opens then); one line
#       per outcome in OUT: "renewed CARD AUTH SIGN TIME" (serials, hex upper
#       case, no leading zeros), "refused CARD STEP STATUS BODY", "error
#       CARD STEP WHAT" (no answer: the outcome is unknown to the client)
#   race URL1,URL2 ROOT HOLDER-DIR ROUNDS OUT
#       the same renewal sent to two instances at once, each step of it: the
#       two simplereenroll (the same requests), then the two confirmations;
#       per round: "race CARD N-CONFIRMED AUTH1 AUTH2 STATUSES" and the
#       holder's files moved on to the certificates the CA kept.
#   watch T0-FILE BASE-URL,... ISSUER-DIR CERT.pem...
#       a relying party asking every instance (BASE-URL: its own port) about
#       each certificate over OCSP (POST), every 50 ms. Started before the
#       cancellation, it gets ready (Python, its imports, the requests) and
#       waits for T0-FILE to hold T0 (Unix time, when cancel-card returned),
#       so its own start-up is not counted; then it asks from T0 until each
#       says revoked or 10 s passed (or T0-FILE says "none": no watch); per certificate and instance "I SERIAL SECONDS" (the first
#       revoked answer) or "I SERIAL never:STATUS", and "I SERIAL good-at:S"
#       for the last "good" it heard after T0.
#   poll URL SECONDS ISSUER-DIR GOOD.pem REVOKED.pem
#       a relying party asking URL (haproxy) about two certificates over OCSP
#       every 50 ms for SECONDS: one valid, one revoked throughout; prints
#       "good|revoked STATUS COUNT" per certificate and what it heard
import base64, http.client, os, ssl, sys, threading, time
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509 import ocsp

EST = "/.well-known/est/"


def serial(cert):
    return format(cert.serial_number, "X")


class Holder:
    def __init__(self, d):
        self.d = d
        self.card = open(os.path.join(d, "card")).read().strip()

    def path(self, n):
        return os.path.join(self.d, n)

    def cert(self, k):
        return x509.load_pem_x509_certificate(open(self.path(k + ".pem"), "rb").read())

    def request(self, k, key):
        """A request for key, with the subject and subjectAltName of the current k."""
        cur = self.cert(k)
        b = x509.CertificateSigningRequestBuilder().subject_name(cur.subject)
        try:
            san = cur.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            b = b.add_extension(san.value, critical=san.critical)
        except x509.ExtensionNotFound:
            pass
        der = b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        return base64.encodebytes(der)

    def context(self, root, cert, key):
        ctx = ssl.create_default_context(cafile=root)
        ctx.load_cert_chain(cert, key)
        return ctx


def write_key(path, key):
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.rename(path + ".tmp", path)


def write_cert(path, cert):
    open(path + ".tmp", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    os.rename(path + ".tmp", path)


def post(url, ctx, path, body, ctype="application/pkcs10"):
    """(status, body) or raises OSError/HTTPException when there is no answer."""
    host, port = url[len("https://"):].split(":")
    c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
    try:
        c.request("POST", EST + path, body=body, headers={"Content-Type": ctype})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def certs_only(body):
    return pkcs7.load_der_pkcs7_certificates(base64.b64decode(body))[0]


class Out:
    def __init__(self, path):
        self.f = open(path, "a")
        self.lock = threading.Lock()

    def line(self, *words):
        with self.lock:
            self.f.write(" ".join(str(w) for w in words) + "\n")
            self.f.flush()


def short(b):
    return b[:120].decode("utf-8", "replace").replace("\n", " ").replace(" ", "_") or "-"


def renew_once(h, url, root, out):
    """One renewal through url; True when confirmed."""
    keys = {k: ec.generate_private_key(ec.SECP256R1()) for k in ("auth", "sign")}
    reqs = {k: h.request(k, keys[k]) for k in keys}
    old = h.context(root, h.path("auth.pem"), h.path("auth.key"))
    new = {}
    for k, p in (("auth", "simplereenroll"), ("sign", "signing/simplereenroll")):
        try:
            st, body = post(url, old, p, reqs[k])
        except (OSError, http.client.HTTPException) as e:
            out.line("error", h.card, p, type(e).__name__)
            return False
        if st != 200:
            out.line("refused", h.card, p, st, short(body))
            return False
        new[k] = certs_only(body)
        out.line("issued", h.card, k, serial(new[k]))
        write_key(h.path("new" + k + ".key"), keys[k])
        write_cert(h.path("new" + k + ".pem"), new[k])
    ctx = h.context(root, h.path("newauth.pem"), h.path("newauth.key"))
    try:
        st, body = post(url, ctx, "confirm", b"", "text/plain")
    except (OSError, http.client.HTTPException) as e:
        out.line("error", h.card, "confirm", type(e).__name__)
        return False
    if st != 200:
        out.line("refused", h.card, "confirm", st, short(body))
        return False
    for k in ("auth", "sign"):
        os.rename(h.path("new" + k + ".key"), h.path(k + ".key"))
        os.rename(h.path("new" + k + ".pem"), h.path(k + ".pem"))
    out.line("renewed", h.card, serial(new["auth"]), serial(new["sign"]), "%.2f" % time.time())
    return True


def load(url, root, hdir, seconds, wait, outp):
    out = Out(outp)
    end = time.monotonic() + seconds
    holders = [Holder(os.path.join(hdir, d)) for d in sorted(os.listdir(hdir))]

    def run(h):
        while time.monotonic() < end:
            ok = renew_once(h, url, root, out)
            # the window opens WAIT s after issuance; a refusal or an error: try again later
            time.sleep(wait if ok else 1.0)
    ts = [threading.Thread(target=run, args=(h,)) for h in holders]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def both(f, args):
    """f(*args[0]) and f(*args[1]) at the same moment; their results."""
    res = [None, None]
    go = threading.Barrier(2)

    def one(i):
        go.wait()
        try:
            res[i] = f(*args[i])
        except (OSError, http.client.HTTPException) as e:
            res[i] = (0, type(e).__name__.encode())
    ts = [threading.Thread(target=one, args=(i,)) for i in (0, 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return res


def race(urls, root, hd, rounds, outp, wait):
    out = Out(outp)
    h = Holder(hd)
    u = urls.split(",")
    for _ in range(rounds):
        time.sleep(wait)
        keys = {k: ec.generate_private_key(ec.SECP256R1()) for k in ("auth", "sign")}
        old = h.context(root, h.path("auth.pem"), h.path("auth.key"))
        got = {}
        for k, p in (("auth", "simplereenroll"), ("sign", "signing/simplereenroll")):
            req = h.request(k, keys[k])
            got[k] = both(post, [(u[0], old, p, req), (u[1], old, p, req)])
            for i, (st, body) in enumerate(got[k]):
                if st == 200:
                    out.line("issued", h.card, k, serial(certs_only(body)))
                else:
                    out.line("race-refused", h.card, i + 1, p, st, short(body))
        write_key(h.path("newauth.key"), keys["auth"])
        write_key(h.path("newsign.key"), keys["sign"])
        auths = [certs_only(b) if st == 200 else None for st, b in got["auth"]]
        for i, c in enumerate(auths):
            if c is not None:
                write_cert(h.path("newauth%d.pem" % i), c)
        ctxs = [h.context(root, h.path("newauth%d.pem" % i), h.path("newauth.key"))
                if c is not None else None for i, c in enumerate(auths)]
        res = both(lambda url, ctx: post(url, ctx, "confirm", b"", "text/plain")
                   if ctx is not None else (0, b"no-certificate"),
                   [(u[0], ctxs[0]), (u[1], ctxs[1])])
        ok = [i for i in (0, 1) if res[i][0] == 200]
        for i in (0, 1):
            if res[i][0] != 200:
                out.line("race-refused", h.card, i + 1, "confirm", res[i][0], short(res[i][1]))
        sts = "/".join("%d,%d,%d" % (got["auth"][i][0], got["sign"][i][0], res[i][0])
                       for i in (0, 1))
        out.line("race", h.card, len(ok), *[serial(c) if c else "-" for c in auths], sts)
        if not ok:
            continue
        # the holder keeps what the CA confirmed: the authentication
        # certificate it confirmed with, and the signing certificate issued
        # last (the second replaced the first in the same renewal)
        write_cert(h.path("auth.pem"), auths[ok[0]])
        os.rename(h.path("newauth.key"), h.path("auth.key"))
        signs = [certs_only(b) for st, b in got["sign"] if st == 200]
        cur = open(os.path.join(hd, "sign.keep"), "w")
        cur.write(" ".join(serial(c) for c in signs))
        cur.close()
        write_cert(h.path("sign.pem"), signs[-1])
        os.rename(h.path("newsign.key"), h.path("sign.key"))
        out.line("renewed", h.card, serial(auths[ok[0]]), "-")


def ocsp_status(base, issuer_name, req):
    host, port = base[len("http://"):].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        c.request("POST", "/ocsp/%s-g2" % issuer_name, body=req,
                  headers={"Content-Type": "application/ocsp-request"})
        r = c.getresponse()
        body = r.read()
    except (OSError, http.client.HTTPException) as e:
        return type(e).__name__
    finally:
        c.close()
    if r.status != 200:
        return "http-%d" % r.status
    resp = ocsp.load_der_ocsp_response(body)
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return resp.response_status.name.lower()
    return resp.certificate_status.name.lower()


def watch(t0file, bases, idir, certs):
    cas = [(n, x509.load_pem_x509_certificate(open(os.path.join(idir, n + ".pem"), "rb").read()))
           for n in ("authentication", "signing")]
    todo = []
    for i, base in enumerate(bases.split(",")):
        for f in certs:
            cert = x509.load_pem_x509_certificate(open(f, "rb").read())
            name, issuer = [(n, c) for n, c in cas if c.subject == cert.issuer][0]
            req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
            todo.append([i + 1, serial(cert), base, name, req.public_bytes(serialization.Encoding.DER), None, None])
    t0 = None
    while t0 is None:
        try:
            text = open(t0file).read().strip()
        except FileNotFoundError:
            text = ""
        if text == "none":
            return
        if text:
            t0 = float(text)
        else:
            time.sleep(0.01)
    while todo:
        left = []
        for t in todo:
            st = ocsp_status(t[2], t[3], t[4])
            dt = time.time() - t0
            if st == "good":
                t[6] = dt
            if st == "revoked":
                print(t[0], t[1], "%.2f" % dt)
                if t[6] is not None:
                    print(t[0], t[1], "good-at:%.2f" % t[6])
                continue
            if dt > 10:
                print(t[0], t[1], "never:" + st)
                continue
            t[5] = st
            left.append(t)
        todo = left
        time.sleep(0.05)
    sys.stdout.flush()


def poll(url, seconds, idir, good, revoked):
    cas = [(n, x509.load_pem_x509_certificate(open(os.path.join(idir, n + ".pem"), "rb").read()))
           for n in ("authentication", "signing")]
    asks = []
    for what, f in (("good", good), ("revoked", revoked)):
        cert = x509.load_pem_x509_certificate(open(f, "rb").read())
        name, issuer = [(n, c) for n, c in cas if c.subject == cert.issuer][0]
        req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
        asks.append((what, name, req.public_bytes(serialization.Encoding.DER)))
    seen = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for what, name, req in asks:
            st = ocsp_status(url, name, req)
            seen[(what, st)] = seen.get((what, st), 0) + 1
        time.sleep(0.05)
    for (what, st), n in sorted(seen.items()):
        print(what, st, n)


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), float(sys.argv[6]),
             sys.argv[7])
    elif sys.argv[1] == "poll":
        poll(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    elif sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif sys.argv[1] == "race":
        race(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6],
             float(sys.argv[7]))
    else:
        sys.exit("usage: see the comment at the top")
