"""lchelp.py -- shared helpers for livecomply's black-box end-to-end tests.

The e2e tests run the built binary as a separate process and talk to it only
through its public surfaces: the HTTP API, the nginx-rtmp hooks, the CLI and
the files it writes under its data directory.  This module holds what every
test needs:

  * Server          start/stop `livecomply serve` on a free loopback port with
                    a throw-away data dir; create tokens through the CLI
  * http()          a tiny raw-socket HTTP/1.1 client returning
                    (status, json-or-None, headers, raw-body); raw sockets so
                    that tests can send invalid UTF-8, oversized bodies, etc.
  * make_id_number / make_credit_code   valid (or deliberately broken) test
                    identities of any age
  * Seeder          creates agencies, verified operators, verified + trained
                    adult hosts and rooms through the API
  * Checker         prints one line per check and the closing
                    "N passed, M failed" line that ctest output shows
  * Nginx           a private nginx (+ rtmp module) under a temp dir;
                    rtmp_conf, the rtmp{}/http{} conf the nginx tests share
  * rtmp_test_binary, report_exception, stop_leftovers, end_server
                    the frame of an nginx test's main()
  * ffmpeg_publish_start/_wait, sha256_file, evidence_leaves   publishers of
                    test video, and what the archive holds for a recording

Only the Python 3 standard library is used.  Every process started here is
stopped by PID.
"""

import base64
import datetime as _dt
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

LOOPBACK = "127.0.0.1"

# --------------------------------------------------------------------------
# results


