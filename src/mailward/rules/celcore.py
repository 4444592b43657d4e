"""The CEL engine without its command-line front end.

``import cel`` runs the package's ``__init__``, which imports ``cel.cli`` and with
it prompt_toolkit and asyncio: about a third of a second of start-up that no scan
uses. Everything mailward calls (``compile``, ``Context``, programs) lives in the
compiled extension ``cel.cel``, so that is loaded on its own and registered under
its usual name; a later ``import cel`` (the ``cel`` command, the linter) reuses the
same module instead of loading it twice.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any


def _load() -> ModuleType:
    loaded = sys.modules.get("cel.cel")
    if loaded is not None:
        return loaded
    package = importlib.util.find_spec("cel")  # finds the package without running it
    for folder in (package.submodule_search_locations or []) if package else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(folder) / f"cel{suffix}"
            if not path.is_file():
                continue
            loader = importlib.machinery.ExtensionFileLoader("cel.cel", str(path))
            spec = importlib.util.spec_from_file_location("cel.cel", path, loader=loader)
            if spec is None:
                continue
            module = importlib.util.module_from_spec(spec)
            sys.modules["cel.cel"] = module
            loader.exec_module(module)
            return module
    import cel  # an unexpected layout: the whole package, command line included

    return cel


cel = _load()


@functools.lru_cache(maxsize=4096)
def compile_expr(expr: str) -> Any:
    """``cel.compile(expr)``, once per expression text in a process (raises ``ValueError`` as it does).

    Loading the rules compiles every expression up to four times (the linter's syntax
    check, its two type checks and the compiled rule): a fifth of the rules' start-up.
    A compiled program keeps no state between ``execute`` calls (each call gets its own
    context), so the same program serves them all. Failures are not cached.
    """
    return cel.compile(expr)
