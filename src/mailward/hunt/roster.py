"""The roster of protected people from the config's ``[[organisation.people]]``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mailward.config import Config, ConfigError
from mailward.store import Person


def load_roster(config: Config) -> list[Person]:
    """``[[organisation.people]]`` entries: name, addresses (list), role."""
    org = config.section("organisation")
    raw = org.get("people", [])
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ConfigError(f"{config.path or 'config'}: [[organisation.people]] must be an array of tables")
    people = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{config.path or 'config'}: organisation.people[{n}] must be a table")
        addresses = entry.get("addresses", [])
        if isinstance(addresses, str):
            addresses = [addresses]
        people.append(
            Person(
                name=str(entry.get("name", "")),
                addresses=tuple(str(a).strip().lower() for a in addresses if str(a).strip()),
                role=str(entry.get("role", "")),
            )
        )
    return people
