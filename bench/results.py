"""Render bench/out/bench.json as bench/RESULTS.md.

    python bench/results.py [bench/out/bench.json] > bench/RESULTS.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

GOALS = (
    "Goal (issue): mailward spends at most half of rspamd's CPU per message on the same "
    "messages (rspamd's network checks off; mailward's start-up reported apart) and is at "
    "least 20 times faster than SpamAssassin; on the real corpora it flags most malicious "
    "mail, flags under 1% of ham as an attack, and finds the trackers in tracked "
    "newsletters without calling them attacks."
)
RSPAMD_GOAL = 0.5  # mailward CPU per message / rspamd's, at most

# bench/run.py rewrites the file above this line and keeps everything below it: the
# sections added by hand (one-off measurements, before/after figures) are never lost
HAND_MARKER = ("<!-- Sections below were added by hand. bench/run.py rewrites everything above "
               "this line and keeps everything below it. -->")


def kept_sections(previous: str) -> str:
    """What a rewrite must keep of the ``previous`` results file: everything below the
    marker, or, in a file without one, the whole previous file (nothing is dropped)."""
    if HAND_MARKER in previous:
        return previous.split(HAND_MARKER, 1)[1].lstrip("\n")
    if not previous.strip():
        return ""
    return "## Previous results file (kept by bench/run.py)\n\n" + previous


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def throughput_section(entries: list[dict[str, Any]]) -> list[str]:
    out = ["## Throughput", ""]
    out.append(
        "CPU = user+system seconds of the whole process tree (mailward: from wait4 on the "
        "`mailward scan` process, so start-up and reading files are included; peers: the "
        "daemon and its workers, read from /proc before and after, so the client is not "
        "included). RSS: largest single process / sum over the tree (sampled every 50 ms)."
    )
    out.append("")
    for entry in entries:
        out.append(f"### {entry['corpus']}: {entry['messages']:,} messages, {_mib(entry['bytes'])}")
        out.append("")
        out.append("| tool | messages | wall s | msg/s | CPU s | CPU ms/msg | CPU ms/msg w/o start-up | peak RSS |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---|")
        for run in entry["runs"]:
            if run.get("error"):
                out.append(f"| {run['tool']} | failed: {run['error'][:200].replace('|', '/')} | | | | | | |")
                continue
            rss = (
                f"{_fmt(run.get('peak_rss_largest_mib'), 1)} / {_fmt(run.get('peak_rss_tree_mib'), 1)} MiB"
                if "peak_rss_largest_mib" in run
                else f"{_fmt(run.get('peak_rss_tree_mib'), 1)} MiB (tree)"
            )
            errors = f" ({run['errors']} errors)" if run.get("errors") else ""
            out.append(
                f"| {run['tool']} | {_fmt(run['messages'])}{errors} | {_fmt(run['wall_s'])} | "
                f"{_fmt(run['msg_per_s'], 1)} | {_fmt(run['cpu_s'])} | {_fmt(run['cpu_ms_per_msg'], 3)} | "
                f"{_fmt(run.get('cpu_ms_per_msg_net'), 3)} | {rss} |"
            )
        ratios = entry.get("ratios") or {}
        if ratios:
            out.append("")
            names = {
                "cpu_per_msg_mailward_over_rspamd": f"CPU per message, mailward (1 job) / rspamd (goal ≤ {RSPAMD_GOAL})",
                "cpu_per_msg_mailward_net_over_rspamd": "CPU per message without mailward's start-up, mailward (1 job) / rspamd",
                "cpu_per_msg_spamassassin_over_mailward": "CPU per message, SpamAssassin / mailward (goal ≥ 20)",
                "cpu_per_msg_spamassassin_over_mailward_net": "CPU per message, SpamAssassin / mailward without its start-up",
                "msg_per_s_mailward_j2_over_rspamd": "messages/s, mailward (2 jobs) / rspamd",
            }
            for key, value in ratios.items():
                out.append(f"- {names.get(key, key)}: **{value}**")
        out.append("")
    return out


def _modules(names: list[str]) -> str:
    """mailward.rules.engine, mailward.facts.build -> mailward.rules.*"""
    groups: dict[str, int] = {}
    for name in names:
        parts = name.split(".")
        key = ".".join(parts[:2])
        groups[key] = groups.get(key, 0) + 1
    return ", ".join(f"{key}.*" if count > 1 else next(n for n in names if n.startswith(key))
                     for key, count in groups.items())


def profile_section(profiles: dict[str, Any]) -> list[str]:
    out = ["## Per-stage CPU profile", ""]
    out.append(
        "In one process (bench/profile_stages.py): every function of each mailward module is "
        "wrapped by a timer charging exclusive time to its stage; the shares are applied to "
        "the uninstrumented CPU time per message."
    )
    out.append("")
    for name, prof in profiles.items():
        if "error" in prof:
            out.append(f"- {name}: not measured: {prof['error'][:400]}")
            continue
        out.append(
            f"### {name}: {prof['messages']:,} messages, baseline {prof['baseline_cpu_ms_per_msg']:.3f} ms "
            f"CPU/msg (instrumented {prof['instrumented_cpu_ms_per_msg']:.3f})"
        )
        out.append("")
        out.append("| stage | ms/msg (est.) | share | modules |")
        out.append("|---|---:|---:|---|")
        for row in prof["stages"]:
            share = "-" if row["share"] is None else f"{100 * row['share']:.1f}%"
            out.append(
                f"| {row['stage']} | {row['ms_per_msg_estimated']:.3f} | {share} | {_modules(row['modules'])} |"
            )
        if prof.get("absent_stages"):
            out.append("")
            out.append(f"Not in this build (nothing to measure): {', '.join(prof['absent_stages'])}.")
        out.append("")
    return out


def eval_section(report: dict[str, Any]) -> list[str]:
    out = ["## Detection side by side", ""]
    if "error" in report:
        return [*out, f"Not measured: `{report['error'][:1500]}`", ""]
    out.append(
        "flagged = mailward verdict suspicious/recon/phishing/malicious; rspamd action other "
        "than `no action`; SpamAssassin score ≥ 5. trackers = messages with at least one "
        "beacon (mailward only)."
    )
    if report.get("limit"):
        out.append(f"At most {report['limit']} messages per set.")
    if report.get("sa_limit"):
        out.append(
            f"SpamAssassin is slow: it got the first {report['sa_limit']} messages of each set; the "
            f"`mailward [first {report['sa_limit']}]` row is mailward on those same messages."
        )
    out.append("")
    out.append("| set | label | goal | tool | messages | flagged | trackers | verdicts / actions |")
    out.append("|---|---|---|---|---:|---:|---:|---|")
    for entry in report["sets"]:
        for i, tool in enumerate(entry["tools"]):
            head = (
                f"| {entry['name']} | {entry['label']} | {entry['goal']} "
                if i == 0
                else "| | | "
            )
            if tool["note"]:
                out.append(f"{head}| {tool['tool']} | not run: {tool['note'][:120]} | | | |")
                continue
            n = tool["messages"]
            pct = f"{tool['flagged']:,} ({100 * tool['flagged'] / n:.1f}%)" if n else "-"
            trk = "-" if tool["trackers"] is None else (
                f"{tool['trackers']:,} ({100 * tool['trackers'] / n:.1f}%)" if n else "-"
            )
            cats = ", ".join(f"{k} {v}" for k, v in sorted(tool["categories"].items(), key=lambda kv: -kv[1]))
            if tool.get("errors"):
                cats += f" ({tool['errors']} errors)"
            if tool.get("as_expected") is not None and n:
                cats += f"; verdict as labelled: {tool['as_expected']:,} ({100 * tool['as_expected'] / n:.1f}%)"
            out.append(f"{head}| {tool['tool']} | {n:,} | {pct} | {trk} | {cats} |")
    out.append("")
    return out


def others_section(others: dict[str, Any]) -> list[str]:
    out = ["## Other benchmarks", ""]
    for script, entry in others.items():
        if entry.get("status") == "not present":
            out.append(f"- `bench/{script}`: not present in this build.")
            continue
        out.append(f"### bench/{script} ({entry['status']}, {entry.get('seconds', '-')} s)")
        out.append("")
        text = (entry.get("stdout") or "").strip()
        if text:
            out += ["```", text[-4000:], "```"]
        if entry.get("stderr"):
            out += ["stderr:", "```", entry["stderr"].strip()[-1500:], "```"]
        out.append("")
    return out


def summary_section(report: dict[str, Any]) -> list[str]:
    """The goal, checked against this run's figures (computed, not written by hand)."""
    out = ["## Summary against the goal", ""]
    for entry in report.get("throughput") or []:
        r = entry.get("ratios") or {}
        rs = r.get("cpu_per_msg_mailward_over_rspamd")
        sa = r.get("cpu_per_msg_spamassassin_over_mailward")
        parts = []
        if rs is not None:
            net = r.get("cpu_per_msg_mailward_net_over_rspamd")
            parts.append(
                f"CPU/message mailward ÷ rspamd = {rs} ({'met' if rs <= RSPAMD_GOAL else 'NOT met'}: goal ≤ {RSPAMD_GOAL}"
                + (f"; {net} without mailward's start-up" if net is not None else "") + ")"
            )
        if sa is not None:
            parts.append(f"SpamAssassin ÷ mailward = {sa} ({'met' if sa >= 20 else 'NOT met'}: goal ≥ 20)")
        if parts:
            out.append(f"- {entry['corpus']} ({entry['messages']:,} messages): " + "; ".join(parts) + ".")
    ev = report.get("eval") or {}
    for entry in ev.get("sets", []):
        tool = next((t for t in entry["tools"] if t["tool"] == "mailward"), None)
        if not tool or not tool["messages"]:
            continue
        n = tool["messages"]
        flagged = 100 * tool["flagged"] / n
        trackers = 100 * (tool["trackers"] or 0) / n
        label = entry["label"]
        if label in ("malicious", "phishing", "recon"):
            verdict = "met" if flagged > 50 else "NOT met"
            out.append(f"- {entry['name']} ({label}): mailward flags {flagged:.1f}% (goal: most; {verdict}).")
        elif label in ("ham", "journalist", "clean"):
            verdict = "met" if flagged < 1 else "NOT met"
            out.append(f"- {entry['name']} ({label}): mailward flags {flagged:.1f}% (goal < 1%; {verdict}).")
        elif label in ("ham-tracked", "newsletter", "tracking"):
            verdict = "met" if flagged < 1 and trackers > 50 else "NOT met"
            out.append(
                f"- {entry['name']} ({label}): trackers found in {trackers:.1f}%, flagged {flagged:.1f}% "
                f"(goal: trackers found, flagged < 1%; {verdict})."
            )
    out.append("")
    return out


