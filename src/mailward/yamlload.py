"""YAML reference data and rule files, read with libyaml's safe loader when PyYAML has it.

``yaml.safe_load`` runs PyYAML's pure-Python scanner and parser: about ten times the
CPU of the same safe loader backed by libyaml (``CSafeLoader``), which builds the same
plain Python values (only the safe tags: no object construction). Every process pays
that at start-up for each data file, so data files are read here. Without libyaml
(a PyYAML built without it) the pure-Python ``SafeLoader`` gives the same values.
"""

from __future__ import annotations

from typing import Any

import yaml

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """The YAML document in ``text`` as plain Python values, as ``yaml.safe_load`` gives them."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader (libyaml's or PyYAML's)


def compose_and_load(text: str) -> tuple[Any, Any]:
    """(the document's node tree, its values), from one parse of ``text``.

    The same pair as ``yaml.compose`` and ``yaml.load`` with the safe loader give, for
    callers that need the nodes' line numbers as well (rule files): the values are
    built from the composed nodes, as ``yaml.load`` itself does, instead of parsing
    the text a second time. Raises ``yaml.YAMLError`` as they do.
    """
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data
