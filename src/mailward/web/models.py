"""Tables of the web interface: credentials (API tokens and users) and sign-in sessions.

They live in the store's database but under their own declarative base and are
created on start (``create_all``), so the store's migrations stay the store's own.
No secret is stored: tokens and session ids as SHA-256, passwords as scrypt.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mailward.store.models import UTCDateTime


class WebBase(DeclarativeBase):
    """Declarative base of the web tables (separate from the store's ``Base``)."""


class CredentialRow(WebBase):
    """An API token (kind "token") or a user who signs in with a password (kind "user")."""

    __tablename__ = "web_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    token_prefix: Mapped[str] = mapped_column(String(16), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SessionRow(WebBase):
    """A signed-in browser: the cookie holds the id, the table its SHA-256."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
