#!/usr/bin/env python3
"""mailward benchmarks, side by side with rspamd and SpamAssassin (``make bench``).

    python bench/run.py                       # everything: demo corpora 1k/10k/100k, shared corpus, peers
    python bench/run.py --sizes 1000          # a quick run
    python bench/run.py --corpus-only         # the shared corpus only, no demo corpora
    python bench/run.py --no-peers --sizes 200 --shared-corpus none   # mailward alone

Steps, each recorded in bench/out/*.json (git-ignored) and summarised in
bench/RESULTS.md:

1. prepare: install and start the peers (bench/peers/peers.py), generate the demo
   corpora (``mailward demo generate``), unpack the shared corpus;
2. throughput: ``mailward scan --format json --jobs N`` for N in --jobs, with CPU
   (user+sys of the process tree, from wait4) and memory; the same messages through
   rspamd (HTTP /checkv2) and a sample through SpamAssassin (spamd, 2 children), with
   the daemons' CPU read from /proc before and after;
3. per-stage profile of mailward's CPU time (bench/profile_stages.py);
4. detection evaluation (``mailward eval``);
5. the other benchmark scripts in bench/ (milter, hunt, beacons, identity) when present
   (bench/others.py); model_eval.py trains the plans of docs/model.md, with the demo's
   wanted mail and a ``mailward demo training`` set of 3,000 messages each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from common import COMMANDS, PY, generate_demo, log, mailward_argv, record  # noqa: E402
from others import CORPUS_DIR_SCRIPTS, run_others, script_options  # noqa: E402,F401  (the tests read them here)

from mailward.evaluate import iter_raw  # noqa: E402
from mailward.evaluate.peers import (  # noqa: E402
    Rspamd,
    Spamd,
    check_many,
    tree_cpu_seconds,
    tree_rss_bytes,
)
from mailward.evaluate.sets import CORPUS_LABELS, EvalSet, parse_set_arg, unpack_corpus  # noqa: E402

# -- machine ------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024} MiB"
    except OSError:
        pass
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = ""
    return {
        "loadavg_at_start": load,
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "os": _os_release(),
    }


def _os_release() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def versions(with_peers: bool) -> dict[str, str]:
    import mailward

    out = {"mailward": mailward.__version__, "python": platform.python_version()}
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if commit:
            out["mailward"] += f" (git {commit})"
    except OSError:
        pass
    if with_peers:
        out["rspamd"] = Rspamd().version()
        out["spamassassin"] = Spamd().version()
    return out


# -- preparation --------------------------------------------------------------


def start_peers(scratch: Path) -> tuple[dict[str, int], bool]:
    """Install and start the peers; returns their PIDs and whether this run started them."""
    import peers.peers as control

    control.install()
    base = scratch / "peers"
    for candidate in (base, control.DEFAULT_DIR):  # peers started by hand are reused
        running = control.read_pids(candidate)
        if {"rspamd", "spamassassin"} <= running.keys():
            log(f"peers already running (state in {candidate}): {running}")
            return running, False
    record([PY, "bench/peers/peers.py", "start", "--dir", str(base)])
    return control.start(base), True


def stop_peers(scratch: Path) -> None:
    import peers.peers as control

    control.stop(scratch / "peers")


def sample_dir(scratch: Path, name: str, inputs: list[Path], size: int) -> tuple[Path, int]:
    """Hard links to the first ``size`` message files of ``inputs`` (same messages every run)."""
    from mailward.evaluate.sets import iter_files

    target = scratch / "samples" / f"{name}-{size}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    count = 0
    for root in inputs:
        for path in iter_files(root):
            if count >= size:
                break
            link = target / f"{count:06d}-{path.name}"
            try:
                os.link(path, link)
            except OSError:
                shutil.copyfile(path, link)
            count += 1
    return target, count


# -- throughput ---------------------------------------------------------------


class RssSampler(threading.Thread):
    """Peak of the summed RSS of a process tree, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.peak = max(self.peak, tree_rss_bytes(self.pid))
            except (OSError, ValueError):
                pass
            self.done.wait(0.05)


