"""The parts of the ``recon`` facts that need reference data or configuration:
organisation claims (``mailward.identity.organisations``), lookalikes of known
correspondents, and the protected people's addresses.

``ReconExtra`` is built once per ``Analyser``; calling it on a message fills
``facts["recon"]["org_claim"]`` and ``facts["recon"]["correspondent_lookalike"]``.

Known correspondents are the ``[recon] correspondents`` of the configuration plus,
when the sender history offers ``correspondent_domains()``, the domains it has seen.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..config import Config
from ..model import Message

__all__ = ["ReconExtra"]

log = logging.getLogger(__name__)


class ReconExtra:
    def __init__(self, config: Config, identity_settings: Any, history: Any = None) -> None:
        self.history = history
        self.identity_settings = identity_settings
        self.protected: Mapping[str, str] = _protected(config)
        configured = config.section("recon").get("correspondents", [])
        self.correspondents = tuple(str(d).lower().strip(".") for d in configured) if isinstance(configured, list) else ()
        self._catalogue: Any = None
        from ..identity import organisations

        organisations.prepare()
        self._organisations: Any = organisations
        if identity_settings is not None:
            from ..identity.outlets import catalogue

            self._catalogue = catalogue(identity_settings)

    def _outlet(self, name: str) -> tuple[str, tuple[str, ...]] | None:
        cat = self._catalogue
        if cat is None:
            return None
        from ..identity.text import fold

        folded = fold(name)
        index = cat.segments.get(folded)
        if index is None and folded.startswith("the "):
            index = cat.segments.get(folded[4:])
        if index is None:
            return None
        entity = cat.entities[index]
        if entity.kind != "outlet":
            return None
        return entity.name, tuple(entity.domains)

    def _known_domains(self) -> tuple[str, ...]:
        known = self.correspondents
        lookup = getattr(self.history, "correspondent_domains", None)
        if lookup is not None:
            try:
                known = (*known, *lookup())
            except Exception:  # a history that cannot answer adds nothing
                log.debug("recon: sender history gave no correspondent domains", exc_info=True)
        return known

    def __call__(self, message: Message, facts: dict[str, Any]) -> None:
        if self._organisations is None:
            return
        recon = facts["recon"]
        sender = facts["sender"]
        domain = sender["domain"]
        if not domain:
            return
        claim = self._organisations.find_org_claim(
            message, domain, free_mail=bool(sender["free_mail"]), outlet_lookup=self._outlet
        )
        if claim is not None:
            recon["org_claim"] = {
                "name": claim.name,
                "kind": claim.kind,
                "where": claim.where,
                "text": claim.text,
                "listed": claim.listed,
                "status": claim.status,
                "official_domains": list(claim.official_domains),
            }
        known = self._known_domains()
        if known:
            target = self._organisations.correspondent_lookalike(domain, known)
            recon["correspondent_lookalike"] = {"domain": sender["registrable"], "target": target}


def _protected(config: Config) -> dict[str, str]:
    people = config.section("organisation").get("people", [])
    out: dict[str, str] = {}
    if not isinstance(people, list):
        return out
    for person in people:
        if not isinstance(person, Mapping):
            continue
        name = str(person.get("name", ""))
        addresses = person.get("addresses", [])
        if isinstance(addresses, list):
            for address in addresses:
                out[str(address).lower()] = name
    return out
