"""What the gateway would have done with some of the demo's campaign mail.

The demo is hunted from mailboxes, so the quarantine and the audit log start empty
and the pages' "what was done" would say nothing. This puts four messages of the
largest attack campaign through the quarantine as the milter would (the original
bytes, and a defused copy made by ``mailward.gateway.defuse``), one in each state:
held, delivered defused, released by an analyst, and one held whose recipient the
next hop refuses (so that releasing it fails). Audit lines are written as the
gateway and the web UI write them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from mailward.config import Config
from mailward.gateway.audit import AuditLog
from mailward.gateway.defuse import defuse
from mailward.gateway.quarantine import Entry, FileQuarantine, new_entry_id, now_iso
from mailward.scan import Scanner
from mailward.store import Store


def _source_file(source: str) -> Path | None:
    """The hunted file (a Maildir message is stored without its ``:2,S`` flags)."""
    from mailward.web.context import _candidates

    return next((p for p in _candidates(source) if p.is_file()), None)


REFUSED = "refused.mailbox@parliament.example"  # the test SMTP sink answers 550 for it


@dataclass
class Story:
    held: str
    delivered: str
    released: str
    refused: str
    message_ids: dict[str, int]
    campaign: str


def seed_gateway_story(store: Store, quarantine: FileQuarantine, audit: AuditLog, config: Config) -> Story:
    campaign = max(store.campaigns(), key=lambda c: c.message_count)
    files = {m.id: _source_file(m.source) for m in store.campaign_messages(campaign.id) if m.beacons}
    members = [m for m in store.campaign_messages(campaign.id) if files.get(m.id)][:4]
    assert len(members) == 4, "the demo's largest campaign has four messages with beacons"
    scanner = Scanner(config)
    ids: dict[str, str] = {}
    message_ids: dict[str, int] = {}
    for state, m in zip(("held", "delivered", "released", "refused"), members, strict=True):
        raw = files[m.id].read_bytes()  # type: ignore[union-attr]
        result = scanner.scan_bytes(raw, source=m.source)
        digest = quarantine.put_bytes(raw)
        defused = quarantine.put_bytes(defuse(raw, result))
        action = "defuse" if state == "delivered" else "quarantine"
        rcpt = (f"<{REFUSED}>",) if state == "refused" else tuple(f"<{r}>" for r in m.recipients)
        entry = quarantine.add(Entry(
            id=new_entry_id(), sha256=digest, size=len(raw), stored_at=now_iso(), action=action,
            status="delivered" if state == "delivered" else "held", verdict=m.verdict, score=m.score,
            summary=m.summary, findings=tuple(f["rule"] for f in m.findings), mail_from=f"<{m.from_addr}>",
            rcpt_to=rcpt, client_ip=(m.received_ips or ("203.0.113.9",))[-1], client_helo="mail.example.test",
            queue_id=f"4Q{len(ids)}X", message_id=m.message_id, subject=m.subject, defused_sha256=defused,
            history=({"time": now_iso(), "event": "stored", "action": action},),
        ))
        audit.record("stored", id=entry.id, sha256=digest, defused_sha256=defused, action=action,
                     status=entry.status, queue_id=entry.queue_id)
        if state == "released":
            # as `POST /quarantine/ID/release` by an analyst leaves it (gateway.release + the web's line)
            event = {"time": now_iso(), "event": "released", "sha256": digest, "recipients": list(rcpt), "refused": []}
            quarantine.update(replace(entry, status="released", history=(*entry.history, event)))
            audit.record("released", id=entry.id, sha256=digest, defused=False, recipients=list(rcpt), refused=[],
                         next_hop="127.0.0.1:25")
            audit.record("release-requested", id=entry.id, by="ada", role="analyst")
        ids[state] = entry.id
        message_ids[state] = m.id
    return Story(ids["held"], ids["delivered"], ids["released"], ids["refused"], message_ids, campaign.id)
