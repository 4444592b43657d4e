#!/usr/bin/env python3
"""Write docs/rules.md from the facts schema and the built-in rules.

    .venv/bin/python scripts/gen_rules_doc.py          # write
    .venv/bin/python scripts/gen_rules_doc.py --check  # exit 1 when stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from mailward.rules.docs import render

TARGET = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        current = TARGET.read_text("utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run scripts/gen_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
