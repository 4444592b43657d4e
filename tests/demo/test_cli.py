from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MAILWARD = Path(sys.executable).parent / "mailward"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    assert MAILWARD.exists(), f"console script missing: {MAILWARD} (pip install -e .)"
    return subprocess.run([str(MAILWARD), *args], capture_output=True, text=True, timeout=120)


def test_demo_generate_through_the_console_script(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = _run("demo", "generate", str(out), "--seed", "11", "--messages", "120")
    assert result.returncode == 0, result.stderr
    assert "120 messages" in result.stdout and "recon-newsdesk" in result.stdout
    labels = (out / "labels.jsonl").read_text("utf-8").splitlines()
    assert len(labels) == 120
    assert json.loads((out / "campaigns.json").read_text("utf-8"))["seed"] == 11
    assert (out / "mailward.toml").is_file()


def test_non_empty_directory_is_a_one_line_error(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert _run("demo", "generate", str(out), "--messages", "100").returncode == 0
    again = _run("demo", "generate", str(out), "--messages", "100")
    assert again.returncode == 1
    assert "not empty" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr
    forced = _run("demo", "generate", str(out), "--messages", "110", "--force", "--mbox")
    assert forced.returncode == 0, forced.stderr
    assert (out / "all.mbox").stat().st_size > 0


def test_bad_size_is_a_one_line_error(tmp_path: Path) -> None:
    result = _run("demo", "generate", str(tmp_path / "x"), "--messages", "3")
    assert result.returncode == 1
    assert "--messages must be between" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_generate() -> None:
    result = _run("demo", "--help")
    assert result.returncode == 0 and "generate" in result.stdout


def test_output_does_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    import os

    trees = []
    for hashseed in ("1", "2"):
        out = tmp_path / f"h{hashseed}"
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        result = subprocess.run([str(MAILWARD), "demo", "generate", str(out), "--messages", "100",
                                 "--mbox"], capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == 0, result.stderr
        trees.append({str(p.relative_to(out)): p.read_bytes()
                      for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1]
