"""Sender history: has this sender (or anyone from its domain) written here before?

``SenderHistory`` is the interface; ``InMemorySenderHistory`` keeps counts in memory
(tests, one-off scans). The store provides a persistent implementation. Analysis only
reads the history; recording a delivered message is the caller's job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from mailward.domains import domain_of, site
from mailward.identity.report import FirstContact


class SenderHistory(Protocol):
    def count_from_address(self, sender: str, recipients: tuple[str, ...]) -> int:
        """Earlier messages from ``sender`` (lower-case address) to any of ``recipients``."""
        ...

    def count_from_domain(self, domain: str, recipients: tuple[str, ...] | None) -> int:
        """Earlier messages from anyone at registrable ``domain`` to any of
        ``recipients``; to anyone at all (the whole organisation) when None."""
        ...


class InMemorySenderHistory:
    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str], int] = defaultdict(int)
        self._domain_pairs: dict[tuple[str, str], int] = defaultdict(int)
        self._domains: dict[str, int] = defaultdict(int)
        self._hosts: dict[str, set[str]] = {}

    def record(self, sender: str, recipients: Iterable[str], hosts: Iterable[str] | None = None) -> None:
        """One delivered message; ``hosts``: where its remote loads came from (when known)."""
        sender = sender.lower()
        domain = site(domain_of(sender))
        self._domains[domain] += 1
        if hosts is not None:
            self._hosts.setdefault(sender, set()).update(h.lower() for h in hosts)
        for rcpt in recipients:
            rcpt = rcpt.lower()
            self._pairs[(sender, rcpt)] += 1
            self._domain_pairs[(domain, rcpt)] += 1

    def count_from_address(self, sender: str, recipients: tuple[str, ...]) -> int:
        sender = sender.lower()
        return sum(self._pairs.get((sender, r.lower()), 0) for r in recipients)

    def count_from_domain(self, domain: str, recipients: tuple[str, ...] | None) -> int:
        domain = site(domain)
        if recipients is None:
            return self._domains.get(domain, 0)
        return sum(self._domain_pairs.get((domain, r.lower()), 0) for r in recipients)


    def load_hosts(self, sender: str) -> set[str] | None:
        """Hosts this sender's earlier mail loaded from; None when nothing was recorded."""
        hosts = self._hosts.get(sender.lower())
        return set(hosts) if hosts is not None else None

    def correspondent_domains(self) -> tuple[str, ...]:
        """Registrable domains that have written here (lookalikes of them are suspect)."""
        return tuple(self._domains)


def first_contact(history: SenderHistory | None, sender: str, recipients: tuple[str, ...]) -> FirstContact:
    if history is None or not sender:
        return FirstContact()
    domain = site(domain_of(sender))
    previous = history.count_from_address(sender.lower(), recipients) if recipients else 0
    domain_count = history.count_from_domain(domain, recipients) if recipients else 0
    org_count = history.count_from_domain(domain, None)
    return FirstContact(
        known=True,
        address=bool(recipients) and previous == 0,
        domain=bool(recipients) and domain_count == 0,
        organisation=org_count == 0,
        previous_messages=previous,
    )