def write_results(report: dict[str, Any], kept: str = "") -> str:
    """The results file for ``report``, with ``kept`` (see ``kept_sections``) below the marker."""
    m = report.get("machine", {})
    v = report.get("versions", {})
    out = ["# mailward benchmark results", ""]
    out.append(
        "Generated by `bench/run.py` (`make bench`); the machine-readable copy is "
        "`bench/out/bench.json` (not in git). How to read and re-run: docs/benchmarks.md."
    )
    out.append("")
    out.append(f"- Date: {report.get('date', '-')}")
    out.append(
        f"- Machine: {m.get('nproc', '-')} cores, {m.get('cpu', '-')}, {m.get('memory', '-')}, "
        f"{m.get('os', '-')} (kernel {m.get('kernel', '-')})"
    )
    load = m.get("loadavg_at_start") or m.get("loadavg_observed")
    if load:
        out.append(
            f"- Load average: {load} (other work shared the machine: compare the ratios measured "
            "in the same run, not absolute wall times)"
        )
    out.append("- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val))
    out.append(f"- Run: `{' '.join(report.get('argv', []))}`")
    out.append("")
    out.append(GOALS)
    out.append("")
    out += summary_section(report)
    if report.get("throughput"):
        out += throughput_section(report["throughput"])
    if report.get("profile"):
        out += profile_section(report["profile"])
    if report.get("eval"):
        out += eval_section(report["eval"])
    if report.get("others"):
        out += others_section(report["others"])
    out += ["## Commands", "", "```"]
    out += report.get("commands", [])
    out += ["```", "", HAND_MARKER, ""]
    return "\n".join(out) + ("\n" + kept if kept else "")


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "out" / "bench.json")
    sys.stdout.write(write_results(json.loads(source.read_text())))
