"""A JSON view of the parsed ``Message``: for golden-file tests, ``explain`` and debugging."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from .model import Message


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return message_to_json(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in _json_fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _json_fields(value: Any) -> list[dataclasses.Field[Any]]:
    """The fields of a model dataclass that its JSON view shows (internal ones say ``json: False``)."""
    return [f for f in dataclasses.fields(value) if f.metadata.get("json", True)]


def message_to_json(message: Message, *, body_chars: int = 400) -> dict[str, Any]:
    """Every field of the model; bodies cut to ``body_chars`` characters."""
    out: dict[str, Any] = {}
    for f in _json_fields(message):
        value = getattr(message, f.name)
        if f.name in ("text_parts", "html_parts"):
            value = [dataclasses.replace(p, text=p.text[:body_chars]) for p in value]
        out[f.name] = _plain(value)
    out["recipients"] = list(message.recipients)
    return out
