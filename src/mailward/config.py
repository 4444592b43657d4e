"""Configuration: one TOML file, validated once when the ``Config`` is built.

``mailward.configschema`` holds one model per section; an unknown section or key
or a bad value is a ``ConfigError`` naming the file and the key. Each subsystem
reads the validated values of its own section (``config.section("gateway")``);
keys the file leaves out are absent, and the subsystem's documented default applies.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailward.errors import MailwardError


class ConfigError(MailwardError):
    """The configuration file is missing, unreadable or invalid. The message says which."""


ENV_CONFIG = "MAILWARD_CONFIG"
ENV_DATA_DIR = "MAILWARD_DATA_DIR"


def string_list(value: Any, key: str, where: str, *, lower: bool = False) -> tuple[str, ...]:
    """A configuration value that is a list of strings (a bare string is a list of
    one): each stripped, empty ones dropped, lower-cased on request. Anything else is
    a ``ConfigError`` naming ``where`` (the file) and ``key``."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple((v.strip().lower() if lower else v.strip()) for v in value if v.strip())


def default_data_dir() -> Path:
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "mailward"


@dataclass(frozen=True)
class Config:
    data: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", validate(self.data, self.path))

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"{self.path or 'config'}: [{name}] must be a table")
        return value

    def with_section(self, name: str, **values: Any) -> Config:
        """A copy with ``values`` set in section ``name`` (a command-line option over the file)."""
        data = dict(self.data)
        data[name] = {**self.section(name), **values}
        return Config(data, self.path)

    @property
    def data_dir(self) -> Path:
        configured = self.section("mailward").get("data_dir")
        return Path(configured) if configured else default_data_dir()


def validate(data: Mapping[str, Any], path: Path | None = None) -> dict[str, Any]:
    """``data`` checked against ``configschema.SECTIONS`` and normalised; raises
    ``ConfigError`` naming the file, the section and the key."""
    if not data:
        return {}
    from pydantic import ValidationError  # imported only when there is something to check

    from .configschema import SECTIONS

    where = str(path) if path is not None else "config"
    out: dict[str, Any] = {}
    for name, value in data.items():
        model = SECTIONS.get(name)
        if model is None:
            known = ", ".join(sorted(SECTIONS))
            raise ConfigError(f"{where}: unknown section [{name}] (known: {known})")
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: [{name}] must be a table")
        try:
            checked = model.model_validate(dict(value))
        except ValidationError as exc:
            raise ConfigError(f"{where}: {_describe(name, exc)}") from None
        out[name] = checked.model_dump(exclude_unset=True)
    return out


def _describe(section: str, exc: Any) -> str:
    problems = []
    for error in exc.errors()[:5]:
        key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
        if error["type"] == "extra_forbidden":
            problems.append(f"[{section}] {key}: unknown key")
        else:
            problems.append(f"[{section}] {key}: {error['msg']} (got {error.get('input')!r})")
    return "; ".join(problems)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load and validate ``path`` (or $MAILWARD_CONFIG); no file means every default."""
    chosen = path if path is not None else os.environ.get(ENV_CONFIG)
    data: dict[str, Any] = {}
    if chosen is None:
        return Config(data=data, path=None)
    file = Path(chosen)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {file}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {file}: {exc.strerror}") from None
    try:
        loaded = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"invalid TOML in {file}: {exc}") from None
    return Config(data=_merge(data, loaded), path=file)
