"""``mailward eval``: detection side by side with rspamd and SpamAssassin.

For every set (a directory of messages with a label) it counts, per tool: the
messages, how many were flagged as an attack, how many carried trackers (mailward
only), and the per-verdict (or per-action) counts. "Flagged" means:

- mailward: verdict suspicious, recon, phishing or malicious (``Verdict.is_attack``);
- rspamd: an action other than "no action";
- SpamAssassin: a score of 5 or more.

The peers are asked over the network on 127.0.0.1 and must already run (``python
bench/peers/peers.py start``); their answers are cached by message hash so that a
second run only asks about new messages.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click

from mailward.sources import iter_sources

from .peers import RSPAMD_DEFAULT, SPAMD_DEFAULT, Peer, PeerResult, Rspamd, Spamd, check_many
from .sets import CORPUS_LABELS, GOALS, EvalSet, SetError, bench_dir, default_sets, parse_set_arg
from .sets import iter_files as iter_files

__all__ = ["CORPUS_LABELS", "EvalSet", "Tally", "eval_command", "evaluate", "render_table"]

MAILWARD_VERDICTS = ("clean", "tracking", "suspicious", "recon", "phishing", "malicious", "unscannable")
ATTACK_VERDICTS = frozenset({"suspicious", "recon", "phishing", "malicious"})


@dataclass
class Tally:
    """One tool's counts on one set."""

    tool: str
    messages: int = 0
    flagged: int = 0
    trackers: int | None = None  # None: the tool does not report trackers
    categories: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    unreadable: int = 0  # files the source reader reported as unusable (the same for every tool)
    as_expected: int | None = None  # mailward verdicts among the labels' acceptable ones
    seconds: float = 0.0
    note: str = ""  # why the tool did not run

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "messages": self.messages,
            "flagged": self.flagged,
            "flagged_rate": round(self.flagged / self.messages, 4) if self.messages else None,
            "trackers": self.trackers,
            "categories": dict(sorted(self.categories.items())),
            "errors": self.errors,
            "unreadable": self.unreadable,
            "as_expected": self.as_expected,
            "seconds": round(self.seconds, 3),
            "note": self.note,
        }


# -- reading messages ---------------------------------------------------------


def iter_raw(
    evalset: EvalSet, limit: int | None = None, unreadable: list[tuple[str, str]] | None = None
) -> Iterator[tuple[str, bytes]]:
    """(source, bytes) for every message of a set, through mailward's own source reader.

    Files the reader cannot use are appended to ``unreadable`` as (source, reason).
    """
    count = 0
    for item in iter_sources([str(p) for p in evalset.inputs()]):
        data = getattr(item, "data", None)
        if data is None:
            if unreadable is not None:
                unreadable.append((item.source, str(getattr(item, "error", "unreadable"))))
            continue
        if limit is not None and count >= limit:
            return
        count += 1
        yield item.source, data


# -- mailward -----------------------------------------------------------------

_SCANNERS: dict[str, Any] = {}


def _scanner(config_path: str) -> Any:
    scanner = _SCANNERS.get(config_path)
    if scanner is None:
        from mailward.config import load_config
        from mailward.scan import Scanner

        scanner = Scanner(load_config(config_path) if config_path else None)
        _SCANNERS[config_path] = scanner
    return scanner


def _scan_one(item: tuple[str, str, bytes]) -> tuple[str, str, int]:
    config_path, source, data = item
    result = _scanner(config_path).scan_bytes(data, source=source)
    return source, str(result.verdict), len(result.beacons)


