"""The one place google-re2 options are made.

Patterns that run on message content use google-re2: linear time whatever the
input, where Python's backtracking ``re`` can take exponential time. RE2 bounds the
memory a compiled program may use (``max_mem``); 16 MiB is enough for every pattern
of one module, the large alternations (lure phrases, the tracker registry's RE2
set, the rules' phrase lists) ask for more.
"""

from __future__ import annotations

import re2

__all__ = ["DEFAULT_MAX_MEM", "OPTIONS", "options"]

DEFAULT_MAX_MEM = 16 << 20


def options(*, max_mem: int = DEFAULT_MAX_MEM, case_sensitive: bool = True) -> re2.Options:
    """RE2 options with ``max_mem`` bytes for the compiled program."""
    made = re2.Options()
    made.max_mem = max_mem
    made.case_sensitive = case_sensitive
    return made


OPTIONS = options()  # the default: shared by every module that needs no more
