"""Smoke run of bench/retromatch_bench.py at a tiny size (SQLite only)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_retromatch_bench_runs_and_matches(tmp_path):
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / "retromatch_bench.py"), "--messages", "300", "--indicators", "400",
         "--hit-rate", "0.05", "--db", "sqlite", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["db"] == "sqlite" and result["messages"] == 300
    assert 380 <= result["indicators"] <= 400  # a value drawn twice is one indicator
    assert result["new_matches"] > 0 and result["second_run_new_matches"] == 0
    assert result["facts"] > 300 * 10
