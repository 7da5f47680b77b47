#!/usr/bin/env python3
"""Interop test: Go's golang.org/x/mod/sumdb must accept our evidence
bundles and reject mangled copies of them.

Builds tests/interop/verify_bundle.go offline (GOPATH mode against Debian's
golang-golang-x-mod-dev, GOCACHE in the build directory), has gen_bundle
write bundles of several sizes, checks that Go accepts each, then checks
that Go rejects copies with a flipped proof byte, a wrong index, an edited
leaf, an edited checkpoint size, an edited tree_size, and a checkpoint
signed by another key.  A machine without Go FAILS this test: CI installs
golang-go and golang-golang-x-mod-dev, so a missing toolchain is a broken
setup, not a reason to skip.
"""
import argparse
import base64
import copy
import json
import os
import shutil
import subprocess
import sys

GOPATH = "/usr/share/gocode"
SUMDB = os.path.join(GOPATH, "src/golang.org/x/mod/sumdb/note")
SIZES = [1, 2, 7, 8, 255, 1000]

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAILED:", what)


def die(msg):
    print("interop.go_sumdb: " + msg, file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(1)


def build_go(go_src, work):
    go = shutil.which("go")
    if not go:
        die("the Go toolchain is missing: install the Debian packages golang-go and "
            "golang-golang-x-mod-dev (scripts/install-deps.sh / CI does)")
    if not os.path.isdir(SUMDB):
        die(SUMDB + " is missing: install the Debian package golang-golang-x-mod-dev")
    env = dict(os.environ, GOPATH=GOPATH, GO111MODULE="off", GOPROXY="off", GOFLAGS="",
               GOENV="off", GOCACHE=os.path.join(work, "gocache"), CGO_ENABLED="0")
    exe = os.path.join(work, "verify_bundle")
    r = subprocess.run([go, "build", "-o", exe, go_src], env=env, capture_output=True, text=True,
                       cwd=os.path.dirname(go_src))
    if r.returncode != 0:
        die("go build failed:\n" + r.stdout + r.stderr)
    return exe


def run_go(exe, bundle, path):
    with open(path, "w") as f:
        json.dump(bundle, f)
    r = subprocess.run([exe, path], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def gen(gen_exe, n, seed, path):
    r = subprocess.run([gen_exe, str(n), str(seed), path], capture_output=True, text=True)
    if r.returncode != 0:
        die("gen_bundle %d failed: %s" % (n, r.stderr))
    with open(path) as f:
        return json.load(f)


def flip_b64(s, byte=0):
    b = bytearray(base64.b64decode(s))
    b[byte] ^= 0x01
    return base64.b64encode(bytes(b)).decode()


def expect_reject(exe, work, name, n, bundle, marker=None):
    rc, out = run_go(exe, bundle, os.path.join(work, "mangled-%d-%s.json" % (n, name)))
    ok = rc != 0 and "FAIL" in out and (marker is None or marker in out)
    check(ok, "size %d, %s: Go should reject (rc %d): %s" % (n, name, rc, out.strip()[:300]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--go-src", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    exe = build_go(os.path.abspath(a.go_src), a.work)

    for n in SIZES:
        b = gen(a.gen, n, n, os.path.join(a.work, "bundle-%d.json" % n))
        check(b["tree_size"] == n and len(b["records"]) == n, "size %d: bundle shape" % n)
        rc, out = run_go(exe, b, os.path.join(a.work, "ok-%d.json" % n))
        check(rc == 0 and out.strip() == "ok %d records" % n,
              "size %d: Go should accept (rc %d): %s" % (n, rc, out.strip()[:300]))

        k = n // 2  # a record in the middle
        if b["records"][k]["proof"]:
            m = copy.deepcopy(b)
            p = m["records"][k]["proof"]
            p[len(p) // 2] = flip_b64(p[len(p) // 2], 17)
            expect_reject(exe, a.work, "flipped-proof-byte", n, m, "index %d" % k)

        m = copy.deepcopy(b)
        m["records"][k]["index"] = k + 1 if k + 1 < n or n == 1 else k - 1
        expect_reject(exe, a.work, "wrong-index", n, m)

        m = copy.deepcopy(b)
        m["records"][k]["leaf"] = flip_b64(m["records"][k]["leaf"], 5)
        expect_reject(exe, a.work, "edited-leaf", n, m, "index %d" % k)

        # The size line of the signed note edited (and the bundle's size
        # with it, so only the signature can catch it).
        m = copy.deepcopy(b)
        old = "\n%d\n" % n
        assert old in m["checkpoint"]
        m["checkpoint"] = m["checkpoint"].replace(old, "\n%d\n" % (n + 1), 1)
        m["tree_size"] = n + 1
        expect_reject(exe, a.work, "edited-checkpoint-size", n, m, "signature")

        m = copy.deepcopy(b)
        m["tree_size"] = n + 1
        expect_reject(exe, a.work, "edited-tree-size", n, m, "tree_size")

        # Same records and tree, fresh key: Go accepts it under its own key
        # and rejects its checkpoint under the first bundle's key.
        other = gen(a.gen, n, n, os.path.join(a.work, "other-%d.json" % n))
        check(other["root"] == b["root"] and other["vkey"] != b["vkey"],
              "size %d: second bundle should share the tree but not the key" % n)
        rc, out = run_go(exe, other, os.path.join(a.work, "other-ok-%d.json" % n))
        check(rc == 0, "size %d: Go should accept the second bundle: %s" % (n, out.strip()[:300]))
        m = copy.deepcopy(b)
        m["checkpoint"] = other["checkpoint"]
        expect_reject(exe, a.work, "signed-by-another-key", n, m, "signature")

    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