class Checker:
    """Counts checks; prints `PASS name` / `FAIL name: detail` lines."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            self.failures.append(name)
            msg = "FAIL %s" % name
            if detail:
                msg += ": " + _short(detail)
            print(msg, flush=True)
        return bool(cond)

    def error(self, name, exc):
        """Records an unexpected exception inside a test group as a failure."""
        self.failed += 1
        self.failures.append(name)
        print("FAIL %s: exception %s: %s" % (name, type(exc).__name__, exc), flush=True)
        traceback.print_exc(file=sys.stdout)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


def _short(x, n=600):
    s = x if isinstance(x, str) else repr(x)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def describe(resp):
    """One-line description of an http() result for failure messages."""
    st, js, _, raw = resp
    body = json.dumps(js, ensure_ascii=False) if js is not None else raw[:300]
    return "status=%s body=%s" % (st, _short(body if isinstance(body, str) else repr(body), 400))


# --------------------------------------------------------------------------
# ports, processes


def free_port():
    """A port that was free a moment ago on 127.0.0.1 (bind to 0, read, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def poll_items(fetch, pred, timeout, interval):
    """Calls fetch() (a list) every interval seconds until an item satisfies
    pred or timeout passes; returns (the first such item or None, the last
    list fetched)."""
    deadline, last = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        last = fetch()
        hit = [x for x in last if pred(x)]
        if hit:
            return hit[0], last
        time.sleep(interval)
    return None, last


def wait_tcp(port, timeout=10.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop_process(proc, sig=signal.SIGTERM, timeout=10.0):
    """Signals one process we started (by PID) and waits; SIGKILL if it hangs.
    Returns its exit code (negative = killed by signal), or None."""
    if proc is None:
        return None
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)
        return None


# --------------------------------------------------------------------------
# HTTP client (raw sockets, HTTP/1.1, Connection: close)


def http(port, method, path, body=None, token=None, headers=None, timeout=10.0,
         raw_body=None, host=LOOPBACK):
    """Sends one request and returns (status, json_or_None, headers, raw_body).

    body     -> JSON-encoded (UTF-8) with Content-Type application/json
    raw_body -> bytes sent as-is (caller sets Content-Type in headers)
    token    -> Authorization: Bearer <token>
    status is 0 if no HTTP response could be read at all."""
    hdrs = {"Host": "%s:%d" % (host, port), "Connection": "close", "Accept": "application/json"}
    data = b""
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    if raw_body is not None:
        data = raw_body
        hdrs.setdefault("Content-Type", "application/json")
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    if headers:
        hdrs.update(headers)
    if data or method in ("POST", "PUT", "PATCH"):
        hdrs["Content-Length"] = str(len(data))
    req = "%s %s HTTP/1.1\r\n" % (method, path)
    req += "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
    wire = req.encode("utf-8") + data

    buf = b""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            try:
                s.sendall(wire)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer (e.g. 413) before reading it all
            while not _complete(buf):
                try:
                    b = s.recv(65536)
                except ConnectionResetError:
                    break
                if not b:
                    break
                buf += b
    except (ConnectionRefusedError, socket.timeout, OSError) as e:
        if not buf:
            return (0, None, {}, ("connection error: %s" % e).encode())
    return _parse_response(buf)


def _complete(buf):
    """True once buf holds a whole response (by Content-Length or chunked end)."""
    head, sep, rest = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    h = head.decode("iso-8859-1").lower()
    m = re.search(r"\r\ncontent-length:\s*(\d+)", h)
    if m:
        return len(rest) >= int(m.group(1))
    if re.search(r"\r\ntransfer-encoding:[^\r]*chunked", h):
        return rest.endswith(b"0\r\n\r\n")
    if h.startswith("http/1.1 204") or h.startswith("http/1.1 304"):
        return True
    return False


def _parse_response(buf):
    head, sep, rest = buf.partition(b"\r\n\r\n")
    if not sep:
        return (0, None, {}, buf)
    lines = head.decode("iso-8859-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return (0, None, {}, buf)
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if "chunked" in hdrs.get("transfer-encoding", "").lower():
        rest = _dechunk(rest)
    elif "content-length" in hdrs:
        try:
            rest = rest[: int(hdrs["content-length"])]
        except ValueError:
            pass
    js = None
    if rest:
        try:
            js = json.loads(rest.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            js = None
    return (status, js, hdrs, rest)


def _dechunk(b):
    out = bytearray()
    while b:
        line, _, b = b.partition(b"\r\n")
        try:
            n = int(line.split(b";")[0], 16)
        except ValueError:
            break
        if n == 0:
            break
        out += b[:n]
        b = b[n + 2:]
    return bytes(out)


def err_code(resp):
    js = resp[1]
    if isinstance(js, dict) and isinstance(js.get("error"), dict):
        return js["error"].get("code")
    return None


def err_field(resp):
    js = resp[1]
    if isinstance(js, dict) and isinstance(js.get("error"), dict):
        return js["error"].get("field")
    return None


def form_encode(pairs):
    """application/x-www-form-urlencoded like nginx-rtmp (ordered pairs)."""
    return "&".join("%s=%s" % (k, urllib.parse.quote(str(v), safe=":/(),")) for k, v in pairs)


# --------------------------------------------------------------------------
# identities

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_rng = random.Random()


def id_check_char(first17):
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def make_id_number(birth, region="110105", seq=None):
    """A valid 18-character resident ID number for the given birth date."""
    if seq is None:
        seq = _rng.randrange(0, 1000)
    body = "%s%04d%02d%02d%03d" % (region, birth.year, birth.month, birth.day, seq)
    return body + id_check_char(body)


def break_id_check(idn):
    """Same ID with a wrong check character."""
    good = idn[-1]
    bad = "0" if good != "0" else "1"
    return idn[:-1] + bad


def cc_check_char(first17):
    s = sum(CC_ALPHABET.index(c) * w for c, w in zip(first17, CC_WEIGHTS))
    return CC_ALPHABET[(31 - s % 31) % 31]


def make_credit_code():
    """A valid 18-character unified social credit code (USCC)."""
    # registration authority 9 (industry & commerce), type 1 (enterprise),
    # 6-digit region, 9-char organisation code, check.
    org = "".join(_rng.choice(CC_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    body = "91" + "110105" + org
    return body + cc_check_char(body)


def break_cc_check(cc):
    good = cc[-1]
    bad = "0" if good != "0" else "1"
    return cc[:-1] + bad


def today_utc():
    return _dt.datetime.now(_dt.timezone.utc).date()


def years_ago(years, plus_days=0):
    """The date `years` years before today (UTC), shifted by plus_days."""
    t = today_utc()
    try:
        d = t.replace(year=t.year - years)
    except ValueError:  # 29 Feb
        d = t.replace(year=t.year - years, day=28)
    return d + _dt.timedelta(days=plus_days)


def adult_birth():
    return _dt.date(_rng.randrange(1970, 2000), _rng.randrange(1, 13), _rng.randrange(1, 29))


def rfc3339(delta_days=0.0, delta_seconds=0.0):
    t = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(days=delta_days, seconds=delta_seconds)
    return t.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def make_name(n_given=1):
    return _rng.choice(_SURNAMES) + "".join(_rng.choice(_GIVEN) for _ in range(n_given))


def make_phone():
    return "1" + _rng.choice("3456789") + "%09d" % _rng.randrange(0, 10 ** 9)


def mask_id(idn):
    return idn[:4] + "*" * 10 + idn[-4:]


def mask_phone(p):
    return p[:3] + "****" + p[-4:]


def mask_name(n):
    return n[0] + "*" * (len(n) - 1)


# --------------------------------------------------------------------------
# the server


def find_binary(argv):
    if len(argv) > 1:
        return os.path.abspath(argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(os.path.join(here, "..", "..", "build", "debug", "livecomply"))


class Server:
    """`livecomply serve` on a free loopback port with a fresh data dir."""

    def __init__(self, binary, workdir=None, extra_args=()):
        self.binary = binary
        self.own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="lc-e2e-")
        self.data = os.path.join(self.workdir, "data")
        os.makedirs(self.data, exist_ok=True)
        self.port = None
        self.proc = None
        self.extra_args = list(extra_args)
        self.stderr_path = os.path.join(self.workdir, "serve.stderr")
        self.tokens = []  # every token created, to check they never leak into logs

    def start(self, timeout=15.0):
        for _attempt in range(3):
            self.port = free_port()
            errf = open(self.stderr_path, "ab")
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--listen", "%s:%d" % (LOOPBACK, self.port),
                 "--data", self.data] + self.extra_args,
                stdin=subprocess.DEVNULL, stdout=errf, stderr=errf)
            errf.close()
            if self._wait_ready(timeout):
                return self
            stop_process(self.proc, timeout=3)
            self.proc = None
        raise RuntimeError("livecomply serve did not become ready; stderr:\n" + self.stderr_tail())

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            st = http(self.port, "GET", "/healthz", timeout=2)[0]
            if st == 200:
                return True
            time.sleep(0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None and \
            http(self.port, "GET", "/healthz", timeout=5)[0] == 200

    def stderr_tail(self, n=3000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def token(self, role, agency=None):
        cmd = [self.binary, "token", "create", "--data", self.data, "--role", role]
        if agency is not None:
            cmd += ["--agency", agency]
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("token create %s failed rc=%d: %s" % (
                role, r.returncode, r.stderr.decode("utf-8", "replace")))
        tok = r.stdout.decode().strip()
        if not tok or "\n" in tok or " " in tok:
            raise RuntimeError("token create printed %r, expected a single token" % tok)
        self.tokens.append(tok)
        return tok

    def req(self, method, path, body=None, token=None, **kw):
        return http(self.port, method, path, body=body, token=token, **kw)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        rc = stop_process(self.proc, sig=sig, timeout=timeout)
        return rc

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            stop_process(self.proc, timeout=5)
        if self.own_workdir and os.environ.get("LC_E2E_KEEP") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_files(self):
        d = os.path.join(self.data, "log")
        if not os.path.isdir(d):
            return []
        return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".jsonl"))


# --------------------------------------------------------------------------
# seeding through the API


class SeedError(RuntimeError):
    pass


class Seeder:
    """Creates registry objects with an admin token; raises SeedError with the
    request and response on any unexpected status."""

    HOST_VERIFY_METHOD = os.environ.get("LC_E2E_HOST_METHOD", "face")
    OPERATOR_VERIFY_METHOD = os.environ.get("LC_E2E_OPERATOR_METHOD", "document")

    def __init__(self, server, admin_token):
        self.s = server
        self.tok = admin_token

    def _post(self, path, body, want=201, token=None):
        r = self.s.req("POST", path, body, token or self.tok)
        if r[0] != want:
            raise SeedError("POST %s %s -> %s" % (path, json.dumps(body, ensure_ascii=False), describe(r)))
        return r[1]

    def agency(self, name=None, credit_code=None):
        return self._post("/v1/agencies", {
            "name": name or "测试机构" + str(_rng.randrange(10 ** 6)),
            "credit_code": credit_code or make_credit_code()})

    def operator(self, verified_days_ago=1.0, result="pass", credit_code=None):
        """An operator (company); verified `verified_days_ago` days ago unless None."""
        op = self._post("/v1/operators", {
            "name": "直播间运营" + str(_rng.randrange(10 ** 6)),
            "credit_code": credit_code or make_credit_code()})
        if verified_days_ago is not None:
            self.operator_verification(op["id"], verified_days_ago, result)
        return op

    def operator_verification(self, op_id, days_ago=1.0, result="pass"):
        return self._post("/v1/operators/%s/verifications" % op_id, {
            "method": self.OPERATOR_VERIFY_METHOD, "result": result,
            "checked_at": rfc3339(-days_ago)})

    def host(self, agency_id, birth=None, verified=True, trained_days_ago=1.0,
             guardian_consent=False, id_number=None, name=None, phone=None, token=None):
        """A host; by default an adult, verified, trained yesterday."""
        body = {"name": name or make_name(),
                "id_number": id_number or make_id_number(birth or adult_birth()),
                "phone": phone or make_phone(),
                "agency_id": agency_id,
                "guardian_consent": guardian_consent}
        h = self._post("/v1/hosts", body, token=token)
        h["_clear"] = body
        if verified:
            self.host_verification(h["id"])
        if trained_days_ago is not None:
            self.training(h["id"], trained_days_ago)
        return h

    def host_verification(self, host_id, days_ago=0.01, result="pass"):
        return self._post("/v1/hosts/%s/verifications" % host_id, {
            "method": self.HOST_VERIFY_METHOD, "result": result,
            "checked_at": rfc3339(-days_ago)})

    def training(self, host_id, days_ago=1.0):
        return self._post("/v1/trainings", {"host_id": host_id, "completed_at": rfc3339(-days_ago)})

    def room(self, operator_id, host_id, name=None, token=None):
        r = self._post("/v1/rooms", {"name": name or "直播间" + str(_rng.randrange(10 ** 6)),
                                     "operator_id": operator_id, "host_id": host_id}, token=token)
        if not r.get("stream_key"):
            raise SeedError("POST /v1/rooms returned no stream_key: %r" % r)
        return r

    def blacklist(self, id_number=None, credit_code=None, days=365):
        body = {"reason": "e2e test", "legal_basis": "M26 Art 14", "expires_at": rfc3339(days)}
        if id_number:
            body["id_number"] = id_number
        if credit_code:
            body["credit_code"] = credit_code
        return self._post("/v1/blacklist", body)

    def allowed_room(self):
        """agency + verified operator + verified, trained adult host + room."""
        ag = self.agency()
        op = self.operator()
        h = self.host(ag["id"])
        rm = self.room(op["id"], h["id"])
        return {"agency": ag, "operator": op, "host": h, "room": rm}


def list_all(server, path, token, limit=100, max_pages=200):
    """Follows next_cursor; returns (items, error_response_or_None)."""
    items = []
    cursor = None
    sep = "&" if "?" in path else "?"
    for _ in range(max_pages):
        p = path + sep + "limit=%d" % limit
        if cursor:
            p += "&cursor=" + urllib.parse.quote(cursor, safe="")
        r = server.req("GET", p, token=token)
        if r[0] != 200 or not isinstance(r[1], dict):
            return items, r
        items.extend(r[1].get("items") or [])
        cursor = r[1].get("next_cursor")
        if not cursor:
            return items, None
    return items, None


# --------------------------------------------------------------------------
# nginx with the rtmp module

RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


class Nginx:
    """A private nginx master under workdir: `nginx -p W -c conf -g 'daemon off;'`.
    conf_body is everything after the common header (events{}, rtmp{}, http{}):
    it may use {W} for the work dir and {user} is prepended when root."""

    def __init__(self, workdir, conf_body, rtmp=True, worker_processes=1):
        self.w = workdir
        for d in ("logs", "tmp", "html", "rec"):
            os.makedirs(os.path.join(self.w, d), exist_ok=True)
        head = []
        if rtmp:
            head.append("load_module %s;" % RTMP_MODULE)
        if os.geteuid() == 0:
            head.append("user www-data;")
            try:
                shutil.chown(os.path.join(self.w, "rec"), user="www-data")
            except (LookupError, OSError):
                pass
        head += ["worker_processes %d;" % worker_processes,
                 "pid {W}/nginx.pid;",
                 "lock_file {W}/nginx.lock;",
                 "error_log {W}/logs/error.log info;",
                 "events { worker_connections 4096; }"]
        text = "\n".join(head) + "\n" + conf_body
        self.conf = os.path.join(self.w, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(text.replace("{W}", self.w))
        self.proc = None

    @staticmethod
    def http_common():
        """http{} lines that keep every nginx file inside the work dir."""
        return ("access_log {W}/logs/access.log;\n"
                "    client_body_temp_path {W}/tmp/body;\n"
                "    proxy_temp_path {W}/tmp/proxy;\n"
                "    fastcgi_temp_path {W}/tmp/fastcgi;\n"
                "    uwsgi_temp_path {W}/tmp/uwsgi;\n"
                "    scgi_temp_path {W}/tmp/scgi;\n")

    def test_config(self):
        r = subprocess.run(["nginx", "-t", "-p", self.w + "/", "-e", self.w + "/logs/error.log",
                            "-c", self.conf], capture_output=True, timeout=30)
        return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")

    def start(self, wait_ports=(), timeout=10.0):
        errf = open(os.path.join(self.w, "logs", "nginx.stderr"), "ab")
        self.proc = subprocess.Popen(
            ["nginx", "-p", self.w + "/", "-e", self.w + "/logs/error.log", "-c", self.conf,
             "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=errf, stderr=errf)
        errf.close()
        for p in wait_ports:
            if not wait_tcp(p, timeout, self.proc):
                raise RuntimeError("nginx did not listen on %d:\n%s" % (p, self.error_log_tail()))
        return self

    def error_log_tail(self, n=3000):
        out = ""
        for fn in ("logs/error.log", "logs/nginx.stderr"):
            try:
                with open(os.path.join(self.w, fn), "rb") as f:
                    out += f.read()[-n:].decode("utf-8", "replace")
            except OSError:
                pass
        return out

    def stop(self):
        # QUIT = graceful; the master stops its workers.  TERM after a grace.
        rc = stop_process(self.proc, sig=signal.SIGQUIT, timeout=5)
        if self.proc is not None and self.proc.poll() is None:
            rc = stop_process(self.proc, sig=signal.SIGTERM, timeout=5)
        return rc

    def test_and_start(self, checker, label, wait_ports):
        """Runs `nginx -t` and starts nginx.  With a checker the -t result is
        one check named label and nginx is started either way (start then
        says why it failed); without one a failed -t raises."""
        rc, out = self.test_config()
        if checker is not None:
            checker.check(label, rc == 0, out)
        elif rc != 0:
            raise RuntimeError("nginx -t: " + out)
        return self.start(wait_ports=wait_ports)


def rtmp_conf(rtmp_port, lc_port, hook_token, app_extra=(), ctl_port=None, stat=True,
              netcall_timeout="3s"):
    """The conf body for Nginx that the nginx tests and bench share: rtmp{}
    on rtmp_port with `application live` whose on_publish and
    on_publish_done go to livecomply's /hooks/rtmp on lc_port, plus the
    app_extra lines (record settings, more hooks); with ctl_port, an http{}
    server there with /control (rtmp_control) and, if stat, /stat."""
    hook = "http://127.0.0.1:%d/hooks/rtmp" % lc_port
    server = ["listen 127.0.0.1:%d;" % rtmp_port, "chunk_size 4096;", "notify_method post;"]
    if netcall_timeout:
        server.append("netcall_timeout %s;" % netcall_timeout)
    app = ["live on;",
           'on_publish      "%s/publish?token=%s";' % (hook, hook_token),
           'on_publish_done "%s/publish_done?token=%s";' % (hook, hook_token)] + list(app_extra)
    text = ("\nrtmp {\n"
            "    # Without this, rtmp{} logs to /var/log/nginx/access.log whatever -p says.\n"
            "    access_log {W}/logs/rtmp_access.log;\n"
            "    server {\n"
            + "".join("        %s\n" % ln for ln in server)
            + "        application live {\n"
            + "".join("            %s\n" % ln for ln in app)
            + "        }\n    }\n}\n")
    if ctl_port is not None:
        text += ("http {\n    %s    server {\n        listen 127.0.0.1:%d;\n"
                 "        location /control { rtmp_control all; }\n" % (Nginx.http_common(), ctl_port))
        if stat:
            text += "        location /stat    { rtmp_stat all; }\n"
        text += "    }\n}\n"
    return text


# --------------------------------------------------------------------------
# ffmpeg publishers and recordings

# A test pattern and a tone, encoded the way an encoder would send them.
# -g 15 at 15 fps = a keyframe every second: nginx-rtmp only cuts a
# recording (record_interval) on a keyframe (rtmp.md section 8).
FFMPEG_TEST_INPUT = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                     "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-f", "lavfi", "-i", "sine"]
FFMPEG_FLV_ENC = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-c:a", "aac", "-f", "flv"]


def ffmpeg_publish_start(url, seconds):
    """Starts ffmpeg publishing `seconds` of test video to an rtmp:// URL.
    The caller must end it with ffmpeg_publish_wait (or stop_process)."""
    errf = tempfile.TemporaryFile()
    p = subprocess.Popen(FFMPEG_TEST_INPUT + ["-t", str(seconds)] + FFMPEG_FLV_ENC + [url],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errf)
    p._errf = errf
    p._t0 = time.monotonic()
    return p


def ffmpeg_publish_wait(p, timeout):
    """Waits for a publisher; returns (rc or "timeout", seconds, last stderr lines)."""
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process(p, timeout=3)
        rc = "timeout"
    p._errf.seek(0)
    err = p._errf.read().decode("utf-8", "replace").strip().splitlines()
    p._errf.close()
    return rc, time.monotonic() - p._t0, " | ".join(err[-3:])


def sha256_file(path):
    """(hex SHA-256, size in bytes) of a file, read in chunks."""
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def evidence_leaves(server, kind, ident, token):
    """GET /v1/evidence/<kind>/<id>; returns (response, [decoded leaf records]).
    A leaf is base64 of the canonical record JSON (docs/ARCHIVE.md)."""
    r = server.req("GET", "/v1/evidence/%s/%s" % (kind, urllib.parse.quote(ident, safe="")), token=token)
    leaves = []
    if r[0] == 200 and isinstance(r[1], dict):
        for x in r[1].get("records") or []:
            leaves.append(json.loads(base64.b64decode(x["leaf"])))
    return r, leaves


# --------------------------------------------------------------------------
# the frame of an nginx e2e test's main()


def rtmp_test_binary(checker, argv):
    """The livecomply binary named in argv, printed; None when it, nginx,
    ffmpeg or the rtmp module is missing (a failed check for each)."""
    binary = find_binary(argv)
    print("binary: %s" % binary, flush=True)
    for tool in ("nginx", "ffmpeg"):
        if shutil.which(tool) is None:
            checker.check("%s is installed" % tool, False)
    if not os.path.exists(RTMP_MODULE):
        checker.check("nginx rtmp module present", False, RTMP_MODULE)
    if not os.access(binary, os.X_OK):
        checker.check("binary exists and is executable", False, binary)
    return binary if checker.failed == 0 else None


def report_exception(checker, label, exc, srv, ngx):
    """An unexpected exception in a test's main(): a failure, plus the tails
    of livecomply's stderr and (if it runs) nginx's error log."""
    checker.error(label, exc)
    print("server stderr tail:\n" + srv.stderr_tail(), flush=True)
    if ngx is not None:
        print("nginx error log tail:\n" + ngx.error_log_tail(), flush=True)


def stop_leftovers(procs, ngx):
    """Stops every process in procs still running, then nginx if given."""
    for p in procs:
        if p.poll() is None:
            stop_process(p, timeout=3)
    if ngx is not None:
        ngx.stop()


def end_server(checker, srv, work, t_start, after_stop=None):
    """Stops livecomply and checks it exited 0 on SIGTERM, calls after_stop
    (checks on its stderr, which cleanup removes), cleans up the server,
    removes the test's work dir (kept with LC_E2E_KEEP=1) and prints the
    time since t_start."""
    rc = srv.stop()
    checker.check("livecomply exits 0 on SIGTERM", rc == 0, "rc=%s" % rc)
    if after_stop is not None:
        after_stop()
    srv.cleanup()
    if os.environ.get("LC_E2E_KEEP") != "1":
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("kept %s" % work)
    print("elapsed %.1fs" % (time.monotonic() - t_start), flush=True)
