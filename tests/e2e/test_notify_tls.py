#!/usr/bin/env python3
"""Notices over https: `serve --notify-url https://…` delivers a measure's
notice over TLS to a webhook whose certificate chains to the trusted CA
(SSL_CERT_FILE) and names the host; a webhook with an untrusted
certificate, or with a certificate for another name, gets nothing (the
notice stays pending and is retried).

Certificates are made for the test with the openssl command; the webhooks
are Python's http.server behind ssl.

Run: python3 test_notify_tls.py PATH_TO_livecomply
"""
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lchelp as L  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
C = L.Checker()


def openssl(*args, cwd):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), r.stderr[-400:]))


def make_certs(d):
    """ca.pem (trusted), good.pem (by the CA, for 127.0.0.1), other.pem (by
    the CA, for another name only), rogue.pem (self-signed, untrusted)."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=lc test CA", cwd=d)
    for name, san in (("good", "IP:127.0.0.1,DNS:localhost"), ("other", "DNS:other.example")):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name, cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\n" % san)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext",
                cwd=d)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", cwd=d)


class TlsWebhook:
    """Collects the JSON bodies POSTed to it over TLS with the given cert."""

    def __init__(self, d, name):
        self.bodies, self.handshake_errors = [], 0
        hook = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                hook.bodies.append(json.loads(self.rfile.read(n).decode("utf-8")))
                self.send_response(204)
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, *a):
                pass

        class S(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                hook.handshake_errors += 1

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(d, name + ".pem"), os.path.join(d, name + ".key"))
        self.httpd = S((L.LOOPBACK, 0), H)
        self.httpd.daemon_threads = True
        raw_get = self.httpd.get_request

        def get_request():
            sock, addr = raw_get()
            try:
                return ctx.wrap_socket(sock, server_side=True), addr
            except (ssl.SSLError, OSError):
                hook.handshake_errors += 1
                sock.close()
                raise
        self.httpd.get_request = get_request
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


def violate(srv, tk, room):
    line = json.dumps({"type": "transcript", "room_id": room, "ts": L.rfc3339(),
                       "text": "今晚出售仿真枪和子弹，私聊"}, ensure_ascii=False)
    r = srv.req("POST", "/v1/events", raw_body=(line + "\n").encode("utf-8"), token=tk["ingest"],
                headers={"Content-Type": "application/x-ndjson"})
    return r, ((r[1] or {}).get("measures") or [None])[0]


def scenario(binary, hook, label, want_delivery):
    srv = L.Server(binary, extra_args=[
        "--rules", os.path.join(ROOT, "rules"),
        "--policy", os.path.join(ROOT, "policy", "default.policy"),
        "--notify-url", "https://127.0.0.1:%d/notices" % hook.port])
    try:
        srv.start()
        tk = {role: srv.token(role) for role in ("admin", "ingest")}
        world = L.Seeder(srv, tk["admin"]).allowed_room()
        r, mid = violate(srv, tk, world["room"]["id"])
        C.check("%s: the violating transcript gets a measure" % label, r[0] == 200 and mid,
                L.describe(r))
        deadline = time.monotonic() + (8 if want_delivery else 4)
        while time.monotonic() < deadline and not hook.bodies:
            time.sleep(0.1)
        got = [b for b in hook.bodies if b.get("measure_id") == mid]
        if want_delivery:
            C.check("%s: the notice arrives over TLS, with its measure and legal basis" % label,
                    len(got) == 1 and got[0].get("legal_basis"), repr(hook.bodies)[:300])
        else:
            C.check("%s: nothing is delivered (the TLS handshake fails)" % label,
                    not hook.bodies and hook.handshake_errors >= 1,
                    "bodies=%r errors=%d" % (hook.bodies[:1], hook.handshake_errors))
            ns = L.list_all(srv, "/v1/notices?subject=" + world["host"]["id"], tk["admin"])[0]
            C.check("%s: the notice stays pending, to be retried" % label,
                    any(n.get("measure_id") == mid and n.get("status") == "pending" for n in ns),
                    repr(ns)[:300])
        rc = srv.stop()
        C.check("%s: server stops cleanly" % label, rc == 0, "rc=%r" % rc)
    except Exception as e:  # noqa: BLE001
        C.error(label, e)
        sys.stderr.write(srv.stderr_tail())
    finally:
        srv.cleanup()


def main():
    binary = L.find_binary(sys.argv)
    d = tempfile.mkdtemp(prefix="lc-e2e-tls-")
    try:
        make_certs(d)
    except (RuntimeError, OSError) as e:
        C.error("openssl makes the test certificates", e)
        C.finish()
    os.environ["SSL_CERT_FILE"] = os.path.join(d, "ca.pem")
    os.environ.pop("SSL_CERT_DIR", None)
    for name, label, ok in (("good", "trusted certificate for 127.0.0.1", True),
                            ("rogue", "self-signed certificate", False),
                            ("other", "certificate for another name", False)):
        hook = TlsWebhook(d, name)
        scenario(binary, hook, label, ok)
        hook.stop()
    subprocess.run(["rm", "-rf", d])
    C.finish()


if __name__ == "__main__":
    main()
