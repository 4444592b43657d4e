"""The committed rule samples are what the sample scripts write.

The scripts named ``scripts/make_*_samples.py`` generate most rules' hit and miss
messages. A sample
edited by hand in a generated rule's folder, or a generator changed without
regenerating, would be lost or silently differ the next time someone regenerates.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "mailward" / "rules" / "builtin" / "samples"
SCRIPTS = sorted(p.name for p in (ROOT / "scripts").glob("make_*_samples.py"))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_regenerated_samples_equal_the_committed_ones(tmp_path: Path) -> None:
    assert len(SCRIPTS) >= 3
    for script in SCRIPTS:
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / script), str(tmp_path)],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr
    written = _files(tmp_path)
    assert len(written) > 200
    committed = _files(SAMPLES)
    rules = {name.split("/", 1)[0] for name in written}
    in_generated_rules = {name: data for name, data in committed.items() if name.split("/", 1)[0] in rules}
    missing = sorted(set(in_generated_rules) - set(written))
    assert not missing, f"samples no script writes (hand-edited into a generated rule's folder?): {missing}"
    differ = sorted(name for name, data in written.items() if in_generated_rules.get(name) != data)
    assert not differ, f"regenerate with the sample scripts; these differ from what they write: {differ}"
