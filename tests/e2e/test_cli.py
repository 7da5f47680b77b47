#!/usr/bin/env python3
"""CLI contract: --help on every command, exit codes (0 ok, 1 failure,
2 usage, 3 invalid input), clear messages, and offline checks.

Run: python3 test_cli.py PATH_TO_livecomply
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
passed = failed = 0


def check(label, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS", label)
    else:
        failed += 1
        print("FAIL", label, detail)


def run(*args, timeout=20):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    for cmd in (["--help"], ["serve", "--help"], ["token", "--help"], ["ident", "--help"]):
        rc, out, _ = run(*cmd)
        check("%s exits 0 and prints usage" % " ".join(cmd), rc == 0 and "usage:" in out, out)
    rc, _, err = run()
    check("no command: usage on stderr, exit 2", rc == 2 and "usage:" in err, err)
    rc, _, err = run("frobnicate")
    check("unknown command: exit 2 naming it", rc == 2 and "frobnicate" in err, err)
    rc, out, _ = run("version")
    check("version prints livecomply and a version", rc == 0 and out.startswith("livecomply "), out)

    rc, out, _ = run("ident", "check", "--id-number", "11010519491231002X")
    check("ident check: valid ID exits 0, printed masked", rc == 0 and "1101**********002X" in out
          and "11010519491231002X" not in out, out)
    rc, out, _ = run("ident", "check", "--id-number", "110105194912310021")
    check("ident check: bad check character exits 3 with the reason",
          rc == 3 and "check character" in out, out)
    rc, out, _ = run("ident", "check", "--credit-code", "91350100M000100Y4Z")
    check("ident check: the standard's own invalid example exits 3", rc == 3, out)
    rc, out, _ = run("ident", "check", "--credit-code", "91512081MA62K0260E")
    check("ident check: valid credit code exits 0", rc == 0, out)
    rc, _, err = run("ident", "check")
    check("ident check without a value: exit 2", rc == 2, err)
    rc, _, err = run("ident", "check", "--id-number")
    check("flag without its value: exit 2 naming the flag", rc == 2 and "--id-number" in err, err)

    with tempfile.TemporaryDirectory() as d:
        rc, out, err = run("token", "create", "--data", d, "--role", "admin")
        check("token create admin: exit 0, one lct_ token on stdout",
              rc == 0 and out.strip().startswith("lct_") and len(out.split()) == 1, out + err)
        rc, _, err = run("token", "create", "--data", d, "--role", "wizard")
        check("token create unknown role: exit 2", rc == 2 and "wizard" in err, err)
        rc, _, err = run("token", "create", "--data", d, "--role", "agency")
        check("token create agency without --agency: exit 3", rc == 3 and "--agency" in err, err)
        rc, _, err = run("token", "create", "--data", d, "--role", "agency", "--agency", "agency_nope")
        check("token create agency for unknown agency: exit 3", rc == 3 and "agency_nope" in err, err)
        rc, _, err = run("token", "create", "--data", d, "--role", "admin", "--agency", "x")
        check("token create --agency on a non-agency role: exit 3", rc == 3, err)
        rc, _, err = run("token", "create", "--role", "admin")
        check("token create without --data: exit 2", rc == 2, err)
        rc, _, err = run("serve", "--listen", "nonsense", "--data", d)
        check("serve with a bad --listen: exit 2", rc == 2 and "--listen" in err, err)
        rc, _, err = run("serve", "--threads", "0", "--data", d)
        check("serve with --threads 0: exit 2", rc == 2, err)

        # A port that is taken: exit 1 with a message, not a crash.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        rc, _, err = run("serve", "--listen", "127.0.0.1:%d" % port, "--data", d)
        s.close()
        check("serve on a port in use: exit 1 naming the address", rc == 1 and str(port) in err, err)

        # Clean shutdown on SIGTERM and SIGINT.
        for sig in ("TERM", "INT"):
            port = free_port()
            p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:%d" % port, "--data", d],
                                 stderr=subprocess.PIPE, text=True)
            deadline = time.time() + 10
            up = False
            while time.time() < deadline and not up:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    up = True
                except OSError:
                    time.sleep(0.05)
            p.send_signal(getattr(__import__("signal"), "SIG" + sig))
            try:
                rc = p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = "timeout"
            check("serve exits 0 on SIG%s" % sig, up and rc == 0, "up=%s rc=%s" % (up, rc))

        db = os.path.join(d, "livecomply.db")
        check("the database file is private to its owner (mode 0600)",
              os.path.exists(db) and (os.stat(db).st_mode & 0o077) == 0,
              oct(os.stat(db).st_mode) if os.path.exists(db) else "missing")
        key = os.path.join(d, "keys", "pii.key")
        check("the data folder's key file is mode 0600",
              os.path.exists(key) and (os.stat(key).st_mode & 0o777) == 0o600,
              oct(os.stat(key).st_mode) if os.path.exists(key) else "missing")
        os.chmod(key, 0o644)
        port = free_port()
        rc, _, err = run("serve", "--listen", "127.0.0.1:%d" % port, "--data", d)
        check("serve refuses a key file readable by others: exit 1", rc == 1 and "key" in err, err)

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
