#!/usr/bin/env python3
"""Where mailward spends its CPU, per stage, in one process.

    python bench/profile_stages.py [--limit N] [--json OUT] PATH...

Loads up to N messages into memory, then:

1. scans them with ``mailward.scan.Scanner`` uninstrumented (the baseline CPU per
   message) and times the output step (``ScanResult.to_json`` + ``json.dumps``);
2. scans them again with every function and method of the mailward modules wrapped
   by a timer that charges *exclusive* time to the module's stage (a call from
   beacons into html is charged to html, not twice). Calls within one stage are not
   timed separately, which keeps the overhead low; the instrumented total is
   reported next to the baseline so the overhead is visible.

Stages are named after modules: parse (parse, headers, sniff), html, beacons
(beacons, tokens, trackers), impersonation (identity, impersonation, auth), rules,
indicators (intel), scan (the glue), output. A stage whose modules are not in this
build is listed as absent.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import sys
import time
import types
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from mailward.evaluate import iter_raw  # noqa: E402
from mailward.evaluate.sets import EvalSet  # noqa: E402

NAMED_STAGES = ("parse", "html", "beacons", "impersonation", "rules", "indicators", "scan", "output")
STAGE_OF_MODULE = {
    "parse": "parse",
    "headers": "parse",
    "sniff": "parse",
    "mime": "parse",
    "html": "html",
    "beacons": "beacons",
    "tokens": "beacons",
    "trackers": "beacons",
    "identity": "impersonation",
    "impersonation": "impersonation",
    "auth": "impersonation",
    "rules": "rules",
    "intel": "indicators",
    "share": "indicators",
    "indicators": "indicators",
    "scan": "scan",
}
# not wrapped: their time is charged to the caller (model accessors, config, tooling)
SKIP_MODULES = (
    "mailward.evaluate", "mailward.cli", "mailward.demo", "mailward.web", "mailward.store",
    "mailward.model", "mailward.result", "mailward.config",
)


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) < 2:
        return "other"
    return STAGE_OF_MODULE.get(parts[1], parts[1])


class StageTimer:
    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack: list[list[Any]] = []  # [stage, child_seconds]
        self.clock = time.perf_counter

    def wrap(self, func: Any, stage: str) -> Any:
        clock, stack, totals, calls = self.clock, self.stack, self.totals, self.calls

        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                iterator = func(*args, **kwargs)
                while True:
                    nested = bool(stack) and stack[-1][0] == stage
                    if not nested:
                        start = clock()
                        stack.append([stage, 0.0])
                    try:
                        value = next(iterator)
                    except StopIteration as stop:
                        return stop.value
                    finally:
                        if not nested:
                            frame = stack.pop()
                            elapsed = clock() - start
                            totals[stage] += elapsed - frame[1]
                            if stack:
                                stack[-1][1] += elapsed
                    yield value

            gen_wrapper.__stage_original__ = func  # type: ignore[attr-defined]
            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if stack and stack[-1][0] == stage:
                return func(*args, **kwargs)
            calls[stage] += 1
            start = clock()
            stack.append([stage, 0.0])
            try:
                return func(*args, **kwargs)
            finally:
                frame = stack.pop()
                elapsed = clock() - start
                totals[stage] += elapsed - frame[1]
                if stack:
                    stack[-1][1] += elapsed

        wrapper.__stage_original__ = func  # type: ignore[attr-defined]
        return wrapper


def instrument(timer: StageTimer) -> dict[str, list[str]]:
    """Wrap every mailward function and method; returns stage -> modules."""
    replaced: dict[int, Any] = {}
    stages: dict[str, list[str]] = defaultdict(list)
    modules = [
        m for name, m in sorted(sys.modules.items())
        if name.startswith("mailward.") and isinstance(m, types.ModuleType) and not name.startswith(SKIP_MODULES)
    ]
    for module in modules:
        stage = stage_of(module.__name__)
        stages[stage].append(module.__name__)
        for attr, value in list(vars(module).items()):
            if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
                wrapped = timer.wrap(value, stage)
                replaced[id(value)] = wrapped
                setattr(module, attr, wrapped)
            elif isinstance(value, type) and value.__module__ == module.__name__:
                for mname, member in list(vars(value).items()):
                    if mname.startswith("__") and mname != "__call__":
                        continue
                    if isinstance(member, types.FunctionType):
                        setattr(value, mname, timer.wrap(member, stage))
                    elif isinstance(member, staticmethod) and isinstance(member.__func__, types.FunctionType):
                        setattr(value, mname, staticmethod(timer.wrap(member.__func__, stage)))
                    elif isinstance(member, classmethod) and isinstance(member.__func__, types.FunctionType):
                        setattr(value, mname, classmethod(timer.wrap(member.__func__, stage)))
    # names bound by "from x import f" still point at the originals: rebind them
    for module in modules:
        for attr, value in list(vars(module).items()):
            if isinstance(value, types.FunctionType) and id(value) in replaced:
                setattr(module, attr, replaced[id(value)])
    return dict(stages)


def load(paths: list[str], limit: int) -> list[tuple[str, bytes]]:
    """Up to ``limit`` messages, shared evenly between the inputs (each set is represented)."""
    inputs = [Path(p) for p in paths]
    out: list[tuple[str, bytes]] = []
    for i, path in enumerate(inputs):
        quota = (limit - len(out)) // (len(inputs) - i)
        evalset = EvalSet(name="profile", label="-", path=path)
        out.extend(iter_raw(evalset, max(quota, 0)))
    return out


def profile(messages: list[tuple[str, bytes]], config_path: Path | None = None) -> dict[str, Any]:
    try:
        from mailward.scan import Scanner
    except ImportError as exc:
        return {"error": f"mailward.scan is not in this build: {exc}"}
    from mailward.config import load_config

    config = load_config(config_path) if config_path else None
    scanner = Scanner(config)
    for source, data in messages[:20]:  # warm the module caches (reference data, compiled rules)
        scanner.scan_bytes(data, source=source)

    cpu = time.process_time
    baseline = float("inf")
    for _ in range(2):  # the better of two passes: the first may still fill lazy caches
        start = cpu()
        results = [scanner.scan_bytes(data, source=source) for source, data in messages]
        baseline = min(baseline, cpu() - start)
    start = cpu()
    for result in results:
        json.dumps(result.to_json(), ensure_ascii=False)
    output = cpu() - start

    timer = StageTimer()
    stages_modules = instrument(timer)
    scanner = Scanner(config)
    for source, data in messages[:20]:
        scanner.scan_bytes(data, source=source)
    timer.totals.clear()
    timer.calls.clear()
    start = cpu()
    for source, data in messages:
        scanner.scan_bytes(data, source=source)
    instrumented = cpu() - start

    n = len(messages)
    stage_total = sum(timer.totals.values())
    rows = []
    for stage in sorted(timer.totals, key=lambda s: -timer.totals[s]):
        seconds = timer.totals[stage]
        rows.append({
            "stage": stage,
            "modules": stages_modules.get(stage, []),
            "ms_per_msg_instrumented": round(1000 * seconds / n, 4),
            "share": round(seconds / stage_total, 4) if stage_total else 0.0,
            # the stage's share applied to the uninstrumented CPU time
            "ms_per_msg_estimated": round(1000 * baseline * (seconds / stage_total) / n, 4) if stage_total else 0.0,
            "entries": timer.calls.get(stage, 0),
        })
    rows.append({
        "stage": "output",
        "modules": ["mailward.result (to_json) + json.dumps"],
        "ms_per_msg_instrumented": round(1000 * output / n, 4),
        "ms_per_msg_estimated": round(1000 * output / n, 4),
        "share": None,
        "entries": n,
    })
    verdicts: dict[str, int] = defaultdict(int)
    for result in results:
        verdicts[str(result.verdict)] += 1
    absent = [s for s in NAMED_STAGES if s != "output" and not stages_modules.get(s)]
    return {
        "messages": n,
        "bytes": sum(len(d) for _, d in messages),
        "baseline_cpu_ms_per_msg": round(1000 * baseline / n, 4),
        "instrumented_cpu_ms_per_msg": round(1000 * instrumented / n, 4),
        "output_cpu_ms_per_msg": round(1000 * output / n, 4),
        "stages": rows,
        "absent_stages": absent,
        "verdicts": dict(verdicts),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--config", type=Path, help="mailward configuration (e.g. the demo's mailward.toml)")
    args = parser.parse_args()
    messages = load(args.paths, args.limit)
    if not messages:
        print("profile_stages: no messages", file=sys.stderr)
        return 2
    report = profile(messages, args.config)
    report["inputs"] = args.paths
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if "error" in report:
        print(f"profile_stages: {report['error']}", file=sys.stderr)
        return 1
    print(f"{report['messages']} messages, baseline {report['baseline_cpu_ms_per_msg']:.3f} ms CPU/msg "
          f"(instrumented {report['instrumented_cpu_ms_per_msg']:.3f})")
    for row in report["stages"]:
        print(f"  {row['stage']:<15} {row['ms_per_msg_estimated']:>8.3f} ms/msg  {', '.join(row['modules'])}")
    if report["absent_stages"]:
        print(f"  absent in this build: {', '.join(report['absent_stages'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