def _bounded_map(func: Any, items: Iterable[Any], jobs: int) -> Iterator[Any]:
    """``map`` in ``jobs`` processes, keeping order and a bounded number in flight."""
    if jobs <= 1:
        yield from map(func, items)
        return
    from concurrent.futures import ProcessPoolExecutor

    window = jobs * 16
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: list[Any] = []
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) >= window:
                for future in pending[: window // 2]:
                    yield future.result()
                del pending[: window // 2]
        for future in pending:
            yield future.result()


def run_mailward(
    evalset: EvalSet,
    limit: int | None,
    jobs: int,
    details: dict[str, dict[str, Any]] | None,
    subset: int | None = None,
) -> list[Tally]:
    """mailward's tally of the set and, with ``subset``, a second one of its first messages."""
    tally = Tally("mailward", trackers=0)
    part = Tally(f"mailward [first {subset}]", trackers=0) if subset else None
    config = str(evalset.config) if evalset.config else ""
    _scanner(config)  # a bad configuration fails here, once, with its own message
    expected = evalset.acceptable
    if expected is not None:
        tally.as_expected = 0
    unreadable: list[tuple[str, str]] = []
    items = ((config, source, data) for source, data in iter_raw(evalset, limit, unreadable))
    start = time.perf_counter()
    for source, verdict, beacons in _bounded_map(_scan_one, items, jobs):
        for t in (tally, part) if part is not None and subset and tally.messages < subset else (tally,):
            t.messages += 1
            if expected is not None:
                t.as_expected = (t.as_expected or 0) + (verdict in expected.get(source, ()))
            t.categories[verdict] += 1
            if verdict in ATTACK_VERDICTS:
                t.flagged += 1
            if beacons:
                t.trackers = (t.trackers or 0) + 1
        if details is not None:
            details.setdefault(source, {})["mailward"] = {"verdict": verdict, "beacons": beacons}
    tally.seconds = time.perf_counter() - start
    tally.unreadable = len(unreadable)
    if part is None or part.messages >= tally.messages:
        return [tally]  # the set is no larger than the subset: one row says it all
    return [tally, part]


# -- peers --------------------------------------------------------------------


class PeerCache:
    """Peer answers by (peer, version, sha256 of the message), in a JSON Lines file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, PeerResult] = {}
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.entries[entry["key"]] = PeerResult.from_json(entry["result"])
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line after an interrupted run
        self._out: TextIO | None = None

    def get(self, key: str) -> PeerResult | None:
        return self.entries.get(key)

    def put(self, key: str, result: PeerResult) -> None:
        if result.error:
            return  # never cache a failure
        self.entries[key] = result
        if self.path is not None:
            if self._out is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._out = self.path.open("a", encoding="utf-8")
            self._out.write(json.dumps({"key": key, "result": result.to_json()}) + "\n")
            self._out.flush()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


def run_peer(
    peer: Peer,
    evalset: EvalSet,
    limit: int | None,
    concurrency: int,
    cache: PeerCache,
    version: str,
    details: dict[str, dict[str, Any]] | None,
) -> Tally:
    import hashlib

    tally = Tally(peer.name)
    start = time.perf_counter()

    def count(source: str, result: PeerResult) -> None:
        tally.messages += 1
        if result.error:
            tally.errors += 1
            tally.categories["error"] += 1
        else:
            tally.categories[result.category] += 1
            tally.flagged += int(result.flagged)
        if details is not None:
            details.setdefault(source, {})[peer.name] = {
                "category": result.category,
                "score": result.score,
                "error": result.error,
            }

    unreadable: list[tuple[str, str]] = []

    def uncached() -> Iterator[tuple[tuple[str, str], bytes]]:
        for source, data in iter_raw(evalset, limit, unreadable):
            key = f"{peer.name}|{version}|{hashlib.sha256(data).hexdigest()}"
            hit = cache.get(key)
            if hit is not None:
                count(source, hit)
            else:
                yield (source, key), data

    for (source, key), result in check_many(peer, uncached(), concurrency):
        cache.put(key, result)
        count(source, result)
    tally.seconds = time.perf_counter() - start
    tally.unreadable = len(unreadable)
    return tally


# -- the whole evaluation -----------------------------------------------------


def evaluate(
    sets: list[EvalSet],
    *,
    peers: list[Peer],
    limit: int | None = None,
    sa_limit: int | None = None,
    jobs: int = 1,
    cache_dir: Path | None = None,
    concurrency: dict[str, int] | None = None,
    details: dict[str, dict[str, Any]] | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Run mailward and every reachable peer over every set; returns the JSON report."""
    concurrency = concurrency or {}
    peer_info: dict[str, dict[str, str]] = {}
    live: list[tuple[Peer, str, PeerCache]] = []
    for peer in peers:
        problem = peer.reachable()
        version = peer.version() if not problem else ""
        peer_info[peer.name] = {"version": version, "error": problem}
        if not problem:
            path = cache_dir / f"{peer.name}.jsonl" if cache_dir is not None else None
            live.append((peer, version, PeerCache(path)))
    report: dict[str, Any] = {"peers": peer_info, "sets": []}
    try:
        for evalset in sets:
            if progress:
                progress(f"{evalset.name}: mailward")
            slow = any(peer.name == "spamassassin" for peer, _, _ in live)
            subset = sa_limit if slow and sa_limit and (limit is None or sa_limit < limit) else None
            tallies = run_mailward(evalset, limit, jobs, details, subset)
            for peer, version, cache in live:
                if progress:
                    progress(f"{evalset.name}: {peer.name}")
                tallies.append(
                    run_peer(
                        peer,
                        evalset,
                        (subset or limit) if peer.name == "spamassassin" else limit,
                        concurrency.get(peer.name, 2),
                        cache,
                        version,
                        details,
                    )
                )
            for peer in peers:
                if peer_info[peer.name]["error"]:
                    tallies.append(Tally(peer.name, note=peer_info[peer.name]["error"]))
            report["sets"].append(
                {
                    "name": evalset.name,
                    "label": evalset.label,
                    "goal": GOALS.get(evalset.label, "-"),
                    "path": str(evalset.path),
                    "tools": [t.to_json() for t in tallies],
                }
            )
    finally:
        for _, _, cache in live:
            cache.close()
    return report


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def render_table(report: dict[str, Any]) -> str:
    """The side-by-side text view of a report."""
    lines = []
    header = f"{'set':<28} {'label':<12} {'tool':<13} {'messages':>8} {'flagged':>16} {'trackers':>16}  verdicts / actions"
    lines.append(header)
    lines.append("-" * len(header))
    for entry in report["sets"]:
        first = True
        for tool in entry["tools"]:
            name = entry["name"] if first else ""
            label = entry["label"] if first else ""
            first = False
            if tool["note"]:
                lines.append(f"{name:<28} {label:<12} {tool['tool']:<13} not run: {tool['note']}")
                continue
            n = tool["messages"]
            flagged = f"{tool['flagged']} ({_pct(tool['flagged'], n)})"
            trackers = "-" if tool["trackers"] is None else f"{tool['trackers']} ({_pct(tool['trackers'], n)})"
            cats = ", ".join(f"{k} {v}" for k, v in sorted(tool["categories"].items(), key=lambda kv: -kv[1]))
            if tool["errors"]:
                cats += f"  [{tool['errors']} errors]"
            if tool.get("unreadable"):
                cats += f"  [{tool['unreadable']} files unreadable]"
            if tool.get("as_expected") is not None:
                cats += f"  [verdict as labelled: {tool['as_expected']} ({_pct(tool['as_expected'], n)})]"
            lines.append(f"{name:<28} {label:<12} {tool['tool']:<13} {n:>8} {flagged:>16} {trackers:>16}  {cats}")
        lines.append(f"{'':<28} {'':<12} goal: {entry['goal']}")
    for name, info in report["peers"].items():
        if info["version"]:
            lines.append(f"{name}: {info['version']}")
    lines.append(
        "flagged = mailward suspicious/recon/phishing/malicious; rspamd action other than "
        "'no action'; SpamAssassin score >= 5"
    )
    return "\n".join(lines)


def _peer_list(no_peers: bool, names: str, rspamd: str, spamd: str) -> list[Peer]:
    if no_peers:
        return []
    peers: list[Peer] = []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        if name == "rspamd":
            peers.append(Rspamd(rspamd))
        elif name in ("spamassassin", "sa", "spamd"):
            peers.append(Spamd(spamd))
        else:
            raise click.BadParameter(f"unknown peer {name!r} (rspamd, spamassassin)", param_hint="--peers")
    return peers


@click.command("eval")
@click.argument("sets", nargs=-1, metavar="[DIR:LABEL]...")
@click.option("--no-peers", is_flag=True, help="Run mailward only.")
@click.option("--peers", "peer_names", default="rspamd,spamassassin", show_default=True, help="Peers to compare with.")
@click.option("--rspamd", default=RSPAMD_DEFAULT, show_default=True, help="rspamd normal worker HOST:PORT.")
@click.option("--spamd", default=SPAMD_DEFAULT, show_default=True, help="spamd HOST:PORT.")
@click.option("--limit", type=click.IntRange(min=1), help="At most N messages per set (the first N in file order).")
@click.option(
    "--sa-limit",
    type=click.IntRange(min=1),
    help="SpamAssassin gets only the first N messages of each set (it is slow); mailward's "
    "figures on the same N are shown in an extra row.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="mailward processes.")
@click.option("--rspamd-concurrency", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--spamd-concurrency", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON report here.")
@click.option("--details", type=click.Path(dir_okay=False, path_type=Path), help="Write per-message results (JSON Lines) here.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), help="Peer answer cache [default: BENCH_DIR/peer-cache].")
@click.option("--no-cache", is_flag=True, help="Ask the peers again about every message.")
@click.option("--bench-dir", type=click.Path(file_okay=False, path_type=Path), help="Where corpora are unpacked [default: $MAILWARD_BENCH_DIR or var/bench].")
def eval_command(
    sets: tuple[str, ...],
    no_peers: bool,
    peer_names: str,
    rspamd: str,
    spamd: str,
    limit: int | None,
    sa_limit: int | None,
    jobs: int,
    rspamd_concurrency: int,
    spamd_concurrency: int,
    fmt: str,
    output: Path | None,
    details: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    bench_dir: Path | None,
) -> None:
    """Detection side by side with rspamd and SpamAssassin, per labelled set.

    Each SET is DIR:LABEL (e.g. mail/ham:ham), or a directory with a labels.jsonl.
    With no SET, the shared corpora (unpacked into the bench directory) and the
    demo generator's labelled directories there are used.
    """
    base = bench_dir or _default_bench_dir()
    try:
        chosen = [s for arg in sets for s in parse_set_arg(arg)] if sets else default_sets(base)
    except SetError as exc:
        raise click.UsageError(str(exc)) from None
    if not chosen:
        raise click.UsageError(
            "no sets: give DIR:LABEL arguments, or unpack the shared corpus "
            "(set MAILWARD_SHARED_CORPUS) or generate demo data into the bench directory"
        )
    peers = _peer_list(no_peers, peer_names, rspamd, spamd)
    per_message: dict[str, dict[str, Any]] | None = {} if details else None

    def progress(text: str) -> None:
        click.echo(f"eval: {text}", err=True)

    from mailward.config import ConfigError

    try:
        report = evaluate(
            chosen,
            peers=peers,
            limit=limit,
            sa_limit=sa_limit,
            jobs=jobs,
            cache_dir=None if no_cache else (cache_dir or base / "peer-cache"),
            concurrency={"rspamd": rspamd_concurrency, "spamassassin": spamd_concurrency},
            details=per_message,
            progress=progress,
        )
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    from mailward import __version__ as mw_version

    report["mailward_version"] = mw_version
    report["python"] = sys.version.split()[0]
    report["limit"] = limit
    report["sa_limit"] = sa_limit
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
    if details and per_message is not None:
        details.parent.mkdir(parents=True, exist_ok=True)
        with details.open("w", encoding="utf-8") as out:
            for source, tools in per_message.items():
                out.write(json.dumps({"source": source, **tools}) + "\n")
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(render_table(report))


def _default_bench_dir() -> Path:
    return bench_dir()
