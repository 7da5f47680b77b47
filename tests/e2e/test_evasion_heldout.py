#!/usr/bin/env python3
"""The evasion test on tests/data/evasion/heldout.tsv, as a regression gate.

heldout.tsv was written as a held-out set (see tests/data/evasion/README.md)
and measured once; its misses and false positives were then used to improve
the normaliser and the packs on 2026-11-26, so it is a development set now
and its figures say nothing about generalisation.  This wrapper keeps what
was reached from slipping back: it runs test_evasion.py with
LC_EVASION_CASES=heldout.tsv and these thresholds:

  * recall >= 0.95 for every evasion kind, the gate cases.tsv has (reached
    after the fixes: 0.968 to 1.000, so one more miss in the fullwidth,
    numerals or homoglyph kind fails it).  Three misses remain that a
    keyword engine cannot reasonably see: "１：１" (normalisation drops the
    ':', and "11" is every other number), "No.l" ("no l" is ordinary
    English) and a rumour without an insult word ("ΑΑΑ quality" is caught
    since the 'repeat required' rules of 2026-11-26);
  * benign false positives < 1 % (reached: 0 of 340).

Run: python3 test_evasion_heldout.py PATH_TO_livecomply
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ["LC_EVASION_CASES"] = "heldout.tsv"

import test_evasion  # noqa: E402  (reads LC_EVASION_CASES at import)

test_evasion.RECALL_MIN = 0.95
test_evasion.FP_MAX = 0.01

if __name__ == "__main__":
    sys.exit(test_evasion.main())