def count_messages(inputs: list[Path]) -> int:
    evalset = EvalSet(name="count", label="-", path=inputs[0], members=tuple(inputs))
    return sum(1 for _ in iter_raw(evalset))


def run_mailward_scan(inputs: list[Path], jobs: int, messages: int, config: Path | None = None) -> dict[str, Any]:
    argv = [*mailward_argv(), "scan", "--format", "json", "--jobs", str(jobs)]
    if config is not None:
        argv += ["--config", str(config)]
    argv += [str(p) for p in inputs]
    record(argv, "stdout to /dev/null")
    log(f"mailward scan --jobs {jobs} ({messages} messages)")
    stderr_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"mailward-bench-{os.getpid()}.err"
    with open(os.devnull, "wb") as devnull, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=devnull, stderr=err)
        sampler = RssSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = stderr_path.read_text(errors="replace")[-2000:]
    stderr_path.unlink()
    cpu = usage.ru_utime + usage.ru_stime
    out = {
        "tool": f"mailward --jobs {jobs}",
        "messages": messages,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "user_s": round(usage.ru_utime, 3),
        "sys_s": round(usage.ru_stime, 3),
        "msg_per_s": round(messages / wall, 1) if wall else None,
        "cpu_ms_per_msg": round(1000 * cpu / messages, 3) if messages else None,
        "peak_rss_largest_mib": round(usage.ru_maxrss / 1024, 1),
        "peak_rss_tree_mib": round(sampler.peak / 2**20, 1),
        "exit": proc.returncode,
    }
    if proc.returncode != 0:
        out["error"] = stderr.strip() or f"exit {proc.returncode}"
        log(f"mailward scan failed: {out['error'][-500:]}")
    return out


def run_peer_throughput(peer: Any, pid: int, inputs: list[Path], concurrency: int) -> dict[str, Any]:
    import resource

    evalset = EvalSet(name="bench", label="-", path=inputs[0], members=tuple(inputs))
    log(f"{peer.name}: {len(inputs)} input(s), concurrency {concurrency}")
    sampler = RssSampler(pid)
    sampler.start()
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = tree_cpu_seconds(pid)
    start = time.perf_counter()
    messages = errors = flagged = 0
    for _, result in check_many(peer, iter_raw(evalset), concurrency):
        messages += 1
        errors += bool(result.error)
        flagged += result.flagged
    wall = time.perf_counter() - start
    cpu = tree_cpu_seconds(pid) - cpu_before
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    sampler.done.set()
    sampler.join()
    client = (self_after.ru_utime - self_before.ru_utime) + (self_after.ru_stime - self_before.ru_stime)
    return {
        "tool": peer.name,
        "messages": messages,
        "errors": errors,
        "flagged": flagged,
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "msg_per_s": round(messages / wall, 1) if wall else None,
        "cpu_ms_per_msg": round(1000 * cpu / messages, 3) if messages else None,
        "client_cpu_s": round(client, 3),
        "peak_rss_tree_mib": round(sampler.peak / 2**20, 1),
    }


