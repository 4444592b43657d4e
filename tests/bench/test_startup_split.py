"""Smoke run of ``bench/startup_split.py``: one fresh process, every stage timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_startup_split_times_every_stage_of_one_fresh_process() -> None:
    out = subprocess.run([sys.executable, "bench/startup_split.py", "--runs", "1"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    stages = ("imports", "rules", "first_scanner", "first_message")
    assert all(report[k] >= 0 for k in stages)
    assert report["total"] >= sum(report[k] for k in stages) - 0.001
    assert report["runs"] == 1 and len(report["load_average"]) == 3
