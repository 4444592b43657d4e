"""Copy an identity report (``mailward.identity.IdentityReport``) into the facts."""

from __future__ import annotations

from typing import Any


def apply_identity(facts: dict[str, Any], report: Any) -> None:
    """Fill the ``identity``, ``auth``, ``history`` and sender flags from ``report``."""
    return None
