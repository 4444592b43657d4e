"""From a decision to milter replies: header changes, new body, final answer.

Pure functions (no I/O), so every action is easy to test without a socket.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailward.gateway import protocol as p
from mailward.gateway.mimesplice import split_head
from mailward.gateway.settings import Action, GatewaySettings
from mailward.headers import READ_RECEIPT_FIELDS
from mailward.result import ScanResult

MAX_HEADER_VALUE = 900  # stay well inside the 998-octet line limit
MAX_REPLY_TEXT = 400


@dataclass(frozen=True)
class Decision:
    action: Action
    result: ScanResult | None
    rewritten: bytes | None = None
    reason: str = ""  # why the failure policy was applied, when it was
    attachments: str = ""  # what defusing did to attachments (DefuseReport.attachments_header)


def failure_decision(settings: GatewaySettings, reason: str) -> Decision:
    """Internal error or time-out: fail-open (deliver with a header) or fail-closed (tempfail)."""
    action = settings.resolve(Action.FAIL)
    return Decision(action, None, None, reason=reason)


def limit_decision(settings: GatewaySettings, what: str) -> Decision:
    """A message past a wire limit (size, header fields, recipients, macros): ``on_limit``."""
    action = Action.REJECT if settings.on_limit == "reject" else Action.TEMPFAIL
    return Decision(action, None, None, reason=f"over a limit: {what}")


def _printable(text: str, limit: int) -> str:
    """One line of printable ASCII: safe in a header and in an SMTP reply."""
    cleaned = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in text)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 3].rstrip() + "..."
    return cleaned


def strip_foreign_headers(headers: Sequence[tuple[str, str]], prefix: str) -> list[p.Reply]:
    """Delete every header whose name starts with ``prefix`` (case-insensitive)."""
    lowered = prefix.lower()
    return _delete_headers(headers, lambda key: key.startswith(lowered))


def strip_receipt_requests(headers: Sequence[tuple[str, str]]) -> list[p.Reply]:
    """Delete the read-receipt requests (``headers.READ_RECEIPT_FIELDS``), as the defuser
    does in the message it rewrites (the milter replaces only the body)."""
    return _delete_headers(headers, lambda key: key in READ_RECEIPT_FIELDS)


def _delete_headers(headers: Sequence[tuple[str, str]], doomed_name: Callable[[str], bool]) -> list[p.Reply]:
    """CHGHEADER deletions of every header whose lower-case name ``doomed_name`` accepts.

    CHGHEADER addresses the n-th header of a name (1-based); deleting the highest
    index first keeps the lower indexes valid whatever the MTA does on deletion.
    """
    seen: dict[str, int] = {}
    doomed: list[tuple[str, int]] = []
    for name, _value in headers:
        key = name.lower()
        seen[key] = seen.get(key, 0) + 1
        if doomed_name(key):
            doomed.append((name, seen[key]))
    return [p.change_header(index, name, "") for name, index in reversed(doomed)]


def verdict_headers(settings: GatewaySettings, decision: Decision) -> list[p.Reply]:
    prefix = settings.header_prefix
    result = decision.result
    if result is None:
        return [
            p.add_header(prefix + "Verdict", "unscannable"),
            p.add_header(prefix + "Reason", _printable(decision.reason or "internal error", MAX_HEADER_VALUE)),
        ]
    rules = ", ".join(dict.fromkeys(f.rule for f in result.findings)) or "none"
    out = [
        p.add_header(prefix + "Verdict", str(result.verdict)),
        p.add_header(prefix + "Score", f"{result.score:.2f}"),
        p.add_header(prefix + "Findings", _printable(rules, MAX_HEADER_VALUE)),
    ]
    if decision.action in (Action.DEFUSE, Action.BANNER) and decision.rewritten is not None:
        out.append(p.add_header(prefix + "Action", str(decision.action)))
        if decision.attachments:
            out.append(p.add_header(prefix + "Attachments", _printable(decision.attachments, MAX_HEADER_VALUE)))
    if result.reason:
        out.append(p.add_header(prefix + "Reason", _printable(result.reason, MAX_HEADER_VALUE)))
    return out


def reject_text(settings: GatewaySettings, decision: Decision) -> str:
    result = decision.result
    summary = ""
    if result is not None:
        summary = result.summary or (result.findings[0].summary if result.findings else str(result.verdict))
    text = settings.reject_reply.replace("{summary}", summary or "policy")
    return _printable(text.replace("%", "%%"), MAX_REPLY_TEXT)


def tempfail_text(settings: GatewaySettings) -> str:
    return _printable(settings.tempfail_reply.replace("%", "%%"), MAX_REPLY_TEXT)


def decide_replies(
    settings: GatewaySettings,
    decision: Decision,
    headers: Sequence[tuple[str, str]],
    entry_id: str = "",
    *,
    leading_space: bool = False,
    can_change_headers: bool = True,
) -> list[p.Reply]:
    """The packets for one message, ending with exactly one final reply.

    ``leading_space``: the MTA negotiated SMFIP_HDR_LEADSPC, so header values we add
    carry their own space after the colon.
    """
    action = decision.action
    if action is Action.TEMPFAIL:
        return [p.reply_code(tempfail_text(settings))]
    if action is Action.REJECT and decision.result is None and decision.reason.startswith("over a limit: "):
        text = settings.limit_reply.replace("{limit}", decision.reason.removeprefix("over a limit: "))
        return [p.reply_code(_printable(text.replace("%", "%%"), MAX_REPLY_TEXT))]
    if action is Action.REJECT:
        return [p.reply_code(reject_text(settings, decision))]
    if action is Action.QUARANTINE and settings.quarantine_mode == "store":
        return [p.DISCARD]  # the verified original is in our quarantine; Postfix drops its copy
    # an MTA that did not grant SMFIF_CHGHDRS would drop the connection on CHGHEADER
    replies = strip_foreign_headers(headers, settings.header_prefix) if can_change_headers else []
    if can_change_headers and action is Action.DEFUSE and decision.rewritten is not None:
        replies += strip_receipt_requests(headers)
    replies += verdict_headers(settings, decision)
    if entry_id:
        replies.append(p.add_header(settings.header_prefix + "Quarantine-Id", entry_id))
    if action is Action.QUARANTINE:
        replies.append(p.quarantine(f"mailward: {decision.result.verdict if decision.result else 'held'}"))
    elif action in (Action.DEFUSE, Action.BANNER) and decision.rewritten is not None:
        _head, _sep, body = split_head(decision.rewritten)
        replies += p.replace_body(body)
    replies.append(p.ACCEPT)
    if leading_space:
        replies = [_with_space(r) for r in replies]
    return replies


def _with_space(reply: p.Reply) -> p.Reply:
    if reply.cmd != p.R_ADDHEADER:
        return reply
    name, _, rest = reply.data.partition(b"\0")
    return p.Reply(p.R_ADDHEADER, name + b"\0 " + rest)
