"""Why compat32: parse cost of the stdlib policies versus mailward's parser.

    python bench/parser_choice.py DIR [DIR...]

For every message: (a) stdlib ``policy.default`` parse, reading the headers
mailward needs and decoding text/HTML bodies; (b) the same with ``compat32``;
(c) ``mailward.parse.parse_message`` (compat32 + explicit header decoding + HTML
extraction + attachments hashing). CPU time per message.
"""

from __future__ import annotations

import sys
import time
from email import policy
from email.parser import BytesParser

from mailward.parse import parse_message
from mailward.sources import RawMessage, iter_sources

HEADERS = ("from", "to", "cc", "subject", "date", "message-id", "reply-to", "received", "authentication-results")


def stdlib(raw: bytes, pol: policy.Policy) -> None:
    msg = BytesParser(policy=pol).parsebytes(raw)
    for name in HEADERS:
        for value in msg.get_all(name) or ():
            str(value)
    for part in msg.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            try:
                part.get_payload(decode=True)
            except Exception:
                continue


def main(paths: list[str]) -> None:
    datas = [item.data for item in iter_sources(paths) if isinstance(item, RawMessage)]
    runs = {
        "stdlib policy.default": lambda raw: stdlib(raw, policy.default),
        "stdlib compat32": lambda raw: stdlib(raw, policy.compat32),
        "mailward parse_message": parse_message,
    }
    print(f"{len(datas)} messages")
    for name, fn in runs.items():
        failures = 0
        start = time.process_time()
        for raw in datas:
            try:
                fn(raw)
            except Exception:
                failures += 1
        cpu = time.process_time() - start
        print(f"  {name:26} {cpu / len(datas) * 1000:6.2f} ms/message  ({failures} raised)")


if __name__ == "__main__":
    main(sys.argv[1:])
