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


class ReleaseRefused(ReleaseError):
    """The release asked for recipients that were not recorded, without the confirmation."""


def _address_key(address: str) -> str:
    """``<Local@Example.ORG>`` -> ``Local@example.org``: the domain is case-insensitive, the local part is not."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else domain


def other_recipients(entry: Entry, rcpt_to: tuple[str, ...]) -> list[str]:
    """The requested recipients that are not among the entry's recorded envelope recipients."""
    recorded = {_address_key(r) for r in entry.rcpt_to}
    return [r for r in rcpt_to if _address_key(r) not in recorded]


def release(
    store: Quarantine,
    audit: AuditLog,
    settings: GatewaySettings,
    entry_id: str,
    *,
    defused: bool = False,
    rcpt_to: tuple[str, ...] = (),
    confirm_other_recipients: bool = False,
    by: str = "",
    timeout: float = 30.0,
) -> Entry:
    """Send the original (or the defused version) to its recorded envelope recipients.

    ``rcpt_to`` may pick some of them. Any other recipient is refused
    (``ReleaseRefused``) unless ``confirm_other_recipients`` is set; the caller checks
    who may set it (the web and the API: admins only), and the release is audited
    with the extra recipients and ``by``.
    """
    entry = store.get(entry_id)
    others = other_recipients(entry, rcpt_to)
    if others and not confirm_other_recipients:
        audit.record("release-refused", id=entry_id, by=by, other_recipients=others,
                     reason="recipients not recorded for this message, without confirmation")
        raise ReleaseRefused(
            f"{entry_id} may be released only to its recorded recipients ({', '.join(entry.rcpt_to) or 'none'}); "
            f"{', '.join(others)} would need an administrator's explicit confirmation"
        )
    if others:
        audit.record("release-other-recipients", id=entry_id, by=by, other_recipients=others,
                     recorded=list(entry.rcpt_to))
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
                 refused=sorted(refused), next_hop=f"{settings.release_host}:{settings.release_port}",
                 by=by, other_recipients=others)
    return updated
