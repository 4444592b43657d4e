"""Evaluation sets: directories of messages with a label.

A set is given as ``DIR:LABEL`` on the command line, or found by default: the
unpacked shared corpora (``NAME.tar.xz`` unpacked once into the bench directory) and
the demo generator's labelled output (a directory with ``labels.jsonl``, split into
one set per label).
"""

from __future__ import annotations

import json
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mailward.errors import MailwardError

ENV_BENCH_DIR = "MAILWARD_BENCH_DIR"
ENV_SHARED_CORPUS = "MAILWARD_SHARED_CORPUS"

# the shared corpora and what they are (their README): set name -> label
CORPUS_LABELS: dict[str, str] = {
    "phishing_pot": "malicious",
    "phishing_nazario": "malicious",
    "sa_spam": "spam",
    "sa_ham": "ham",
    "newsletters_unspy": "ham-tracked",
    "pypi_mailparser_tests": "mixed",
}

# what a good scanner does with each label
GOALS: dict[str, str] = {
    "malicious": "flag most",
    "phishing": "flag most",
    "recon": "flag most",
    "spam": "flag many (spam is not the target)",
    "ham": "flag < 1%",
    "ham-tracked": "find trackers, flag < 1%",
    "tracking": "find trackers, flag < 1%",
    "clean": "flag < 1%",
    "mixed": "-",
    # the demo generator's kinds
    "journalist": "flag < 1%",
    "newsletter": "find trackers, flag < 1%",
    "malformed": "no failure; any verdict",
}

_FILE_KEYS = ("path", "file", "filename", "source", "name", "eml")
_LABEL_KEYS = ("label", "expected", "truth", "class", "kind", "verdict")


class SetError(MailwardError):
    """A set argument or a labels file is unusable; the message says why."""


@dataclass(frozen=True)
class EvalSet:
    name: str
    label: str
    path: Path
    members: tuple[Path, ...] | None = None  # a subset of files below ``path``; None = all
    config: Path | None = None  # mailward configuration for this set (the demo's mailward.toml)
    # per message (its path as given): the verdicts that count as right, when known
    acceptable: dict[str, tuple[str, ...]] | None = None

    def inputs(self) -> list[Path]:
        return list(self.members) if self.members is not None else [self.path]


def bench_dir() -> Path:
    return Path(os.environ.get(ENV_BENCH_DIR) or "var/bench")


def shared_corpus_dir() -> Path | None:
    env = os.environ.get(ENV_SHARED_CORPUS)
    candidates = [Path(env)] if env else []
    candidates += [Path("../shared/corpus"), Path(__file__).resolve().parents[4] / "shared" / "corpus"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


def unpack_corpus(archive_dir: Path, into: Path) -> list[Path]:
    """Unpack every ``NAME.tar.xz`` once into ``into/NAME``; returns the set directories."""
    out = []
    for archive in sorted(archive_dir.glob("*.tar.xz")):
        name = archive.name.removesuffix(".tar.xz")
        target = into / name
        marker = into / f".{name}.unpacked"
        if not marker.exists() or marker.stat().st_mtime < archive.stat().st_mtime:
            into.mkdir(parents=True, exist_ok=True)
            with tarfile.open(archive, "r:xz") as tar:
                tar.extractall(into, filter="data")
            marker.touch()
        if target.is_dir():
            out.append(target)
    return out


def parse_set_arg(arg: str) -> list[EvalSet]:
    """``DIR:LABEL`` -> one set; ``DIR`` with a labels.jsonl -> one set per label."""
    path_text, sep, label = arg.rpartition(":")
    if not sep or not path_text or "/" in label:
        path_text, label = arg, ""
    path = Path(path_text)
    if not path.exists():
        raise SetError(f"{path}: no such file or directory")
    if label:
        return [EvalSet(name=path.name or str(path), label=label, path=path)]
    if (path / "labels.jsonl").is_file():
        return labelled_sets(path)
    if path.name in CORPUS_LABELS:
        return [EvalSet(name=path.name, label=CORPUS_LABELS[path.name], path=path)]
    raise SetError(f"{arg}: give a label as DIR:LABEL (e.g. {path_text}:ham)")


def labelled_sets(directory: Path) -> list[EvalSet]:
    """Split a directory with ``labels.jsonl`` (one object per message) into one set per label."""
    groups: dict[str, list[Path]] = {}
    acceptable: dict[str, dict[str, tuple[str, ...]]] = {}
    labels_file = directory / "labels.jsonl"
    for lineno, line in enumerate(labels_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise SetError(f"{labels_file}:{lineno}: not JSON: {exc}") from None
        if not isinstance(entry, dict):
            raise SetError(f"{labels_file}:{lineno}: expected an object")
        file = next((str(entry[k]) for k in _FILE_KEYS if entry.get(k)), "")
        label = next((str(entry[k]) for k in _LABEL_KEYS if entry.get(k)), "")
        if not file or not label:
            raise SetError(f"{labels_file}:{lineno}: needs a file ({'/'.join(_FILE_KEYS)}) and a label")
        member = directory / file
        if not member.exists():
            raise SetError(f"{labels_file}:{lineno}: {member} does not exist")
        groups.setdefault(label, []).append(member)
        right = entry.get("acceptable") or ([entry["verdict"]] if entry.get("verdict") else [])
        if isinstance(right, list) and right:
            acceptable.setdefault(label, {})[str(member)] = tuple(str(v) for v in right)
    config = directory / "mailward.toml"
    return [
        EvalSet(
            name=f"{directory.name}:{label}",
            label=label,
            path=directory,
            members=tuple(files),
            config=config if config.is_file() else None,
            acceptable=acceptable.get(label),
        )
        for label, files in sorted(groups.items())
    ]


def default_sets(base: Path | None = None, archives: Path | None = None) -> list[EvalSet]:
    """The unpacked shared corpora plus every labelled demo directory in the bench dir."""
    base = base or bench_dir()
    archives = archives or shared_corpus_dir()
    corpus = base / "corpus"
    if archives is not None:
        unpack_corpus(archives, corpus)
    sets = []
    for name, label in CORPUS_LABELS.items():
        if (corpus / name).is_dir():
            sets.append(EvalSet(name=name, label=label, path=corpus / name))
    # the demo generator makes the same kinds of mail at every size: the smallest will do
    demos = sorted(base.glob("*/labels.jsonl"), key=lambda p: (p.stat().st_size, str(p)))
    if demos:
        sets.extend(labelled_sets(demos[0].parent))
    return sets


def iter_files(root: Path) -> Iterator[Path]:
    """Every regular file below ``root`` in a stable order, skipping labels and dot files."""
    if root.is_file():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name == "labels.jsonl":
                continue
            yield Path(dirpath) / name
