#!/usr/bin/env python3
"""crash_driver.py -- kill -9 loop for the archive log (ctest crash.archive_log).

    crash_driver.py CRASH_WRITER [RUNS] [THREADS]

Runs `crash_writer write DIR THREADS` RUNS times (default 60) on one log
directory, killing it with SIGKILL after a random 5-200 ms (counted from
the start in even runs, so that some kills hit recovery, and from the end
of recovery in odd runs), reads every
"A <index> <seed>" acknowledgement it printed before dying, and after each
kill runs `crash_writer check DIR ACKS`, which verifies the directory as the
kill left it (only a torn tail after all acknowledged records is allowed),
recovers it by opening it, checks every record acknowledged in any run so
far is at its index with the same bytes and key, and verifies it again.
Every fifth run also appends a random partial frame to the last segment
after the kill (a kill -9 alone seldom tears a write), which the check must
report as a torn tail and recovery must cut.
Fails if an index is acknowledged twice, if a run's indexes do not continue
after the earlier ones, if the writer died of anything but our kill, or if
too few runs got anything acknowledged for the test to mean something.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def main():
    writer = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    threads = sys.argv[3] if len(sys.argv) > 3 else "8"
    seed = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="lc-crash-")
    logdir = os.path.join(work, "log")
    ackpath = os.path.join(work, "acks.txt")
    acked = {}  # index -> seed
    productive = 0
    torn_made = 0
    failures = 0
    t0 = time.time()
    print("seed %d, %d runs, %s threads, dir %s" % (seed, runs, threads, work), flush=True)
    try:
        for run in range(runs):
            p = subprocess.Popen([writer, "write", logdir, threads], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            chunks, ready = [], threading.Event()

            def drain():
                for line in p.stdout:  # a reader that never lets the pipe fill
                    if line == b"R\n":
                        ready.set()
                    chunks.append(line)
                ready.set()
            reader = threading.Thread(target=drain)
            reader.start()
            # even runs: the delay counts from the start, so some kills land
            # in recovery; odd runs: from the end of recovery ("R"), so the
            # kill lands among appends however long recovery has become
            if run % 2:
                ready.wait(60)
            time.sleep(rng.uniform(0.005, 0.200))
            p.send_signal(signal.SIGKILL)
            reader.join()
            err = p.stderr.read()
            p.wait()
            out = b"".join(chunks)
            if p.returncode != -signal.SIGKILL:
                print("run %d: writer exited with %s before the kill: %s"
                      % (run, p.returncode, err.decode(errors="replace")))
                failures += 1
                break
            lines = out.decode().splitlines()
            new = []
            for line in lines:
                f = line.split()
                if f and f[0] == "A":
                    idx, s = int(f[1]), int(f[2])
                    if idx in acked:
                        print("run %d: index %d acknowledged again" % (run, idx))
                        failures += 1
                    acked[idx] = s
                    new.append(idx)
            if new:
                productive += 1
                if acked and min(new) < max(set(acked) - set(new), default=-1):
                    print("run %d: new index %d below an earlier run's" % (run, min(new)))
                    failures += 1
            with open(ackpath, "a") as f:
                f.write("\n".join(lines) + ("\n" if lines else ""))
            if run % 5 == 4:
                # a kill -9 rarely tears a write, so every fifth run leaves a
                # torn frame by hand: random bytes after whatever the kill left
                segs = sorted(n for n in os.listdir(logdir) if n.startswith("seg-"))
                with open(os.path.join(logdir, segs[-1]), "ab") as f:
                    f.write(b"LCR1" + bytes(rng.randrange(1, 256) for _ in range(rng.randint(1, 90))))
                torn_made += 1
            c = subprocess.run([writer, "check", logdir, ackpath], capture_output=True, text=True)
            status = c.stdout.strip() or c.stderr.strip()
            print("run %2d: kill after %3d acks; %s" % (run, len(new), status), flush=True)
            if c.returncode != 0:
                print(c.stderr)
                failures += 1
                break
            if run % 5 == 4 and "torn tail was cut" not in status:
                print("run %d: the torn frame left by hand was not reported" % run)
                failures += 1
                break
        if productive < runs // 3:
            print("only %d of %d runs got an append acknowledged" % (productive, runs))
            failures += 1
        print("%d runs (%d with a torn frame added), %d acknowledged records checked, %.1f s"
              % (run + 1, torn_made, len(acked), time.time() - t0))
    finally:
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept %s for inspection" % work)
    if failures:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
