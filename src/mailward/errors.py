"""The one base class of mailward's own exceptions.

Every error mailward raises on purpose derives from ``MailwardError``, each under
its own name (``ConfigError``, ``StoreError`` for the database, ``QuarantineError``
for the quarantine directory, ``SourceError`` for a hunt source, ...), so that a
caller can catch "anything mailward refused" in one place and tell them apart.
The message of each says what went wrong, for people, without a traceback.
"""

from __future__ import annotations

__all__ = ["MailwardError"]


class MailwardError(Exception):
    """Base class of mailward's own exceptions."""
