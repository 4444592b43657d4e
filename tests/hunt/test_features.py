"""What a hunt stores about one real scanned lure: campaign keys, MinHash, indicators
that can be shared without exposing the targets."""

from __future__ import annotations

import base64
import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from mailward.config import Config
from mailward.demo.builders import LureStyle, recon_built
from mailward.hunt.features import build_record, content_minhash, message_id_pattern, url_template
from mailward.model import Envelope
from mailward.parse import parse_message
from mailward.scan import Scanner

TARGET = "amelia.kowalczyk@parliament.example"


def test_lure_record_has_keys_and_no_target_in_indicators():
    style = LureStyle(claimed="Reuters", display_name="Reuters World News", sender="newsdesk@reuters-newsdesk.com",
                      beacon="https://media.newswire-cdn.com/i/{token}.gif", token="base64")
    built = recon_built(random.Random(3), style=style, recipient=("Amelia Kowalczyk", TARGET),
                        when=dt.datetime(2024, 3, 5, 9, 0, tzinfo=dt.UTC))
    config = Config({"organisation": {"name": "Example Parliament", "domains": ["parliament.example"]}})
    message = parse_message(built.raw, envelope=Envelope(rcpt_to=(TARGET,)))
    result = Scanner(config).scan_message(message, "lure.eml")
    assert result.verdict.is_attack, result.verdict
    record = build_record(message, result, source="lure.eml", mailbox=TARGET, raw=built.raw)
    keys = set(record.features["keys"])
    assert "from:newsdesk@reuters-newsdesk.com" in keys
    assert "track_host:media.newswire-cdn.com" in keys
    assert "track_url:media.newswire-cdn.com/i/{}" in keys
    assert any(k.startswith("claimed:reuters") for k in keys)
    assert record.minhash is not None and len(record.minhash) == 64 * 4
    assert record.recipients == [TARGET] and record.verdict == str(result.verdict)
    values = " ".join(i["value"] for i in record.indicators)
    encoded = base64.b64encode(TARGET.encode()).decode().rstrip("=")
    assert TARGET not in values and encoded not in values
    assert {"kind": "url", "value": "https://media.newswire-cdn.com/i/"} in record.indicators
    assert {"kind": "domain", "value": "reuters-newsdesk.com"} in record.indicators


def test_a_read_receipt_mailbox_is_a_campaign_indicator():
    raw = (b"From: Desk <desk@policy-forum.example>\r\nTo: " + TARGET.encode() + b"\r\nSubject: Interview\r\n"
           b"Disposition-Notification-To: <Opens.7f3k@Receipts-Box.example>\r\nMessage-ID: <r@x>\r\n\r\n"
           b"Twenty minutes for an interview this week?\r\n")
    message = parse_message(raw, envelope=Envelope(rcpt_to=(TARGET,)))
    result = Scanner(Config({})).scan_message(message, "receipt.eml")
    assert "BEACON_READ_RECEIPT" in {f.rule for f in result.findings}
    record = build_record(message, result, source="receipt.eml", mailbox=TARGET, raw=raw)
    assert {"kind": "email", "value": "opens.7f3k@receipts-box.example"} in record.indicators
    assert {"kind": "domain", "value": "receipts-box.example"} in record.indicators
    assert "receipt:opens.7f3k@receipts-box.example" in record.features["keys"]  # a strong campaign key


def test_shapes():
    assert message_id_pattern("<20240312.8f3a1c@mta7.news-mail.example>") == "N8.H6@mta7.news-mail.example"
    assert message_id_pattern("no-at-sign") == ""
    assert url_template("https://t.example/o/8f3a1c2b/open.gif?u=YWJj&c=12") == "t.example/o/{}/open.gif?c={}&u={}"


def _datasketch_sketch(words: list[str]) -> bytes | None:
    """The sketch as datasketch's own MinHash computes it (what stores and peers hold)."""
    import numpy as np
    from datasketch import MinHash

    if len(words) < 12:
        return None
    shingles = {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}
    sketch = MinHash(num_perm=64, seed=1, scheme="affine32")
    sketch.update_batch(list(shingles))
    return np.asarray(sketch.hashvalues, dtype=np.uint32).tobytes()


@given(st.lists(st.sampled_from(["vote", "budget", "brief", "minister", "désolé", "会议", "z" * 40, "a"]),
                max_size=120))
def test_content_minhash_equals_datasketch(words):
    # content_minhash applies datasketch's affine32 scheme itself: its values must not
    # change, or stored sketches and peers' fingerprints would stop matching new mail
    assert content_minhash(words) == _datasketch_sketch(words)


def test_content_minhash_long_text_equals_datasketch():
    rng = random.Random(7)
    vocab = [f"word{i}" for i in range(2000)]
    for n in (12, 13, 100, 600, 601):
        words = [rng.choice(vocab) for _ in range(n)]
        assert content_minhash(words) == _datasketch_sketch(words)
