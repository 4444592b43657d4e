"""What the web application works on: config, store, quarantine, scanner, roster."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailward.budget import time_budget_from
from mailward.config import Config
from mailward.gateway.audit import AuditLog
from mailward.gateway.quarantine import FileQuarantine, QuarantineError
from mailward.gateway.settings import GatewaySettings, load_settings
from mailward.store import Person, Store

from .auth import Auth
from .throttle import SignInThrottle, ThrottleSettings
from .workers import AnalysisPool


@dataclass
class WebContext:
    config: Config
    store: Store
    auth: Auth
    gateway: GatewaySettings
    quarantine: FileQuarantine
    audit: AuditLog
    roster: list[Person]
    preview_from_source: bool = True
    secure_cookies: bool = False  # behind a TLS proxy: mark cookies Secure although mailward sees http
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    scan_workers: int = 1  # [web] scan_workers: processes that parse, scan and render previews
    time_budget: float = 30.0  # [limits] time_budget
    _pool: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rules: list[dict[str, Any]] | None = None
    _hits: tuple[float, Any] | None = None

    def audit_tail(self, max_bytes: int = 4 * 1024 * 1024) -> list[dict[str, Any]]:
        """The audit log's last lines (at most ``max_bytes`` of it), oldest first; a bad line is skipped."""
        import json
        import os

        path = self.audit.path
        try:
            with path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > max_bytes:
                    fh.seek(size - max_bytes)
                    fh.readline()  # the first line is cut
                data = fh.read()
        except OSError:
            return []
        out = []
        for line in data.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append(item)
        return out

    def actions(self) -> Any:
        """Quarantine entries and audit lines, indexed for the pages' "what was done"."""
        from .story import ActionIndex

        return ActionIndex.build(self.quarantine.entries(), self.audit_tail())

    def rule_hits(self, max_age: float = 900.0) -> Any:
        """Messages per rule in the store, recomputed at most every ``max_age`` seconds."""
        import time

        from .queries import rule_hits

        now = time.monotonic()
        if self._hits is None or now - self._hits[0] > max_age:
            self._hits = (now, rule_hits(self.store))
        return self._hits[1]

    @classmethod
    def build(cls, config: Config, store: Store) -> WebContext:
        from mailward.hunt.roster import load_roster

        gateway = load_settings(config)
        web = config.section("web")
        return cls(
            config=config,
            store=store,
            auth=Auth(store.engine),
            gateway=gateway,
            quarantine=FileQuarantine(gateway.quarantine_dir),
            audit=AuditLog(gateway.audit_log),
            roster=load_roster(config),
            preview_from_source=bool(web.get("preview_from_source", True)),
            secure_cookies=bool(web.get("secure_cookies", False)),
            throttle=SignInThrottle(_throttle_settings(web)),
            scan_workers=_scan_workers(web),
            time_budget=time_budget_from(config),
        )

    @property
    def analysis(self) -> AnalysisPool:
        """The worker pool that parses, scans and renders (started on first use)."""
        with self._lock:
            if self._pool is None:
                self._pool = AnalysisPool(self.config, workers=self.scan_workers, budget=self.time_budget)
            pool: AnalysisPool = self._pool
            return pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def scan(self, raw: bytes, source: str = "api") -> Any:
        """Scan posted bytes in a worker within the time budget (never raises; blocks: not for the event loop)."""
        return self.analysis.scan_sync(raw, source)[0]

    def rules(self) -> list[dict[str, Any]]:
        """The rules in force, as ``mailward rules list --json`` shows them (loaded once)."""
        if self._rules is None:
            from mailward.rules.engine import load_ruleset
            from mailward.rules.policy import Policy

            policy = Policy.from_config(self.config)
            ruleset = load_ruleset(policy.rule_dirs)
            self._rules = [
                {
                    "name": r.spec.name,
                    "id": r.spec.id,
                    "family": r.spec.family,
                    "severity": str(r.spec.severity),
                    "score": policy.scores.get(r.spec.name, r.spec.score),
                    "verdict": str(r.spec.verdict),
                    "attack": list(r.spec.attack),
                    "disabled": r.spec.name in policy.disabled or not r.spec.enabled,
                    "description": r.spec.description,
                }
                for r in ruleset.rules
            ]
        return self._rules

    def message_bytes(self, pk: int) -> tuple[bytes | None, str]:
        """The original bytes of stored message ``pk`` and where they came from.

        The store's copy (``[store] keep_bodies``), else the quarantine's (same
        SHA-256), else the file the hunt read, if it is still there unchanged.
        """
        stored = self.store.message(pk)
        if stored is None:
            return None, ""
        body = self.store.message_body(pk)
        if body:
            return body, "store"
        try:
            return self.quarantine.get_bytes(stored.sha256), "quarantine"
        except QuarantineError:
            pass
        if self.preview_from_source and stored.source and "://" not in stored.source:
            for path in _candidates(stored.source):
                try:
                    if path.is_file():
                        data = path.read_bytes()
                        if hashlib.sha256(data).hexdigest() == stored.sha256:
                            return data, "source file"
                except OSError:
                    continue
        return None, ""


def _scan_workers(web: Any) -> int:
    from mailward.config import ConfigError

    value = web.get("scan_workers", 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 64:
        raise ConfigError(f"[web] scan_workers must be a whole number from 0 to 64, got {value!r}")
    return value


def _throttle_settings(web: Any) -> ThrottleSettings:
    """``[web] login_account_failures``, ``login_address_failures``, ``login_max_lock``."""
    from mailward.config import ConfigError

    values: dict[str, Any] = {}
    for key, attr, kind in (("login_account_failures", "account_free", int),
                            ("login_address_failures", "address_free", int),
                            ("login_max_lock", "ceiling", float)):
        if key in web:
            value = web[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"[web] {key} must be a number >= 0, got {value!r}")
            values[attr] = kind(value)
    return ThrottleSettings(**values)


def _candidates(source: str) -> list[Path]:
    """Where the hunt's source name may be on disk: a file, or MAILDIR/UNIQUE in new/ or cur/."""
    path = Path(source)
    if path.is_file():
        return [path]
    out = []
    for sub in ("cur", "new"):
        folder = path.parent / sub
        if folder.is_dir():
            exact = folder / path.name
            out.append(exact)
            out.extend(sorted(folder.glob(_glob_escape(path.name) + ":2,*"))[:2])
            out.extend(sorted(folder.glob(_glob_escape(path.name) + "!2,*"))[:2])
    return out


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)
