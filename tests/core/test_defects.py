"""Every defect kind comes from the catalogue, and the docs list every kind."""

from __future__ import annotations

import email.errors
import re
from pathlib import Path

from mailward.defects import STDLIB, DefectKind, stdlib_kind

ROOT = Path(__file__).resolve().parents[2]


def test_every_stdlib_defect_class_has_a_catalogued_kind() -> None:
    classes = [getattr(email.errors, n) for n in dir(email.errors) if n.endswith("Defect") or n == "HeaderMissingRequiredValue"]
    assert classes
    for cls in classes:
        assert cls.__name__ in STDLIB, cls.__name__
        assert stdlib_kind(cls.__new__(cls)) is STDLIB[cls.__name__]


def test_defects_are_only_created_with_a_catalogued_kind() -> None:
    offenders = []
    for path in (ROOT / "src" / "mailward").rglob("*.py"):
        for match in re.finditer(r"\bDefect\((?!DefectKind\.|stdlib_kind\(|kind[,)])([^)]*)", path.read_text("utf-8")):
            offenders.append(f"{path.name}: Defect({match.group(1)[:40]}")
    assert offenders == []


def test_docs_list_every_kind() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    missing = [kind.value for kind in DefectKind if f"`{kind.value}`" not in doc]
    assert missing == []
