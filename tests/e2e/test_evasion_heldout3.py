#!/usr/bin/env python3
"""The evasion test on tests/data/evasion/heldout3.tsv, as a regression gate.

heldout3.tsv was written blind on 2026-11-26 (its writer did not see the
packs, the normaliser or the other case files; see
tests/data/evasion/README.md) and measured once, before any change:
recall 300/364 = 0.824, false positives 5/340 = 1.47 %.  That is the honest
generalisation figure.  Its misses were then used to add pinyin forms,
missing terms (假币, 入会费, advance fees, sexual harassment) and negation
cues to the packs (rules 2026.11.28), so it is a development set now.
This wrapper keeps what was reached from slipping back: it runs
test_evasion.py with LC_EVASION_CASES=heldout3.tsv and these thresholds:

  * recall >= 0.90 for every evasion kind (reached: 0.917 in numerals,
    0.944 in mixed, 0.946 in homoglyph, 0.97-1.00 elsewhere; 352 of 364 in
    all).  The bar is lower than the other sets' 0.95 because the
    remaining misses were left alone rather than fitted (`ivory`, `coke`,
    贰佰伍 for 二百五, `bet盘口`, a 4-letter id after vx: each would need a
    term or pattern that also hits ordinary text);
  * benign false positives < 1 % (reached: 2 of 340; 4 fail it).

Run: python3 test_evasion_heldout3.py PATH_TO_livecomply
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ["LC_EVASION_CASES"] = "heldout3.tsv"

import test_evasion  # noqa: E402  (reads LC_EVASION_CASES at import)

test_evasion.RECALL_MIN = 0.90
test_evasion.FP_MAX = 0.01

if __name__ == "__main__":
    sys.exit(test_evasion.main())
