"""Write the seed corpus for the fuzzer: the project's own real-shaped samples."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.core.samples import SAMPLES  # noqa: E402

from mailward.demo import builders  # noqa: E402


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    seeds = dict(SAMPLES)
    seeds.update(
        newsletter=builders.newsletter(), recon=builders.recon_lure(), phishing=builders.phishing(),
        journalist=builders.journalist_enquiry(), spam=builders.spam(),
    )
    for name, raw in seeds.items():
        (out / name).write_bytes(raw[:200_000])
    print(f"{len(seeds)} seeds in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus"))