def throughput(
    name: str, inputs: list[Path], config: Path | None, args: argparse.Namespace, pids: dict[str, int], scratch: Path
) -> dict[str, Any]:
    messages = count_messages(inputs)
    total_bytes = sum(p.stat().st_size for root in inputs for p in _files(root))
    entry: dict[str, Any] = {"corpus": name, "messages": messages, "bytes": total_bytes, "runs": []}
    for jobs in args.jobs:
        entry["runs"].append(run_mailward_scan(inputs, jobs, messages, config))
        if jobs not in STARTUP and STARTUP_RUNS > 0:
            STARTUP[jobs] = startup_cost(scratch, jobs, config)
        if jobs not in STARTUP:
            continue
        entry["runs"][-1]["startup_cpu_s"] = STARTUP[jobs]
        run = entry["runs"][-1]
        if not run.get("error") and messages > 1 and STARTUP[jobs] is not None:
            net = max(run["cpu_s"] - STARTUP[jobs], 0.0)
            run["cpu_ms_per_msg_net"] = round(1000 * net / messages, 3)
    if "rspamd" in pids:
        entry["runs"].append(run_peer_throughput(Rspamd(), pids["rspamd"], inputs, args.rspamd_concurrency))
    if "spamassassin" in pids and args.sa_sample > 0:
        sample, n = sample_dir(scratch, name, inputs, args.sa_sample)
        entry["sa_sample"] = {"messages": n}
        mw = run_mailward_scan([sample], 1, n, config)
        mw["tool"] = "mailward --jobs 1 (SpamAssassin sample)"
        if 1 not in STARTUP and STARTUP_RUNS > 0:
            STARTUP[1] = startup_cost(scratch, 1, config)
        if not mw.get("error") and n > 1 and STARTUP.get(1) is not None:
            mw["startup_cpu_s"] = STARTUP[1]
            mw["cpu_ms_per_msg_net"] = round(1000 * max(mw["cpu_s"] - STARTUP[1], 0.0) / n, 3)
        entry["runs"].append(mw)
        sa = run_peer_throughput(Spamd(), pids["spamassassin"], [sample], 2)
        sa["tool"] = "spamassassin (sample)"
        entry["runs"].append(sa)
    entry["ratios"] = ratios(entry["runs"])
    return entry


STARTUP: dict[int, float | None] = {}
STARTUP_RUNS = 3


