"""The site's SMTP relay (``[smtp]``): what alert emails and notices to targets go through."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from mailward.config import ConfigError


class SmtpError(Exception):
    """The relay refused or could not be reached; the message says which."""


@dataclass(frozen=True, slots=True)
class SmtpRelay:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # "none", "starttls" or "tls"
    username: str = ""
    password_env: str = ""  # the password comes from this environment variable, never the file
    timeout: float = 20.0
    helo: str = ""

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> SmtpRelay:
        security = str(section.get("security", "none")).lower()
        if security not in ("none", "starttls", "tls"):
            raise ConfigError(f"[smtp] security must be none, starttls or tls, not {security!r}")
        try:
            port = int(section.get("port", 465 if security == "tls" else 25))
            timeout = float(section.get("timeout_seconds", 20))
        except (TypeError, ValueError):
            raise ConfigError("[smtp] port and timeout_seconds must be numbers") from None
        return cls(
            host=str(section.get("host", "127.0.0.1")),
            port=port,
            security=security,
            username=str(section.get("username", "")),
            password_env=str(section.get("password_env", "")),
            timeout=timeout,
            helo=str(section.get("helo", "")),
        )

    def send(self, message: EmailMessage, recipients: Sequence[str] | None = None) -> None:
        """Hand one message to the relay; raise SmtpError with the reason."""
        try:
            context = ssl.create_default_context()
            client: smtplib.SMTP
            if self.security == "tls":
                client = smtplib.SMTP_SSL(self.host, self.port, local_hostname=self.helo or None,
                                          timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, local_hostname=self.helo or None, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=context)
                if self.username:
                    client.login(self.username, os.environ.get(self.password_env, "") if self.password_env else "")
                refused = client.send_message(message, to_addrs=list(recipients) if recipients else None)
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpError(f"SMTP relay {self.host}:{self.port}: {exc}") from None
        if refused:
            raise SmtpError(f"SMTP relay {self.host}:{self.port} refused {', '.join(sorted(refused))}")


def relay_from(config: Any) -> SmtpRelay:
    return SmtpRelay.from_config(config.section("smtp"))
