"""atheris fuzz target over the whole scan: parse -> analyse -> rules -> defuse.

    make fuzz                       # time-boxed run (FUZZ_SECONDS, default 120)
    python fuzz/fuzz_scan.py -max_total_time=60 fuzz/corpus

Any exception is a bug. Crashing inputs are written by libFuzzer as crash-*
files: keep each one in tests/hardening/regressions/ so it is replayed by
tests/hardening/test_regressions.py forever.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from mailward.gateway.defuse import defuse
    from mailward.scan import Scanner

SCANNER = Scanner()


def one_input(data: bytes) -> None:
    result = SCANNER.scan_bytes(data, "fuzz")
    if result.verdict.value == "unscannable" and not result.reason:
        raise AssertionError("unscannable without a reason")
    if "analysis failed" in (result.reason or ""):  # the message broke its own analysis
        raise AssertionError(result.reason)
    defuse(data, result)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
