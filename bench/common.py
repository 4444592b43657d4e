"""What ``bench/run.py`` and ``bench/others.py`` share: paths, logging, the record of
every command run (for RESULTS.md) and the demo corpora they generate."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
COMMANDS: list[str] = []  # every command run, for RESULTS.md


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def mailward_argv() -> list[str]:
    exe = Path(PY).with_name("mailward")
    return [str(exe)] if exe.exists() else [PY, "-m", "mailward.cli"]


def record(argv: list[str], note: str = "") -> None:
    COMMANDS.append(" ".join(shlex.quote(a) for a in argv) + (f"   # {note}" if note else ""))


def run_once(target: Path, argv: list[str], what: str) -> Path:
    """Run ``argv`` to fill ``target`` unless an earlier run finished it (a marker file
    beside it says so); a half-written ``target`` is removed first."""
    marker = target.with_name(f".{target.name}.done")
    if marker.exists() and target.is_dir():
        return target
    if target.exists():
        shutil.rmtree(target)
    record(argv)
    log(f"generating {what} in {target}")
    start = time.perf_counter()
    res = subprocess.run(argv, check=False, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{what}: the generator failed ({res.returncode}): {res.stderr.strip()[-2000:]}")
    log(f"generated in {time.perf_counter() - start:.1f} s")
    marker.touch()
    return target


def generate_demo(scratch: Path, size: int, name: str = "") -> Path:
    """A ``size``-message demo set in ``scratch/name`` (default ``demo-SIZE``), generated once."""
    target = scratch / (name or f"demo-{size}")
    return run_once(target, [*mailward_argv(), "demo", "generate", str(target), "--messages", str(size)],
                    f"{size} demo messages")


# -- the adversarial generators' tables (recon_adversarial.py, phishing_adversarial.py) ------


def tally_genuine(row: dict, flagged: bool, rules: list[str]) -> None:
    """Count a genuine counterpart in a technique's ``row``; when ``flagged``, the rules
    that flagged it too."""
    row["genuine"] += 1
    row["genuine_flagged"] += flagged
    if flagged:
        by = row.setdefault("flagged_by", {})
        for rule in rules:
            by[rule] = by.get(rule, 0) + 1


def genuine_cell(row: dict) -> str:
    """"N" or "N (RULE, ...)": the genuine counterparts flagged, and by what."""
    cell = str(row.get("genuine_flagged", 0))
    if row.get("flagged_by"):
        cell += " (" + ", ".join(sorted(row["flagged_by"])) + ")"
    return cell

