"""Impersonation analysis: who a message claims to be, and whether that holds up.

    report = analyse_identity(message, IdentitySettings.from_config(config))

See docs/identity.md for every field of ``IdentityReport``.
"""

from __future__ import annotations

from mailward.identity.analyse import analyse_identity, prepare
from mailward.identity.auth import DnsResolver, InMemoryResolver, Resolver, ResolverError
from mailward.identity.history import InMemorySenderHistory, SenderHistory
from mailward.identity.lookalike import LookalikeMatch, lookalike_of
from mailward.identity.outlets import ReferenceDataError, freemail_domains, is_freemail, outlet_data
from mailward.identity.report import (
    AuthSummary,
    Claim,
    FirstContact,
    IdentityReport,
    SendingIdentity,
)
from mailward.identity.settings import IdentitySettings, Person

__all__ = [
    "AuthSummary",
    "Claim",
    "DnsResolver",
    "FirstContact",
    "IdentityReport",
    "IdentitySettings",
    "InMemoryResolver",
    "InMemorySenderHistory",
    "LookalikeMatch",
    "Person",
    "ReferenceDataError",
    "Resolver",
    "ResolverError",
    "SenderHistory",
    "SendingIdentity",
    "analyse_identity",
    "freemail_domains",
    "is_freemail",
    "lookalike_of",
    "outlet_data",
    "prepare",
]