def startup_cost(scratch: Path, jobs: int, config: Path | None) -> float | None:
    """CPU seconds of ``mailward scan`` on one tiny message: interpreter, imports, reference data."""
    one = scratch / "samples" / "startup"
    one.mkdir(parents=True, exist_ok=True)
    (one / "1.eml").write_bytes(b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nx\r\n")
    best = None
    for _ in range(STARTUP_RUNS):
        run = run_mailward_scan([one], jobs, 1, config)
        if run.get("error"):
            return None
        best = run["cpu_s"] if best is None else min(best, run["cpu_s"])
    if STARTUP_RUNS > 1:
        del COMMANDS[-(STARTUP_RUNS - 1):]
    COMMANDS[-1] += f" (one tiny message, best of {STARTUP_RUNS}: the start-up cost)"
    return best


def _files(root: Path) -> list[Path]:
    from mailward.evaluate.sets import iter_files

    return list(iter_files(root))


def ratios(runs: list[dict[str, Any]]) -> dict[str, float]:
    by = {r["tool"]: r for r in runs if not r.get("error")}
    out: dict[str, float] = {}
    mw = by.get("mailward --jobs 1")
    rs = by.get("rspamd")
    if mw and rs and rs["cpu_ms_per_msg"]:
        out["cpu_per_msg_mailward_over_rspamd"] = round(mw["cpu_ms_per_msg"] / rs["cpu_ms_per_msg"], 2)
    if mw and rs and rs["cpu_ms_per_msg"] and mw.get("cpu_ms_per_msg_net") is not None:
        out["cpu_per_msg_mailward_net_over_rspamd"] = round(mw["cpu_ms_per_msg_net"] / rs["cpu_ms_per_msg"], 2)
    mws = by.get("mailward --jobs 1 (SpamAssassin sample)")
    sa = by.get("spamassassin (sample)")
    if mws and sa and mws["cpu_ms_per_msg"]:
        out["cpu_per_msg_spamassassin_over_mailward"] = round(sa["cpu_ms_per_msg"] / mws["cpu_ms_per_msg"], 1)
        if mws.get("cpu_ms_per_msg_net"):
            out["cpu_per_msg_spamassassin_over_mailward_net"] = round(sa["cpu_ms_per_msg"] / mws["cpu_ms_per_msg_net"], 1)
    mw2 = by.get("mailward --jobs 2")
    if mw2 and rs and rs["msg_per_s"]:
        out["msg_per_s_mailward_j2_over_rspamd"] = round(mw2["msg_per_s"] / rs["msg_per_s"], 2)
    return out


# -- profile, eval, other benches ---------------------------------------------


def run_profile(inputs: list[Path], config: Path | None, limit: int, out: Path) -> dict[str, Any]:
    argv = [PY, "bench/profile_stages.py", "--limit", str(limit), "--json", str(out)]
    if config is not None:
        argv += ["--config", str(config)]
    argv += [str(p) for p in inputs]
    record(argv)
    log("per-stage profile")
    res = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        return {"error": (res.stderr or res.stdout).strip()[-2000:]}
    return dict(json.loads(out.read_text()))


def run_eval(sets: list[str], args: argparse.Namespace, scratch: Path, out: Path, with_peers: bool) -> dict[str, Any]:
    argv = [*mailward_argv(), "eval", "--bench-dir", str(scratch), "--output", str(out), "--details",
            str(out.with_suffix(".details.jsonl")), "--jobs", str(args.eval_jobs)]
    if not with_peers:
        argv.append("--no-peers")
    if args.eval_limit:
        argv += ["--limit", str(args.eval_limit)]
    if with_peers and args.eval_sa_limit:
        argv += ["--sa-limit", str(args.eval_sa_limit)]
    argv += sets
    record(argv)
    log("detection evaluation")
    res = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        return {"error": (res.stderr or res.stdout).strip()[-2000:]}
    report = dict(json.loads(out.read_text()))
    report["table"] = res.stdout
    return report


# -- main ---------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,100000", help="demo corpus sizes (comma-separated; 0 = none)")
    p.add_argument("--corpus-only", action="store_true", help="no demo corpora: the shared corpus (and --set) only")
    p.add_argument("--shared-corpus", default="", help="directory of NAME.tar.xz sets ('none' to skip; default: autodetect)")
    p.add_argument("--set", dest="extra_sets", action="append", default=[], metavar="DIR:LABEL",
                   help="an extra labelled set for throughput and evaluation (repeatable)")
    p.add_argument("--jobs", default="1,2", help="mailward --jobs values to measure")
    p.add_argument("--no-peers", action="store_true", help="mailward only")
    p.add_argument("--keep-peers", action="store_true", help="leave the peers running at the end")
    p.add_argument("--sa-sample", type=int, default=500, help="messages per corpus sent to SpamAssassin (slow)")
    p.add_argument("--rspamd-concurrency", type=int, default=32,
                   help="requests in flight to rspamd (it waits on its dead DNS, so keep many)")
    p.add_argument("--profile-limit", type=int, default=2000, help="messages in the per-stage profile")
    p.add_argument("--eval-limit", type=int, default=0, help="at most N messages per evaluation set (0 = all)")
    p.add_argument("--eval-jobs", type=int, default=2, help="mailward processes in the evaluation")
    p.add_argument("--eval-sa-limit", type=int, default=300,
                   help="SpamAssassin gets the first N messages of each evaluation set (0 = all)")
    p.add_argument("--no-throughput", action="store_true")
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("--no-eval", action="store_true")
    p.add_argument("--no-others", action="store_true", help="do not run the other bench/*.py scripts")
    p.add_argument("--other-timeout", type=int, default=1800)
    p.add_argument("--startup-runs", type=int, default=3, help="runs on one message to measure start-up cost (0: do not measure)")
    p.add_argument("--quick", action="store_true", help="shorthand: --sizes 1000 --sa-sample 200 --profile-limit 500")
    p.add_argument("--scratch", "--work", type=Path, default=REPO / "var" / "bench", help="corpora, samples, peer state")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "out", help="machine-readable results")
    p.add_argument("--results", type=Path, default=REPO / "bench" / "RESULTS.md")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.sa_sample, args.profile_limit = "1000", 200, 500
    args.sizes = [] if args.corpus_only else [int(s) for s in str(args.sizes).split(",") if s.strip() and int(s) > 0]
    args.jobs = [int(j) for j in str(args.jobs).split(",") if j.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    global STARTUP_RUNS
    args = parse_args(argv)
    STARTUP_RUNS = max(0, args.startup_runs)
    scratch = args.scratch.resolve()
    outdir = args.out.resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    outdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MAILWARD_BENCH_DIR", str(scratch))
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "argv": ["bench/run.py", *(argv if argv is not None else sys.argv[1:])],
    }
    pids: dict[str, int] = {}
    started = False
    try:
        if not args.no_peers:
            pids, started = start_peers(scratch)
        report["versions"] = versions(bool(pids))

        corpora: list[tuple[str, list[Path], Path | None]] = []
        eval_sets: list[str] = []
        for size in args.sizes:
            demo = generate_demo(scratch, size)
            config = demo / "mailward.toml"
            corpora.append((f"demo-{size}", [demo / "maildir"], config if config.is_file() else None))
            if size == min(args.sizes):
                eval_sets.append(str(demo))
        shared_sets: list[Path] = []
        if args.shared_corpus != "none":
            from mailward.evaluate.sets import shared_corpus_dir

            archives = Path(args.shared_corpus) if args.shared_corpus else shared_corpus_dir()
            if archives is not None and archives.is_dir():
                log(f"unpacking {archives} into {scratch / 'corpus'}")
                shared_sets = unpack_corpus(archives, scratch / "corpus")
        if shared_sets:
            corpora.append(("shared-corpus", shared_sets, None))
            eval_sets += [f"{p}:{CORPUS_LABELS.get(p.name, 'mixed')}" for p in shared_sets]
        for extra in args.extra_sets:
            for evalset in parse_set_arg(extra):
                corpora.append((evalset.name, evalset.inputs(), evalset.config))
            eval_sets.append(extra)
        report["corpora"] = [{"name": n, "inputs": [str(p) for p in i], "config": str(c or "")} for n, i, c in corpora]

        if not args.no_throughput:
            report["throughput"] = [throughput(n, i, c, args, pids, scratch) for n, i, c in corpora]
            _save(outdir / "throughput.json", report["throughput"])
        if not args.no_profile and corpora:
            # the smallest demo corpus and the shared corpus: synthetic and real mail
            chosen = corpora[:1] + [c for c in corpora[1:] if c[0] == "shared-corpus"]
            report["profile"] = {
                name: run_profile(inputs, config, args.profile_limit, outdir / f"profile-{name}.json")
                for name, inputs, config in chosen
            }
        if not args.no_eval and eval_sets:
            report["eval"] = run_eval(eval_sets, args, scratch, outdir / "eval.json", bool(pids))
        if not args.no_others:
            # the real corpora when there are some, else the smallest synthetic one
            corpus = shared_sets or [p for _, inputs, _ in corpora[:1] for p in inputs]
            report["others"] = run_others(args, scratch, outdir, corpus)
    finally:
        if started and not args.keep_peers:
            stop_peers(scratch)
    report["commands"] = COMMANDS
    _save(outdir / "bench.json", report)
    from results import kept_sections, write_results

    previous = args.results.read_text("utf-8") if args.results.exists() else ""
    args.results.write_text(write_results(report, kept_sections(previous)))
    log(f"wrote {args.results} and {outdir / 'bench.json'}")
    failed = [r for t in report.get("throughput", []) for r in t["runs"] if r.get("error")]
    return 1 if failed else 0


def _save(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


if __name__ == "__main__":
    sys.exit(main())
