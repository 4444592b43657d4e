"""Write the rule samples' content model (src/mailward/rules/builtin/samples/model.npz).

A tiny model (2**12 weights) trained on the handful of invented messages below, so that
the CONTENT_MODEL_PHISHING samples run the real scoring path. It is deterministic:
running this again writes the same weights. It is a fixture, not a model to deploy.

    python scripts/make_sample_model.py
"""

from __future__ import annotations

from pathlib import Path

from mailward.learn.features import features
from mailward.learn.model import train
from mailward.parse import parse_message

OUT = Path(__file__).resolve().parents[1] / "src/mailward/rules/builtin/samples/model.npz"

PHISHING = [
    ("Your mailbox is almost full", "Verify your account now to avoid suspension. Log in and confirm your password."),
    ("Action required: password expiry", "Your password expires today. Sign in to keep your account and verify."),
    ("Unusual sign-in activity", "Confirm your account details and password now or access will be suspended."),
    ("Payment failed", "Your payment could not be processed. Log in to verify your card and billing details."),
    ("Voicemail received", "You have a new voicemail. Sign in with your password to listen to the message."),
    ("Document shared with you", "A secure document is waiting. Verify your account to open it and sign in."),
]
HAM = [
    ("Committee minutes, Tuesday", "Please find the minutes of the committee meeting on the budget amendments."),
    ("Re: constituency surgery", "Thank you for your letter about the bus route. The councillor will attend."),
    ("Weekly local news", "The library reopens, the football club wins the cup, a bakery opens."),
    ("Lunch on Thursday?", "Are you free for lunch on Thursday? The new place near the station is good."),
    ("Draft speech", "Here is the draft of the speech for the debate on housing; comments welcome."),
    ("Visit of the school", "The school group arrives at ten; the guide will meet them at the visitor centre."),
]


def message(subject: str, body: str) -> bytes:
    return (f"From: Sender <sender@example.org>\r\nTo: reader@example.org\r\nSubject: {subject}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def main() -> None:
    model = train([features(parse_message(message(*m))) for m in PHISHING],
                  [features(parse_message(message(*m))) for m in HAM],
                  bits=12, threshold=0.6, meta={"fixture": "rule samples; scripts/make_sample_model.py"})
    model.save(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
