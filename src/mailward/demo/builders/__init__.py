"""Build single demo messages in memory, one function per kind of mail.

Each public function (``newsletter``, ``journalist_enquiry``, ``recon_lure``,
``phishing``, ``constituent``, ``internal``, ``spam``, ``malformed``) returns the
raw bytes of one message as the parliament's mail store would hold it: delivery
headers from the gateway ``mx.parliament.example`` (Received, Authentication-Results,
Return-Path, Delivered-To) above the sender's own headers. Every argument has a
default, so ``recon_lure()`` alone gives a typical lure. They are deterministic:
the same arguments and ``seed`` give the same bytes.

The ``*_built`` functions behind them take a ``random.Random`` and return a
``Built`` record with ground truth (message id, beacons and how they carry the
recipient); the generator uses those.

The builders live in modules by kind of mail (``press``, ``recon``, ``phish``,
``everyday``, ``junk``) over the shared parts in ``common``; this package
re-exports them all.
"""

from __future__ import annotations

from .common import (
    DEFAULT_RECIPIENT,
    DEFAULT_WHEN,
    UTC,
    Beacon,
    Built,
    auth_results,
    delivery,
    dkim_signature,
)
from .everyday import (
    constituent,
    constituent_built,
    forward_built,
    forwarded_lure,
    internal,
    internal_built,
)
from .junk import MALFORMED_VARIANTS, SPAM_WORDS, malformed, malformed_built, spam, spam_built
from .phish import PHISHING_LOGOS, PHISHING_SENDERS, phishing, phishing_built
from .press import journalist_built, journalist_enquiry, newsletter, newsletter_built
from .recon import DEFAULT_LURE, LureStyle, recon_built, recon_lure

__all__ = [
    "DEFAULT_LURE",
    "DEFAULT_RECIPIENT",
    "DEFAULT_WHEN",
    "MALFORMED_VARIANTS",
    "PHISHING_LOGOS",
    "PHISHING_SENDERS",
    "SPAM_WORDS",
    "UTC",
    "Beacon",
    "Built",
    "LureStyle",
    "auth_results",
    "constituent",
    "constituent_built",
    "delivery",
    "dkim_signature",
    "forward_built",
    "forwarded_lure",
    "internal",
    "internal_built",
    "journalist_built",
    "journalist_enquiry",
    "malformed",
    "malformed_built",
    "newsletter",
    "newsletter_built",
    "phishing",
    "phishing_built",
    "recon_built",
    "recon_lure",
    "spam",
    "spam_built",
]
