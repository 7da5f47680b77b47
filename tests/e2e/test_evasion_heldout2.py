#!/usr/bin/env python3
"""The evasion test on tests/data/evasion/heldout2.tsv, as a regression gate.

heldout2.tsv was written as a held-out set (see tests/data/evasion/README.md)
and measured once (recall 323/360 = 0.897, false positives 8/340 = 2.35 %).
Its misses and false positives were then used to improve the normaliser,
the scan pipeline and the packs on 2026-11-27, so it is a development set
now and its figures say nothing about generalisation.  This wrapper keeps
what was reached from slipping back: it runs test_evasion.py with
LC_EVASION_CASES=heldout2.tsv and these thresholds:

  * recall >= 0.95 for every evasion kind, the gate cases.tsv has (reached
    after the fixes: 1.000 in every kind, 360 of 360; one new miss in any
    kind still passes, two fail it, except in plain (41 hits) and compat
    (40), where it takes three);
  * benign false positives < 1 % (reached: 0 of 340; 4 fail it).

Run: python3 test_evasion_heldout2.py PATH_TO_livecomply
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ["LC_EVASION_CASES"] = "heldout2.tsv"

import test_evasion  # noqa: E402  (reads LC_EVASION_CASES at import)

test_evasion.RECALL_MIN = 0.95
test_evasion.FP_MAX = 0.01

if __name__ == "__main__":
    sys.exit(test_evasion.main())
