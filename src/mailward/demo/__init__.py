"""Demo data: a fictional parliament's mail with hidden reconnaissance campaigns.

``generate(out_dir, seed=..., messages=...)`` writes the whole set (Maildirs,
labels, ground truth, config); ``mailward.demo.builders`` builds single messages of
each kind in memory for tests.
"""

from __future__ import annotations

from mailward.demo.generate import DemoSummary, GenerateError, generate

__all__ = ["DemoSummary", "GenerateError", "generate"]
