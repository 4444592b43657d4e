"""Typed settings for identity analysis, read from the ``[organisation]`` and ``[auth]``
sections of the configuration file (docs/identity.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

from mailward.config import Config, ConfigError, string_list


@dataclass(frozen=True, slots=True)
class Person:
    """A protected person: an impersonation target of the operator's organisation."""

    name: str
    addresses: tuple[str, ...] = ()  # lower case
    role: str = ""


@dataclass(frozen=True, slots=True)
class IdentitySettings:
    organisation: str = ""
    organisation_aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()  # the organisation's own domains, lower case
    people: tuple[Person, ...] = ()
    # Authentication-Results from these authserv-ids are trusted. Empty: trust only
    # the topmost Authentication-Results header (the one our own MTA added last).
    trusted_authserv_ids: tuple[str, ...] = ()
    live: bool = False  # verify DKIM / SPF / DMARC through DNS
    dns_timeout: float = 3.0
    # what phishing calls the organisation's own IT ("IT Service Desk"); empty: the defaults
    # of mailward.identity.brands.DEFAULT_SERVICE_NAMES
    service_names: tuple[str, ...] = ()
    # The settings key per-process caches (catalogues, the lookalike index, lookalike
    # answers per domain) several times a message: their hash is computed once here.
    # A generated hash walks every person, every time: with 975 people it was a third
    # of a scan's CPU.
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(tuple(getattr(self, f.name) for f in fields(self) if f.compare)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[IdentitySettings], tuple[object, ...]]:
        # rebuilt through __init__ where unpickled (a worker process): string hashes
        # differ between processes, so the hash is computed again there, never copied
        return (type(self), tuple(getattr(self, f.name) for f in fields(self) if f.init))

    @classmethod
    def from_config(cls, config: Config) -> IdentitySettings:
        where = str(config.path or "config")
        org = config.section("organisation")
        auth = config.section("auth")
        people: list[Person] = []
        raw_people = org.get("people", [])
        if not isinstance(raw_people, Sequence) or isinstance(raw_people, str):
            raise ConfigError(f"{where}: [[organisation.people]] must be an array of tables")
        for i, entry in enumerate(raw_people):
            if not isinstance(entry, Mapping) or not str(entry.get("name", "")).strip():
                raise ConfigError(f"{where}: organisation.people[{i}] needs a name")
            people.append(
                Person(
                    name=str(entry["name"]).strip(),
                    addresses=string_list(entry.get("addresses", []), f"organisation.people[{i}].addresses", where, lower=True),
                    role=str(entry.get("role", "")),
                )
            )
        live = auth.get("live", False)
        if not isinstance(live, bool):
            raise ConfigError(f"{where}: [auth] live must be true or false")
        timeout = auth.get("dns_timeout", 3.0)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ConfigError(f"{where}: [auth] dns_timeout must be a positive number of seconds")
        return cls(
            organisation=str(org.get("name", "")).strip(),
            organisation_aliases=string_list(org.get("aliases", []), "organisation.aliases", where),
            domains=tuple(d.strip(".") for d in string_list(org.get("domains", []), "organisation.domains", where, lower=True)),
            people=tuple(people),
            trusted_authserv_ids=string_list(auth.get("trusted_authserv_ids", []), "auth.trusted_authserv_ids", where, lower=True),
            live=live,
            dns_timeout=float(timeout),
            service_names=string_list(org.get("service_names", []), "organisation.service_names", where),
        )


