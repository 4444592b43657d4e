"""Check rules before they run: fields, names, ids, conditions, facts paths, samples.

CEL itself reports syntax errors (with line and column, mapped here to the rule
file). It only finds unknown fields when evaluating, so the field paths a
condition uses are checked against ``schema.SCHEMA`` here: identifiers are read
from the expression with string literals blanked out, and names bound by the
list macros (``links.exists(l, l.ip_host)``) resolve to the list's element.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .celcore import cel, compile_expr
from .rulefile import FAMILIES, SEVERITIES, VERDICT_HINTS, Problem, RuleSpec
from .schema import SCHEMA, Field, empty_facts, example_facts

_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_ATTACK = re.compile(r"^T\d{4}(?:\.\d{3})?$")
# string literals of CEL: '...', "...", triple-quoted, with r/b prefixes
_STRING = re.compile(r"""[rRbB]{0,2}(?:'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""", re.S)
_CHAIN = re.compile(r"(?<![\w.])([A-Za-z_]\w*)((?:\s*\.\s*[A-Za-z_]\w*)*)(\s*\()?")
_BIND = re.compile(
    r"([A-Za-z_][\w.]*)\s*\.\s*(?:exists|all|exists_one|filter|map)\s*\(\s*([A-Za-z_]\w*)\s*,"
)
_CEL_POS = re.compile(r"<input>:(\d+):(\d+)")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_BUILTIN_NAMES = frozenset(
    {"true", "false", "null", "in", "size", "int", "uint", "double", "string", "bool", "bytes",
     "has", "type", "dyn", "duration", "timestamp", "list", "map"}
)  # note: "matches" is deliberately absent
_FUNCTIONS = frozenset({"rx", "rx_find", "any_rx"})
# what the CEL engine evaluates; the strings extension (lowerAscii, trim, replace,
# substring, ...) is not available and fails at run time, so lint refuses it
_METHODS = frozenset(
    {"size", "contains", "startsWith", "endsWith", "matches", "exists", "all", "exists_one",
     "filter", "map"}
)


def _blank_strings(expr: str) -> str:
    return _STRING.sub(lambda m: " " * len(m.group(0)), expr)


def _resolve(path: Sequence[str], bound: Mapping[str, Field]) -> tuple[Field | None, str]:
    """Resolve a dotted path; return (field, '') or (None, the failing part)."""
    root = path[0]
    current: Field | None = bound.get(root) or SCHEMA.get(root)
    if current is None:
        return None, root
    for i, name in enumerate(path[1:], start=1):
        if current.is_object:
            nxt = current.fields.get(name)
            if nxt is None:
                return None, ".".join(path[: i + 1])
            current = nxt
        else:
            return None, ".".join(path[: i + 1])
    return current, ""


def field_problems(expr: str) -> list[tuple[str, int]]:
    """Unknown names in ``expr``: (message, offset)."""
    text = _blank_strings(expr)
    bound: dict[str, Field] = {}
    problems: list[tuple[str, int]] = []
    # bindings first, in order, so that nested macros resolve
    for match in _BIND.finditer(text):
        target = [p.strip() for p in match.group(1).split(".")]
        var = match.group(2)
        field, failing = _resolve(target, bound)
        if field is None:
            continue  # reported below as an unknown path
        if not field.is_list:
            problems.append((f"'{'.'.join(target)}' is {field.type}, not a list", match.start(1)))
            continue
        bound[var] = field.element
    for match in _CHAIN.finditer(text):
        root = match.group(1)
        rest = [p.strip() for p in match.group(2).split(".")[1:]] if match.group(2) else []
        is_call = bool(match.group(3))
        if root in _BUILTIN_NAMES or (not rest and is_call and root in _FUNCTIONS):
            continue
        if not rest and is_call:
            hint = ": use rx(pattern, text) (RE2, compiled once)" if root == "matches" else ""
            problems.append((f"unknown function '{root}'{hint}", match.start(1)))
            continue
        path = [root, *rest]
        if is_call and rest:
            method = path.pop()
            if method == "matches":
                problems.append(("use rx(pattern, text) (RE2, compiled once) instead of matches()", match.start(1)))
            elif method not in _METHODS:
                problems.append((f"unknown method '{method}'", match.start(1)))
        if root in bound and len(path) == 1:
            continue
        if root not in bound and root not in SCHEMA:
            # a macro variable bound later in the text (e.g. inside all(x, ...)) is fine
            if re.search(rf"\(\s*{re.escape(root)}\s*,", text):
                continue
            problems.append((f"unknown fact '{root}'", match.start(1)))
            continue
        field, failing = _resolve(path, bound)
        if field is None:
            problems.append((f"unknown fact '{failing}'", match.start(1)))
    return problems


def _position(spec: RuleSpec, offset: int) -> tuple[int, int]:
    """File line and column of an offset into the condition."""
    before = spec.condition[:offset]
    line_in = before.count("\n")
    col_in = offset - (before.rfind("\n") + 1)
    if spec.condition_block:
        return spec.condition_line + line_in, col_in + 3  # two-space indent in block scalars
    if line_in == 0:
        return spec.condition_line, spec.condition_col + col_in
    return spec.condition_line + line_in, col_in + 1


def _cel_offset(expr: str, message: str) -> int:
    match = _CEL_POS.search(message)
    if not match:
        return 0
    line, col = int(match.group(1)), int(match.group(2))
    lines = expr.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + max(col - 1, 0)


def _compile_problems(spec: RuleSpec, where: str, label: str, expr: str) -> list[Problem]:
    try:
        compile_expr(expr)
    except ValueError as exc:
        text = str(exc)
        offset = _cel_offset(expr, text)
        line, col = _position(spec, offset) if label == "condition" else (0, 0)
        detail = _CEL_POS.sub("", text.split("ERROR: ", 1)[-1].split("\n", 1)[0]).lstrip(": ")
        detail = detail.removeprefix("Syntax error: ")
        return [Problem(where, spec.name, f"{label}: syntax error: {detail}", line, col)]
    problems = []
    for message, offset in field_problems(expr):
        line, col = _position(spec, offset) if label == "condition" else (0, 0)
        problems.append(Problem(where, spec.name, f"{label}: {message}", line, col))
    return problems


@functools.cache
def _check_contexts() -> dict[str, Any]:
    """CEL contexts over populated and empty facts, built once (conversion is costly)."""
    from .engine import FUNCTIONS

    return {
        "populated": cel.Context(variables=example_facts(), functions=FUNCTIONS),
        "empty": cel.Context(variables=empty_facts(), functions=FUNCTIONS),
    }


def _type_problems(spec: RuleSpec, where: str) -> list[Problem]:
    """Evaluate the condition over populated and empty facts: it must give a bool."""

    problems = []
    for label, ctx in _check_contexts().items():
        try:
            value = compile_expr(spec.condition).execute(ctx)
        except (KeyError, TypeError, ValueError, RuntimeError, IndexError, ArithmeticError) as exc:
            if label == "empty" and isinstance(exc, IndexError | RuntimeError) and "index" in str(exc).lower():
                continue
            problems.append(Problem(where, spec.name, f"condition fails on {label} facts: {type(exc).__name__}: {exc}",
                                    spec.condition_line))
            continue
        if not isinstance(value, bool):
            problems.append(Problem(where, spec.name, f"condition must give true/false, gave {type(value).__name__}",
                                    spec.condition_line))
    ctx = _check_contexts()["populated"]
    for key, expr in spec.evidence.items():
        try:
            compile_expr(expr).execute(ctx)
        except (KeyError, TypeError, ValueError, RuntimeError, IndexError, ArithmeticError) as exc:
            problems.append(Problem(where, spec.name, f"evidence '{key}' fails: {type(exc).__name__}: {exc}"))
    return problems


def samples_dir(spec: RuleSpec) -> Path | None:
    if spec.path is None:
        return None
    return spec.path.parent / "samples" / spec.name


def sample_files(spec: RuleSpec, kind: str) -> list[Path]:
    base = samples_dir(spec)
    if base is None or not (base / kind).is_dir():
        return []
    return sorted((base / kind).glob("*.eml"))


def lint_specs(specs: Iterable[RuleSpec], *, check_samples: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for spec in specs:
        where = str(spec.path or "-")
        add = problems.append
        if not _NAME.match(spec.name):
            add(Problem(where, spec.name, "name must be UPPER_SNAKE with a family prefix"))
        if spec.family not in FAMILIES:
            add(Problem(where, spec.name, f"unknown family '{spec.family}' (one of {', '.join(FAMILIES)})"))
        if spec.path is not None and not spec.path.name.startswith(spec.family + "_"):
            add(Problem(where, spec.name, f"file name must start with '{spec.family}_'"))
        if spec.severity not in SEVERITIES:
            add(Problem(where, spec.name, f"severity must be one of {', '.join(SEVERITIES)}"))
        if spec.verdict not in VERDICT_HINTS:
            add(Problem(where, spec.name, f"verdict must be one of {', '.join(VERDICT_HINTS)}"))
        for attack in spec.attack:
            if not _ATTACK.match(attack):
                add(Problem(where, spec.name, f"not an ATT&CK technique id: '{attack}'"))
        if spec.id in ids:
            add(Problem(where, spec.name, f"duplicate id '{spec.id}' (also in {ids[spec.id]})"))
        ids.setdefault(spec.id, where)
        if spec.name in names:
            add(Problem(where, spec.name, f"duplicate name (also in {names[spec.name]})"))
        names.setdefault(spec.name, where)
        cond = _compile_problems(spec, where, "condition", spec.condition)
        problems.extend(cond)
        for key, expr in spec.evidence.items():
            if not re.match(r"^[a-z_][a-z0-9_]*$", key):
                add(Problem(where, spec.name, f"evidence name '{key}' must be lower_snake"))
            problems.extend(_compile_problems(spec, where, f"evidence '{key}'", expr))
        for placeholder in _PLACEHOLDER.findall(spec.summary):
            if placeholder not in spec.evidence:
                add(Problem(where, spec.name, f"summary uses '{{{placeholder}}}' which is not an evidence name"))
        if not cond:
            problems.extend(_type_problems(spec, where))
        if check_samples:
            for kind in ("hit", "miss"):
                if not sample_files(spec, kind):
                    add(Problem(where, spec.name, f"no '{kind}' samples in {samples_dir(spec)}/{kind}/"))
    return problems


def used_fields(expr: str) -> list[str]:
    """The facts paths an expression reads, lists written as ``links[].host``."""
    text = _blank_strings(expr)
    bound: dict[str, str] = {}
    for match in _BIND.finditer(text):
        target = ".".join(p.strip() for p in match.group(1).split("."))
        root = target.split(".", 1)[0]
        if root in bound:
            target = bound[root] + target[len(root):]
        bound[match.group(2)] = target + "[]"
    out: dict[str, None] = {}
    for match in _CHAIN.finditer(text):
        root = match.group(1)
        rest = [p.strip() for p in match.group(2).split(".")[1:]] if match.group(2) else []
        if match.group(3) and rest:
            rest.pop()
        elif match.group(3):
            continue
        if root in bound:
            path = bound[root] + ("." + ".".join(rest) if rest else "")
        elif root in SCHEMA:
            path = ".".join([root, *rest])
        else:
            continue
        if path.endswith("[]"):
            path = path[:-2]
        out.setdefault(path, None)
    # drop a path when a longer one under it is listed
    paths = list(out)
    return [p for p in paths if not any(q != p and q.startswith((p + ".", p + "[]")) for q in paths)]


def lookup(facts: Mapping[str, object], path: str) -> object:
    """The value at a path from ``used_fields`` (a list of values below a ``[]``)."""
    head, sep, tail = path.partition("[]")
    value: object = facts
    for name in head.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    if not sep:
        return value
    items = value if isinstance(value, list) else []
    sub = tail.lstrip(".")
    if not sub:
        return items
    return [lookup(item, sub) if isinstance(item, Mapping) else None for item in items]
