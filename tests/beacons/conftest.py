"""Messages built by the tests: one HTML (and optional text) body, known recipient."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mailward.model import Envelope, Message
from mailward.parse import parse_message

RECIPIENT = "Zoe.Kyriakou@Parliament.example"


def build_message(
    html: str | None = None,
    *,
    text: str | None = None,
    to: str = RECIPIENT,
    envelope: Envelope | None = None,
    headers: str = "",
) -> Message:
    """An RFC 5322 message with the given bodies, parsed by mailward.parse."""
    head = (
        "From: Newsroom <news@outlet.example>\r\n"
        f"To: {to}\r\n"
        "Subject: Briefing\r\n"
        "Date: Mon, 04 Mar 2024 09:00:00 +0000\r\n"
        "Message-ID: <briefing-1@outlet.example>\r\n"
        "MIME-Version: 1.0\r\n" + headers
    )
    if html is not None and text is not None:
        body = (
            'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{text}\r\n"
            "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            f"{html}\r\n"
            "--b1--\r\n"
        )
    elif html is not None:
        body = f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
    else:
        body = f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text or ''}\r\n"
    return parse_message((head + body).encode("utf-8"), envelope=envelope)


@pytest.fixture
def message() -> Callable[..., Message]:
    return build_message
