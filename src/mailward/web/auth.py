"""API tokens, users, roles and browser sessions.

A token is ``mw_`` + 256 random bits; only its SHA-256 is stored, and a presented
token is found by that hash and compared in constant time. Passwords are hashed
with scrypt (stdlib; n=2**14, r=8, p=1, 16-byte salt). Roles are ordered:
viewer (reads) < analyst (also scans, releases, deletes, exports, imports intel) <
admin (also manages tokens and users).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from mailward.errors import MailwardError

from .models import CredentialRow, SessionRow, WebBase

ROLES = ("viewer", "analyst", "admin")
_RANK = {role: n for n, role in enumerate(ROLES)}
TOKEN_PREFIX = "mw_"  # noqa: S105 - a prefix, not a secret
SESSION_HOURS = 12
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AuthError(MailwardError):
    """Bad role, unknown credential, duplicate user: the message says which."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a credential id, its name and role."""

    credential_id: int
    name: str
    role: str
    session_csrf: str = ""  # set when signed in through the browser

    def allows(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


# a fixed hash to spend the same time on an unknown user as on a wrong password
_DUMMY_HASH = hash_password(secrets.token_hex(8))


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    id: int
    kind: str
    name: str
    role: str
    token_prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "role": self.role,
            "token_prefix": self.token_prefix,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked": self.revoked,
        }


def _info(row: CredentialRow) -> CredentialInfo:
    return CredentialInfo(row.id, row.kind, row.name, row.role, row.token_prefix, row.created_at,
                          row.last_used_at, row.revoked_at is not None)


class Auth:
    """Credentials and sessions in the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        WebBase.metadata.create_all(engine)

    # -- credentials ------------------------------------------------------------

    def create_token(self, role: str, name: str = "") -> tuple[CredentialInfo, str]:
        """A new API token; the plain token is returned once and never stored."""
        _check_role(role)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = CredentialRow(kind="token", name=name or f"{role} token", role=role, token_hash=hash_token(token),
                            token_prefix=token[:10], created_at=_now())
        with Session(self.engine) as s, s.begin():
            s.add(row)
            s.flush()
            info = _info(row)
        return info, token

    def create_user(self, name: str, password: str, role: str) -> CredentialInfo:
        _check_role(role)
        if not name or len(name) > 200:
            raise AuthError("a user needs a name of 1-200 characters")
        if len(password) < 10:
            raise AuthError("a password needs at least 10 characters")
        with Session(self.engine) as s, s.begin():
            exists = s.scalar(select(CredentialRow.id).where(
                CredentialRow.kind == "user", CredentialRow.name == name, CredentialRow.revoked_at.is_(None)))
            if exists is not None:
                raise AuthError(f"user {name!r} exists already (revoke it first)")
            row = CredentialRow(kind="user", name=name, role=role, password_hash=hash_password(password),
                                created_at=_now())
            s.add(row)
            s.flush()
            return _info(row)

    def list(self, *, include_revoked: bool = False) -> list[CredentialInfo]:
        with Session(self.engine) as s:
            q = select(CredentialRow).order_by(CredentialRow.id)
            if not include_revoked:
                q = q.where(CredentialRow.revoked_at.is_(None))
            return [_info(r) for r in s.scalars(q)]

    def revoke(self, credential_id: int) -> CredentialInfo:
        """Revoke a token or user and end its sessions."""
        with Session(self.engine) as s, s.begin():
            row = s.get(CredentialRow, credential_id)
            if row is None:
                raise AuthError(f"no token or user with id {credential_id}")
            if row.revoked_at is None:
                row.revoked_at = _now()
            s.execute(delete(SessionRow).where(SessionRow.credential_id == credential_id))
            return _info(row)

    def check_token(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        with Session(self.engine) as s, s.begin():
            row = s.scalar(select(CredentialRow).where(CredentialRow.token_hash == digest))
            if row is None or row.revoked_at is not None or row.kind != "token":
                return None
            if not hmac.compare_digest(row.token_hash or "", digest):
                return None
            now = _now()
            if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
                row.last_used_at = now
            return Principal(row.id, row.name, row.role)

    def check_password(self, name: str, password: str) -> Principal | None:
        with Session(self.engine) as s, s.begin():
            row = s.scalar(select(CredentialRow).where(
                CredentialRow.kind == "user", CredentialRow.name == name, CredentialRow.revoked_at.is_(None)))
            if row is None or not row.password_hash:
                verify_password(password, _DUMMY_HASH)
                return None
            if not verify_password(password, row.password_hash):
                return None
            row.last_used_at = _now()
            return Principal(row.id, row.name, row.role)

    # -- sessions ------------------------------------------------------------------

    def start_session(self, who: Principal) -> tuple[str, str]:
        """(session id for the cookie, CSRF token for forms)."""
        sid = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = _now()
        with Session(self.engine) as s, s.begin():
            s.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            s.add(SessionRow(id_hash=hash_token(sid), credential_id=who.credential_id, name=who.name, role=who.role,
                             csrf=csrf, created_at=now, expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
        return sid, csrf

    def session(self, sid: str) -> Principal | None:
        if not sid or len(sid) > 200:
            return None
        with Session(self.engine) as s:
            row = s.get(SessionRow, hash_token(sid))
            if row is None or row.expires_at < _now():
                return None
            cred = s.get(CredentialRow, row.credential_id)
            if cred is None or cred.revoked_at is not None:
                return None
            return Principal(row.credential_id, row.name, cred.role, session_csrf=row.csrf)

    def end_session(self, sid: str) -> None:
        with Session(self.engine) as s, s.begin():
            s.execute(delete(SessionRow).where(SessionRow.id_hash == hash_token(sid)))


def _check_role(role: str) -> None:
    if role not in _RANK:
        raise AuthError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")


def csrf_ok(expected: str, got: str | None) -> bool:
    return bool(expected) and got is not None and hmac.compare_digest(expected.encode(), got.encode())
