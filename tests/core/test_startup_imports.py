"""``mailward scan``'s start-up stays lean: the heavy libraries of other surfaces are not imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("pikepdf", "zxingcpp", "PIL", "pydantic", "fastapi", "starlette", "sqlalchemy", "psycopg", "distributed",
         "dask", "jinja2", "numpy")


def test_scanning_a_plain_message_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from mailward.scan import Scanner\n"
        "Scanner().scan_bytes(b'From: a@b.example\\r\\nTo: c@d.example\\r\\nSubject: s\\r\\n\\r\\nhello\\r\\n')\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"
