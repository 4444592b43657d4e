"""Step 5 of ``make bench``: the other benchmark scripts in bench/, each with the
arguments it needs, and the supplements the content-model evaluation trains with."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from common import PY, REPO, generate_demo, log, mailward_argv, record, run_once

# the other benchmark scripts: bench/*_bench.py and bench/*_eval.py, run when present
EXPECTED_BENCHES = ("milter_bench.py", "hunt_bench.py", "beacons_eval.py", "identity_eval.py")

# scripts that take corpus directories as arguments
CORPUS_ARG_SCRIPTS = ("parse_bench.py", "beacons_eval.py", "identity_eval.py")

# scripts that read the shared corpus's folder of sets (``--corpus DIR``, figures to ``--out``)
CORPUS_DIR_SCRIPTS = ("phishing_eval.py", "model_eval.py")

# the plans docs/model.md reports: one phishing corpus, sa_ham's dev half and the supplements
MODEL_PLANS = ("nazario+ham+extra+xphish", "pot+ham+extra+xphish")
WANTED_KINDS = frozenset({"ham", "newsletter", "journalist"})  # the demo's wanted mail, by its labels


def other_benches() -> list[str]:
    found = {p.name for pattern in ("*_bench.py", "*_eval.py", "*_adversarial.py") for p in (REPO / "bench").glob(pattern)}
    return sorted(found | set(EXPECTED_BENCHES))


def model_supplements(scratch: Path, messages: int = 3000) -> list[str]:
    """``model_eval.py`` arguments for the training sets of docs/model.md: the wanted mail
    (ham, newsletters, journalists) of a ``messages``-message demo set, and the wanted and
    phishing halves of a ``messages``-message ``mailward demo training`` set, with the
    two plans that document reports. Generated once per scratch directory."""
    demo = generate_demo(scratch, messages, f"model-demo-{messages}")
    training = run_once(scratch / f"model-training-{messages}",
                        [*mailward_argv(), "demo", "training", str(scratch / f"model-training-{messages}"),
                         "--messages", str(messages)], f"a {messages}-message training set")
    wanted = scratch / f"model-demo-{messages}-wanted"
    wanted.mkdir(exist_ok=True)
    for old in wanted.iterdir():
        old.unlink()
    for n, line in enumerate((demo / "labels.jsonl").read_text("utf-8").splitlines()):
        label = json.loads(line)
        if label.get("kind") in WANTED_KINDS:
            (wanted / f"{n:05d}.eml").symlink_to((demo / label["path"]).resolve())
    argv = ["--extra-ham", str(wanted), "--extra-ham", str(training / "wanted"),
            "--extra-phishing", str(training / "phishing")]
    return argv + [option for plan in MODEL_PLANS for option in ("--plan", plan)]


def script_options(path: Path, out_json: Path, args: argparse.Namespace, corpus: list[Path],
                   supplements: list[str] | None = None) -> list[str] | None:
    """The arguments a script needs: corpus directories, or --json/--quick for scripts
    whose --help offers them (they also get MAILWARD_BENCH_* variables). None: the script
    needs the shared corpus and there is none. ``supplements``: ``model_eval.py``'s
    training supplements (``model_supplements``)."""
    if path.name in CORPUS_ARG_SCRIPTS:
        return [str(p) for p in corpus]
    if path.name == "attachments_bench.py":
        return ["formats", *(str(p) for p in corpus)]
    if path.name.endswith("_adversarial.py"):
        return []  # their own generated messages; the table goes to the log (their --json is a flag)
    if path.name in CORPUS_DIR_SCRIPTS:
        folders = sorted({p.parent for p in corpus if p.name in ("phishing_pot", "phishing_nazario", "sa_ham")})
        if not folders:
            return None
        extra = (supplements or []) if path.name == "model_eval.py" else []
        return ["--corpus", str(folders[0]), "--out", str(out_json), *extra]
    try:
        helptext = subprocess.run(
            [PY, str(path), "--help"], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except subprocess.TimeoutExpired:
        return []
    options = []
    if "--json" in helptext:
        options += ["--json", str(out_json)]
    if args.quick and "--quick" in helptext:
        options.append("--quick")
    return options


def run_others(args: argparse.Namespace, scratch: Path, outdir: Path, corpus: list[Path]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for script in other_benches():
        path = REPO / "bench" / script
        if not path.exists():
            results[script] = {"status": "not present"}
            continue
        name = path.stem
        out_json = outdir / f"{name}.json"
        env = dict(
            os.environ,
            MAILWARD_BENCH_DIR=str(scratch),
            MAILWARD_BENCH_OUT=str(out_json),
            MAILWARD_BENCH_SIZES=",".join(map(str, args.sizes)),
            MAILWARD_BENCH_QUICK="1" if args.quick else "",
        )
        options = script_options(path, out_json, args, corpus)
        if options is None:
            results[script] = {"status": "skipped: it reads the shared corpus, and there is none"}
            continue
        if script == "model_eval.py":
            options = script_options(path, out_json, args, corpus, model_supplements(scratch))
        argv = [PY, f"bench/{script}", *(options or [])]
        record(argv, f"MAILWARD_BENCH_OUT={out_json}")
        log(f"running bench/{script}")
        results[script] = _run_script(argv, env, args.other_timeout, outdir / f"{name}.log", out_json)
    return results


def _run_script(argv: list[str], env: dict[str, str], timeout: float, log_file: Path, out_json: Path) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        res = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        status = "ok" if res.returncode == 0 else f"exit {res.returncode}"
        stdout, stderr = res.stdout, res.stderr
    except subprocess.TimeoutExpired as exc:
        status = f"timeout after {timeout} s"
        stdout = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        stderr = ""
    log_file.write_text(stdout + "\n--- stderr ---\n" + stderr)
    entry: dict[str, Any] = {"status": status, "seconds": round(time.perf_counter() - start, 1), "stdout": stdout[-6000:]}
    if status != "ok":
        entry["stderr"] = stderr[-2000:]
    if out_json.exists():
        try:
            entry["json"] = json.loads(out_json.read_text())
        except ValueError:
            entry["json_error"] = f"{out_json} is not JSON"
    return entry
