"""Gateway settings, from the ``[gateway]`` section of the configuration.

```toml
[gateway]
listen = "inet:127.0.0.1:11332"
on_failure = "tempfail"          # or "accept": what an internal error or time-out does
timeout = 10.0                   # seconds a message may take (scan + defuse)
max_message_bytes = 67108864     # headers + body + envelope kept per message
max_headers = 10000              # header fields per message
max_recipients = 1000            # envelope recipients per message
max_macro_bytes = 65536          # macro data per connection and per message
on_limit = "reject"              # or "tempfail": a message past one of these limits
workers = 2                      # scanning processes; 0 scans in threads of the milter
remote_images = "placeholder"    # or "remove" or "alt"
defuse_attachments = true        # remote loads out of Office files and invites; active files replaced (docs/attachments.md)
quarantine_dir = "/var/lib/mailward/quarantine"
audit_log = "/var/lib/mailward/audit.jsonl"
release_host = "127.0.0.1"       # the next hop released messages go to (no milter on it!)
release_port = 10026
history = true                   # sender history for first contact (default: on when [store] url is set)

[gateway.actions]                # verdict -> deliver|defuse|banner|quarantine|reject|tempfail|fail
clean = "deliver"
tracking = "defuse"
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from mailward.config import Config, ConfigError
from mailward.gateway.protocol import WireLimits
from mailward.result import Verdict


class Action(StrEnum):
    DELIVER = "deliver"  # add the X-Mailward-* headers, change nothing else
    DEFUSE = "defuse"  # neutralise beacons, add a banner, headers
    BANNER = "banner"  # add a banner and headers, leave beacons (not recommended)
    QUARANTINE = "quarantine"  # keep the original in the quarantine, do not deliver
    REJECT = "reject"  # 5xx at end of data
    TEMPFAIL = "tempfail"  # 4xx at end of data
    FAIL = "fail"  # whatever on_failure says (for "unscannable")


DEFAULT_ACTIONS: Mapping[Verdict, Action] = {
    Verdict.CLEAN: Action.DELIVER,
    Verdict.TRACKING: Action.DEFUSE,
    Verdict.SUSPICIOUS: Action.DEFUSE,  # the verdict table says "deliver with banner"; defusing also removes the beacons
    Verdict.RECON: Action.QUARANTINE,
    Verdict.PHISHING: Action.QUARANTINE,
    Verdict.MALICIOUS: Action.REJECT,
    Verdict.UNSCANNABLE: Action.FAIL,
}

_REPLY = re.compile(r"^[45][0-9][0-9] [45]\.[0-9]{1,3}\.[0-9]{1,3} \S")
REMOTE_IMAGE_MODES = ("placeholder", "remove", "alt")
FAILURE_MODES = ("tempfail", "accept")
LIMIT_MODES = ("reject", "tempfail")
QUARANTINE_MODES = ("store", "postfix-hold")


@dataclass(frozen=True)
class GatewaySettings:
    listen: str = "inet:127.0.0.1:11332"
    on_failure: str = "tempfail"
    timeout: float = 10.0
    workers: int = 2
    max_message_bytes: int = 64 * 1024 * 1024  # headers + body + envelope, as the milter receives them
    max_headers: int = 10_000  # header fields per message
    max_recipients: int = 1_000  # envelope recipients per message (Postfix's smtpd_recipient_limit)
    max_macro_bytes: int = 64 * 1024  # macro data per connection and per message
    on_limit: str = "reject"  # or "tempfail": what a message past one of the four limits above gets
    limit_reply: str = "552 5.3.4 Message refused by mailward: {limit}"
    actions: Mapping[Verdict, Action] = field(default_factory=lambda: dict(DEFAULT_ACTIONS))
    remote_images: str = "placeholder"
    mark_tracked_links: bool = True
    defuse_attachments: bool = True
    banner: bool = True
    quarantine_dir: Path = Path("quarantine")
    audit_log: Path = Path("audit.jsonl")
    quarantine_mode: str = "store"  # "store": keep it here, discard in Postfix; "postfix-hold": also Postfix's hold queue
    keep_rejected: bool = True  # store the original of rejected messages too
    release_host: str = "127.0.0.1"
    release_port: int = 10026
    release_helo: str = "mailward.localhost"
    reject_reply: str = "550 5.7.1 Message refused by mailward: {summary}"
    tempfail_reply: str = "451 4.7.1 mailward could not check this message; please try again later"
    header_prefix: str = "X-Mailward-"
    scanner: str = "mailward.scan:Scanner"  # module:factory(config) -> object with scan_bytes()
    # sender history (first contact): None = on when [store] url is configured; True = on
    # (the store, else mailward.db in the data directory); False = off
    history: bool | None = None

    def wire_limits(self) -> WireLimits:
        return WireLimits(self.max_message_bytes, self.max_headers, self.max_recipients, self.max_macro_bytes)

    def action_for(self, verdict: Verdict) -> Action:
        action = self.actions.get(verdict, DEFAULT_ACTIONS[verdict])
        return action

    def resolve(self, action: Action) -> Action:
        """``fail`` becomes what the failure policy says."""
        if action is Action.FAIL:
            return Action.TEMPFAIL if self.on_failure == "tempfail" else Action.DELIVER
        return action


def _positive(name: str, value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, float | int):
        raise ConfigError(f"[gateway] {name} must be a number, got {value!r}")
    if value < 0:
        raise ConfigError(f"[gateway] {name} must not be negative")
    return kind(value)


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"[gateway] {name} must be one of {', '.join(allowed)}; got {value!r}")
    return str(value)


def load_settings(config: Config | None) -> GatewaySettings:
    """Typed settings from ``[gateway]``; unknown keys and bad values are errors."""
    config = config or Config()
    section = dict(config.section("gateway"))
    base = config.data_dir
    known = set(GatewaySettings.__dataclass_fields__)
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"[gateway] unknown setting(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key == "actions":
            if not isinstance(value, Mapping):
                raise ConfigError("[gateway.actions] must be a table of verdict = action")
            actions = dict(DEFAULT_ACTIONS)
            for verdict_name, action_name in value.items():
                try:
                    verdict = Verdict(verdict_name)
                except ValueError:
                    raise ConfigError(f"[gateway.actions] unknown verdict {verdict_name!r}") from None
                try:
                    actions[verdict] = Action(action_name)
                except ValueError:
                    allowed = ", ".join(a.value for a in Action)
                    raise ConfigError(
                        f"[gateway.actions] {verdict_name}: unknown action {action_name!r} (one of {allowed})"
                    ) from None
            values["actions"] = actions
        elif key in ("timeout",):
            values[key] = _positive(key, value, float)
        elif key in ("workers", "max_message_bytes", "release_port", "max_headers", "max_recipients",
                     "max_macro_bytes"):
            values[key] = _positive(key, value, int)
        elif key == "on_failure":
            values[key] = _choice(key, value, FAILURE_MODES)
        elif key == "on_limit":
            values[key] = _choice(key, value, LIMIT_MODES)
        elif key == "remote_images":
            values[key] = _choice(key, value, REMOTE_IMAGE_MODES)
        elif key == "quarantine_mode":
            values[key] = _choice(key, value, QUARANTINE_MODES)
        elif key in ("mark_tracked_links", "banner", "keep_rejected", "history", "defuse_attachments"):
            if not isinstance(value, bool):
                raise ConfigError(f"[gateway] {key} must be true or false")
            values[key] = value
        elif key in ("quarantine_dir", "audit_log"):
            values[key] = Path(str(value))
        else:
            if not isinstance(value, str):
                raise ConfigError(f"[gateway] {key} must be a string")
            values[key] = value
    values.setdefault("quarantine_dir", base / "quarantine")
    values.setdefault("audit_log", base / "audit.jsonl")
    settings = GatewaySettings(**values)
    for key, first in (("reject_reply", "5"), ("tempfail_reply", "4"), ("limit_reply", "5")):
        text = getattr(settings, key)
        # Postfix drops a reply that is not "ddd d.d.d text" with matching first digits
        if not _REPLY.match(text) or text[0] != first or text[4] != first:
            raise ConfigError(
                f"[gateway] {key} must look like '{first}xx {first}.7.1 text' (got {text!r})"
            )
    return settings
