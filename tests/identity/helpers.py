"""Build test messages: raw RFC 5322 bytes parsed by the real parser."""

from __future__ import annotations

from mailward.identity import IdentitySettings, Person
from mailward.model import Envelope, Message
from mailward.parse import parse_message


def raw_message(
    from_: str,
    *,
    subject: str = "Hello",
    body: str = "Hello,\n\nA short note.\n",
    to: str = "mp@parliament.example",
    reply_to: str | None = None,
    sender: str | None = None,
    return_path: str | None = None,
    auth: list[str] | tuple[str, ...] = (),
    extra_headers: list[str] | tuple[str, ...] = (),
) -> bytes:
    lines = [f"Authentication-Results: {a}" for a in auth]
    if return_path:
        lines.insert(0, f"Return-Path: <{return_path}>")
    lines += list(extra_headers)
    lines += [f"From: {from_}", f"To: {to}", f"Subject: {subject}"]
    if reply_to:
        lines.append(f"Reply-To: {reply_to}")
    if sender:
        lines.append(f"Sender: {sender}")
    lines += [
        "Date: Mon, 04 Mar 2024 09:30:00 +0000",
        "Message-ID: <test@example.invalid>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode("utf-8")


def message(from_: str, envelope: Envelope | None = None, **kwargs: object) -> Message:
    return parse_message(raw_message(from_, **kwargs), envelope=envelope)  # type: ignore[arg-type]


ORG = IdentitySettings(
    organisation="Parliament of Examplia",
    organisation_aliases=("Examplia Parliament",),
    domains=("parliament.example",),
    people=(
        Person(name="Jane Minister", addresses=("jane.minister@parliament.example",), role="MP"),
        Person(name="Olaf Speaker", role="Speaker"),
    ),
)

PLAIN = IdentitySettings()

TOP = "mx.parliament.example"
