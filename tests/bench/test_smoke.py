"""A smoke run of every script under bench/ with tiny sizes: each one must still run.

The figures are not checked (that needs a quiet machine); only that the script ends
with status 0 and prints something. ``bench/run.py`` has its own, fuller smoke test
(test_harness.py) and ``bench/durability.py`` its own (tests/hardening/test_durability.py).
A new script under bench/ fails ``test_every_bench_script_has_a_smoke_run`` until it
is added here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailward.demo import generate

from .test_harness import _corpus

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
MODULES = {"proctree.py", "results.py", "common.py", "others.py"}  # imported by the scripts, run through them
ELSEWHERE = {"run.py": "tests/bench/test_harness.py", "durability.py": "tests/hardening/test_durability.py",
             "retromatch_bench.py": "tests/bench/test_retromatch_bench.py", "two_orgs.py": "tests/share/test_two_orgs.py",
             "startup_split.py": "tests/bench/test_startup_split.py"}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bench-smoke")
    demo = root / "demo"
    generate(demo, seed=7, messages=100)  # the smallest demo set
    corpus = _corpus(root)
    sets = root / "sets"  # model_eval.py reads sets by name; 8 copies each so both halves have messages
    for name in ("phishing_pot", "sa_ham"):
        (sets / name).mkdir(parents=True)
        for n, message in enumerate(sorted(corpus.iterdir()) * 3):
            (sets / name / f"{n}.eml").write_bytes(message.read_bytes())
    return {"root": root, "corpus": corpus, "demo": demo, "sets": sets}


def _argv(name: str, c: dict[str, Path]) -> list[str]:
    corpus, demo, root = str(c["corpus"]), c["demo"], c["root"]
    return {
        "attachments_bench.py": ["formats", corpus],
        "beacons_eval.py": [corpus, "--rounds", "1", "--show", "1"],
        "fingerprint.py": ["--out", str(root / "fp.tsv"), corpus],
        "function_cpu.py": [corpus, "--limit", "3"],
        "history_bench.py": ["--senders", "200", "--lookups", "20"],
        "hostile_bench.py": ["--only", "nul_bytes", "--json", str(root / "hostile.json")],
        "hunt_bench.py": ["--messages", "100", "--modes", "1", "--cluster-sizes", "200", "--scratch", str(root / "hunt")],
        "identity_eval.py": ["--labels", str(demo / "labels.jsonl"), "--config", str(demo / "mailward.toml")],
        "intel_bench.py": ["--messages", "20", "--sizes", "0,100", "--scan", "5"],
        "milter_bench.py": ["--small", "2", "--large", "1", "--workers", "1"],
        "milter_fingerprint.py": ["--out", str(root / "milter-fp.tsv"), "--demo", "0", "--large", "1", corpus],
        "model_eval.py": ["--corpus", str(c["sets"]), "--no-rules"],
        "model_cost.py": ["--corpus", str(c["sets"]), "--limit", "8", "--rounds", "1"],
        "parse_bench.py": [corpus],
        "phishing_adversarial.py": [],
        "phishing_eval.py": ["--corpus", str(c["sets"]), "--demo", str(demo), "--limit", "6",
                             "--out", str(root / "phishing.json")],
        "parser_choice.py": [corpus],
        "profile_stages.py": [corpus, "--limit", "3"],
        "recon_adversarial.py": ["--per-technique", "1"],
        "scan_profile.py": [corpus, "--limit", "3"],
        "web_bench.py": ["--requests", "4"],
        "web_loop_bench.py": ["--elements", "300", "--signins", "1"],
        "web_pages_bench.py": ["--messages", "40", "--demo-messages", "100", "--rounds", "1", "--scratch", str(root / "web-pages")],
    }[name]


SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if p.name not in MODULES and p.name not in ELSEWHERE)


def test_every_bench_script_has_a_smoke_run(corpora: dict[str, Path]) -> None:
    for name in SCRIPTS:
        _argv(name, corpora)  # KeyError: a script without a smoke run
    for name, where in ELSEWHERE.items():
        assert name in (REPO / where).read_text(), where


@pytest.mark.parametrize("name", SCRIPTS)
def test_bench_script_runs_with_tiny_sizes(name: str, corpora: dict[str, Path]) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), str(REPO),
                                                                       os.environ.get("PYTHONPATH", "")]))}
    res = subprocess.run([sys.executable, str(BENCH / name), *_argv(name, corpora)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 0, f"{name}: {res.stderr[-3000:]}"
    assert res.stdout.strip() or res.stderr.strip()
    if name == "hostile_bench.py":
        row = json.loads((corpora["root"] / "hostile.json").read_text())["scan"]["nul_bytes"]
        assert "error" not in row and row["scan_s"] >= 0


def test_milter_bench_measures_the_transport_alone(tmp_path: Path) -> None:
    """``--scanner`` swaps the scan for one that reads only headers, and both sizes get
    a milter-free baseline: together they split a latency into Postfix, the milter's
    own transport and the scan."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), str(REPO),
                                                                       os.environ.get("PYTHONPATH", "")]))}
    out = tmp_path / "milter.json"
    res = subprocess.run([sys.executable, str(BENCH / "milter_bench.py"), "--small", "2", "--large", "1",
                          "--workers", "1", "--scanner", "tests.gateway.fake_scanner:StaticScanner",
                          "--json", str(out)], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["scanner"] == "tests.gateway.fake_scanner:StaticScanner"
    kinds = [run["kind"] for run in data["runs"]]
    assert kinds.count("large, no milter (baseline)") == 2 and kinds.count("small, no milter (baseline)") == 2
    scanned = [run for run in data["runs"] if "actions" in run]
    assert scanned and all(set(run["actions"]) == {"deliver"} for run in scanned)  # nothing scanned, nothing defused
