"""Read rule files: one YAML mapping per file, ``<family>_<anything>.yaml``.

Problems are reported, not raised, with the file and line, so that ``rules lint``
can list every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..yamlload import compose_and_load

SEVERITIES = ("info", "low", "medium", "high", "critical")
VERDICT_HINTS = ("none", "tracking", "suspicious", "recon", "phishing", "malicious")
FAMILIES = (
    "beacon",
    "impersonation",
    "auth",
    "link",
    "attachment",
    "recon",
    "intel",
    "mime",
    "phishing",
    "content",
    "sender",
)
REQUIRED = ("id", "name", "description", "severity", "score", "condition", "summary", "verdict")
OPTIONAL = ("attack", "tags", "references", "evidence", "enabled", "notes")
KNOWN_FIELDS = frozenset(REQUIRED + OPTIONAL)


@dataclass(frozen=True)
class RuleSpec:
    """One rule file, as written."""

    id: str
    name: str
    description: str
    severity: str
    score: float
    condition: str
    summary: str
    verdict: str  # the verdict this finding argues for (policy decides)
    attack: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    evidence: Mapping[str, str] = field(default_factory=dict)
    enabled: bool = True
    path: Path | None = None
    condition_line: int = 0  # 1-based line of the condition's first character in the file
    condition_col: int = 0  # 1-based column (0 for block scalars: the text starts on the next line)
    condition_block: bool = False

    @property
    def family(self) -> str:
        return self.name.split("_", 1)[0].lower()


@dataclass(frozen=True)
class Problem:
    path: str
    rule: str
    message: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        return f"{where}: {self.rule or '-'}: {self.message}"


def rule_paths(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    raise TypeError("must be a list of strings")


def parse_rule(text: str, path: Path) -> tuple[RuleSpec | None, list[Problem]]:
    problems: list[Problem] = []
    where = str(path)
    try:
        node, data = compose_and_load(text)  # one parse: the nodes give line numbers
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [
            Problem(where, "", f"invalid YAML: {getattr(exc, 'problem', exc)}",
                    (mark.line + 1) if mark else 0, (mark.column + 1) if mark else 0)
        ]
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return None, [Problem(where, "", "a rule file must hold one YAML mapping")]
    name = str(data.get("name", ""))
    lines: dict[str, tuple[int, int, bool]] = {}
    for key_node, value_node in node.value:
        block = isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">")
        lines[str(key_node.value)] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1, block)
    for key in data:
        if key not in KNOWN_FIELDS:
            line = lines.get(str(key), (0, 0, False))[0]
            problems.append(Problem(where, name, f"unknown field '{key}'", line - 0))
    for key in REQUIRED:
        if key not in data or data[key] in (None, ""):
            problems.append(Problem(where, name, f"missing field '{key}'"))
    if problems:
        return None, problems
    try:
        evidence = data.get("evidence") or {}
        if not isinstance(evidence, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in evidence.items()
        ):
            raise TypeError("evidence must map names to CEL expressions")
        score = data["score"]
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise TypeError("score must be a number")
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise TypeError("enabled must be true or false")
        cond_line, cond_col, block = lines.get("condition", (0, 0, False))
        spec = RuleSpec(
            id=str(data["id"]),
            name=name,
            description=" ".join(str(data["description"]).split()),
            severity=str(data["severity"]).lower(),
            score=float(score),
            condition=str(data["condition"]),
            summary=" ".join(str(data["summary"]).split()),
            verdict=str(data["verdict"]).lower(),
            attack=_tuple(data.get("attack")),
            tags=_tuple(data.get("tags")),
            references=_tuple(data.get("references")),
            evidence=dict(evidence),
            enabled=enabled,
            path=path,
            condition_line=cond_line + (1 if block else 0),
            condition_col=0 if block else cond_col,
            condition_block=block,
        )
    except (TypeError, ValueError) as exc:
        return None, [Problem(where, name, str(exc))]
    return spec, []


def load_rule_files(dirs: Iterable[Path]) -> tuple[list[RuleSpec], list[str]]:
    """Parse every rule file of ``dirs``; return specs and problems (as text)."""
    specs: list[RuleSpec] = []
    problems: list[str] = []
    for directory in dirs:
        if not directory.is_dir():
            problems.append(f"{directory}: not a directory")
            continue
        for path in rule_paths(directory):
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{path}: cannot read: {exc}")
                continue
            spec, found = parse_rule(text, path)
            problems.extend(str(p) for p in found)
            if spec is not None:
                specs.append(spec)
    return specs, problems
