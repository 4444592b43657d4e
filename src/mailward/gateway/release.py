"""Release: send a quarantined message on to the configured next hop over SMTP.

The next hop must be a listener that does NOT pass mail through the mailward milter
again (in Postfix, a second smtpd with ``-o smtpd_milters=``; docs/deploy-postfix.md),
or the released message would be quarantined a second time. Release never talks to
any other host than the configured one.
"""

from __future__ import annotations

import smtplib
from dataclasses import replace

from mailward.errors import MailwardError
from mailward.gateway.audit import AuditLog
from mailward.gateway.quarantine import Entry, Quarantine, QuarantineError, now_iso
from mailward.gateway.settings import GatewaySettings


class ReleaseError(MailwardError):
    """The next hop did not take the message. The message says why."""


def release(
    store: Quarantine,
    audit: AuditLog,
    settings: GatewaySettings,
    entry_id: str,
    *,
    defused: bool = False,
    rcpt_to: tuple[str, ...] = (),
    timeout: float = 30.0,
) -> Entry:
    """Send the original (or the defused version) to its envelope recipients."""
    entry = store.get(entry_id)
    digest = entry.defused_sha256 if defused else entry.sha256
    if not digest:
        raise ReleaseError(f"{entry_id} has no defused version; release the original instead")
    data = store.get_bytes(digest)
    recipients = rcpt_to or entry.rcpt_to
    if not recipients:
        raise ReleaseError(f"{entry_id} has no recipients to release to")
    sender = entry.mail_from.strip("<>")
    try:
        with smtplib.SMTP(
            settings.release_host, settings.release_port, local_hostname=settings.release_helo, timeout=timeout
        ) as smtp:
            refused = smtp.sendmail(sender, [r.strip("<>") for r in recipients], data)
    except (smtplib.SMTPException, OSError) as exc:
        audit.record("release-failed", id=entry_id, sha256=digest, error=str(exc),
                     next_hop=f"{settings.release_host}:{settings.release_port}")
        raise ReleaseError(
            f"next hop {settings.release_host}:{settings.release_port} did not take {entry_id}: {exc}"
        ) from None
    accepted = [r for r in recipients if r.strip("<>") not in refused]
    event = {"time": now_iso(), "event": "released", "sha256": digest, "recipients": accepted,
             "refused": sorted(refused)}
    updated = replace(entry, status="released", history=(*entry.history, event))
    try:
        store.update(updated)
    except QuarantineError:
        pass  # the message went out; the audit line below records it
    audit.record("released", id=entry_id, sha256=digest, defused=defused, recipients=accepted,
                 refused=sorted(refused), next_hop=f"{settings.release_host}:{settings.release_port}")
    return updated
