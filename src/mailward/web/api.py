"""The REST API under /api/v1. Every endpoint needs a bearer token of a sufficient role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from mailward.gateway.quarantine import QuarantineError

from .auth import ROLES, AuthError, Principal
from .context import WebContext
from .queries import VERDICTS, MessageQuery, campaign_timeline, search_messages

MAX_UPLOAD = 25 * 1024 * 1024
_bearer = HTTPBearer(auto_error=False, description="An API token from `mailward token create`.")

RAW_MESSAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The raw message (RFC 5322 bytes).",
        "content": {
            "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
FEED_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A STIX 2.1 bundle, a MISP event (JSON) or a plain list of indicators, one per line.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def ctx_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def _principal(request: Request, creds: HTTPAuthorizationCredentials | None = Security(_bearer)) -> Principal:  # noqa: B008
    if creds is None or creds.scheme.lower() != "bearer":
        raise HTTPException(401, "an API token is needed (Authorization: Bearer TOKEN)",
                            headers={"WWW-Authenticate": "Bearer"})
    who = ctx_of(request).auth.check_token(creds.credentials)
    if who is None:
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return who


def need(role: str) -> Callable[..., Principal]:
    def check(who: Principal = Depends(_principal)) -> Principal:  # noqa: B008
        if not who.allows(role):
            raise HTTPException(403, f"this needs the {role} role; the token has {who.role}")
        return who

    return check


Viewer = Annotated[Principal, Depends(need("viewer"))]
Analyst = Annotated[Principal, Depends(need("analyst"))]
Admin = Annotated[Principal, Depends(need("admin"))]
Ctx = Annotated[WebContext, Depends(ctx_of)]

router = APIRouter(prefix="/api/v1", responses={401: {"description": "No or bad token"},
                                                  403: {"description": "Role too low"}})


async def _body(request: Request) -> bytes:
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise HTTPException(413, f"the body is larger than {MAX_UPLOAD} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise HTTPException(400, "the request body is empty: post the raw message")
    return data


# -- who am I -------------------------------------------------------------------------------


@router.get("/me", tags=["auth"], summary="The calling token's name and role")
def me(who: Viewer) -> dict[str, Any]:
    return {"name": who.name, "role": who.role}


# -- scan -----------------------------------------------------------------------------------


@router.post("/scan", tags=["scan"], summary="Scan a posted raw message", openapi_extra=RAW_MESSAGE_BODY)
async def scan(request: Request, who: Analyst, ctx: Ctx) -> dict[str, Any]:
    raw = await _body(request)
    result, _preview = await ctx.analysis.scan(raw, "api")  # in a worker process, within the time budget
    out: dict[str, Any] = result.to_json()
    return out


# -- messages --------------------------------------------------------------------------------


Verdict = Literal["clean", "tracking", "suspicious", "unscannable", "recon", "phishing", "malicious"]
assert set(VERDICTS) == set(Verdict.__args__)  # type: ignore[attr-defined]


@router.get("/messages", tags=["messages"], summary="List and search stored messages")
def list_messages(
    who: Viewer,
    ctx: Ctx,
    verdict: Verdict | None = None,
    sender: Annotated[str | None, Query(max_length=320, description="Part of the From address")] = None,
    recipient: Annotated[str | None, Query(max_length=320, description="A recipient address (exact)")] = None,
    since: Annotated[dt.datetime | None, Query(description="Date at or after (ISO 8601)")] = None,
    until: Annotated[dt.datetime | None, Query(description="Date before (ISO 8601)")] = None,
    rule: Annotated[str | None, Query(max_length=100, description="A rule that fired, e.g. BEACON_PIXEL")] = None,
    campaign: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    found, total = search_messages(ctx.store, MessageQuery(
        verdict=verdict, sender=sender, recipient=recipient, since=_utc(since), until=_utc(until),
        rule=rule, campaign=campaign, limit=limit, offset=offset))
    return {"total": total, "limit": limit, "offset": offset, "messages": [m.to_json() for m in found]}


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


@router.get("/messages/{message_id}", tags=["messages"], summary="One stored message")
def show_message(message_id: int, who: Viewer, ctx: Ctx) -> dict[str, Any]:
    found = ctx.store.message(message_id) if 0 < message_id < 2**62 else None
    if found is None:
        raise HTTPException(404, f"no message {message_id}")
    out: dict[str, Any] = found.to_json()
    out["preview_available"] = ctx.message_bytes(message_id)[1] or None
    return out


# -- campaigns -------------------------------------------------------------------------------


def _campaign(ctx: WebContext, ident: str) -> Any:
    found = ctx.store.campaign(ident) if ident and len(ident) <= 32 else None
    if found is None:
        raise HTTPException(404, f"no campaign {ident!r}")
    return found


@router.get("/campaigns", tags=["campaigns"], summary="Campaigns, strongest verdict first")
def list_campaigns(who: Viewer, ctx: Ctx, kind: Literal["attack", "benign"] = "attack") -> dict[str, Any]:
    return {"campaigns": [c.to_json() for c in ctx.store.campaigns(kind=kind)]}


@router.get("/campaigns/{campaign_id}", tags=["campaigns"], summary="One campaign (id or unique prefix)")
def show_campaign(campaign_id: str, who: Viewer, ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = _campaign(ctx, campaign_id).to_json()
    return out


@router.get("/campaigns/{campaign_id}/targets", tags=["campaigns"], summary="Who a campaign targeted, with roles")
def campaign_targets(campaign_id: str, who: Viewer, ctx: Ctx) -> dict[str, Any]:
    found = _campaign(ctx, campaign_id)
    return {"campaign": found.id, "targets": targets_of(ctx, found.id)}


def targets_of(ctx: WebContext, campaign_id: str) -> list[dict[str, Any]]:
    out = []
    for t in ctx.store.targets(ctx.roster):
        hits = [h for h in t.campaigns if h.campaign_id == campaign_id]
        if hits:
            h = hits[0]
            out.append({"address": t.address, "name": t.name, "role": t.role, "messages": h.messages,
                        "first_seen": h.first_seen.isoformat() if h.first_seen else None,
                        "last_seen": h.last_seen.isoformat() if h.last_seen else None})
    return sorted(out, key=lambda x: (-x["messages"], x["address"]))


@router.get("/campaigns/{campaign_id}/timeline", tags=["campaigns"], summary="Messages and recipients per day")
def timeline(campaign_id: str, who: Viewer, ctx: Ctx) -> dict[str, Any]:
    found = _campaign(ctx, campaign_id)
    return {"campaign": found.id, "days": campaign_timeline(ctx.store.campaign_messages(found.id))}


def export_campaign(ctx: WebContext, ident: str, fmt: str) -> str:
    from mailward.share.campaign import ExportError, ShareSettings, build_export

    found = _campaign(ctx, ident)
    try:
        settings = ShareSettings.from_config(ctx.config)
        export = build_export(found, ctx.store.campaign_messages(found.id), settings, roster=ctx.roster)
    except ExportError as exc:
        raise HTTPException(409, str(exc)) from None
    if fmt == "stix":
        from mailward.share.stix import bundle_json

        return bundle_json(export)
    from mailward.share.misp import event_json

    return event_json(export)


@router.get("/campaigns/{campaign_id}/export/{fmt}", tags=["campaigns"],
            summary="Export a campaign as a STIX 2.1 bundle or a MISP event (analyst)",
            responses={200: {"content": {"application/json": {}}}})
def export(campaign_id: str, fmt: Literal["stix", "misp"], who: Analyst, ctx: Ctx) -> Response:
    text = export_campaign(ctx, campaign_id, fmt)
    ctx.audit.record("exported", campaign=campaign_id, format=fmt, by=who.name)
    return Response(text, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="mailward-{campaign_id[:12]}-{fmt}.json"'})


# -- targets ---------------------------------------------------------------------------------


@router.get("/targets", tags=["targets"], summary="Everyone who received campaign mail, most-targeted first")
def targets(who: Viewer, ctx: Ctx, include_untouched: bool = False) -> dict[str, Any]:
    return {"targets": [t.to_json() for t in ctx.store.targets(ctx.roster, include_untouched=include_untouched)]}


# -- quarantine ------------------------------------------------------------------------------


def quarantine_entry(ctx: WebContext, entry_id: str) -> Any:
    try:
        return ctx.quarantine.get(entry_id)
    except QuarantineError:
        raise HTTPException(404, f"no quarantine entry {entry_id!r}") from None


@router.get("/quarantine", tags=["quarantine"], summary="Quarantined and rewritten messages, newest first")
def list_quarantine(
    who: Viewer, ctx: Ctx,
    status: Literal["held", "delivered", "rejected", "released", "deleted"] | None = None,
) -> dict[str, Any]:
    entries = [e for e in ctx.quarantine.entries() if status is None or e.status == status]
    entries.sort(key=lambda e: e.id, reverse=True)
    return {"entries": [e.to_json() for e in entries]}


@router.get("/quarantine/{entry_id}", tags=["quarantine"], summary="One quarantine entry")
def show_quarantine(entry_id: str, who: Viewer, ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = quarantine_entry(ctx, entry_id).to_json()
    return out


class ReleaseRequest(BaseModel):
    defused: bool = Field(False, description="Release the defused copy instead of the original")
    rcpt_to: list[Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s<>]+@[^@\s<>]+$")]] = Field(
        default_factory=list, max_length=100,
        description="Some of the recorded envelope recipients (default: all of them). Any other "
                    "recipient needs the admin role and confirm_other_recipients.")
    confirm_other_recipients: bool = Field(
        False, description="Admin only: confirm sending to recipients the message was not addressed to (audited)")


def release_entry(ctx: WebContext, entry_id: str, who: Principal, *, defused: bool = False,
                  rcpt_to: tuple[str, ...] = (), confirm_other_recipients: bool = False) -> Any:
    from mailward.gateway.release import ReleaseError, ReleaseRefused, other_recipients, release

    entry = quarantine_entry(ctx, entry_id)
    if entry.status != "held":
        raise HTTPException(409, f"{entry_id} is {entry.status}, not held")
    others = other_recipients(entry, rcpt_to)
    if others and not who.allows("admin"):
        ctx.audit.record("release-refused", id=entry_id, by=who.name, role=who.role, other_recipients=others,
                         reason="only an admin may release to recipients the message was not addressed to")
        raise HTTPException(403, "only an admin may release to recipients the message was not addressed to")
    try:
        released = release(ctx.quarantine, ctx.audit, ctx.gateway, entry_id, defused=defused, rcpt_to=rcpt_to,
                           confirm_other_recipients=confirm_other_recipients, by=f"{who.name} ({who.role})")
    except ReleaseRefused as exc:
        raise HTTPException(422, str(exc)) from None
    except ReleaseError as exc:
        raise HTTPException(502, str(exc)) from None
    except QuarantineError as exc:
        raise HTTPException(409, str(exc)) from None
    ctx.audit.record("release-requested", id=entry_id, by=who.name, role=who.role)
    return released


def delete_entry(ctx: WebContext, entry_id: str, who: Principal) -> Any:
    quarantine_entry(ctx, entry_id)
    try:
        entry = ctx.quarantine.delete(entry_id)
    except QuarantineError as exc:
        raise HTTPException(409, str(exc)) from None
    ctx.audit.record("deleted", id=entry.id, sha256=entry.sha256, defused_sha256=entry.defused_sha256,
                     by=who.name, role=who.role)
    return entry


@router.post("/quarantine/{entry_id}/release", tags=["quarantine"],
             summary="Send a held message on to its recorded recipients via the release next hop (analyst)",
             responses={404: {"description": "No such entry"}, 409: {"description": "Not held"},
                        403: {"description": "Other recipients asked for without the admin role"},
                        422: {"description": "Other recipients asked for without confirm_other_recipients"},
                        502: {"description": "The next hop refused"}})
def release_quarantined(entry_id: str, who: Analyst, ctx: Ctx, body: ReleaseRequest | None = None) -> dict[str, Any]:
    body = body or ReleaseRequest(defused=False, confirm_other_recipients=False)
    out: dict[str, Any] = release_entry(ctx, entry_id, who, defused=body.defused, rcpt_to=tuple(body.rcpt_to),
                                        confirm_other_recipients=body.confirm_other_recipients).to_json()
    return out


@router.delete("/quarantine/{entry_id}", tags=["quarantine"], summary="Delete a quarantine entry and its bytes (analyst)",
               responses={404: {"description": "No such entry"}})
def delete_quarantined(entry_id: str, who: Analyst, ctx: Ctx) -> dict[str, Any]:
    entry = delete_entry(ctx, entry_id, who)
    return {"deleted": entry.id}


# -- rules -----------------------------------------------------------------------------------


@router.get("/rules", tags=["rules"], summary="The detection rules in force")
def list_rules(who: Viewer, ctx: Ctx) -> dict[str, Any]:
    return {"rules": ctx.rules()}


@router.post("/rules/test", tags=["rules"], summary="Which rules fire on a posted raw message (analyst)",
             openapi_extra=RAW_MESSAGE_BODY)
async def test_rules(
    request: Request, who: Analyst, ctx: Ctx,
    rule: Annotated[str | None, Query(max_length=100, description="Also say whether this rule fired")] = None,
) -> dict[str, Any]:
    raw = await _body(request)
    result, _preview = await ctx.analysis.scan(raw, "rules-test")
    fired = [f.rule for f in result.findings]
    out: dict[str, Any] = {
        "verdict": str(result.verdict),
        "score": result.score,
        "fired": fired,
        "findings": [f.to_json() for f in result.findings],
    }
    if rule is not None:
        out["rule"] = rule
        out["rule_fired"] = rule in fired
    return out


RULE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One rule file (YAML), as in src/mailward/rules/*.yaml.",
        "content": {"application/yaml": {"schema": {"type": "string"}},
                    "text/plain": {"schema": {"type": "string"}}},
    }
}


@router.post("/rules/lint", tags=["rules"], summary="Check a rule file before adding it (admin)",
             openapi_extra=RULE_BODY)
async def lint_rule(request: Request, who: Admin, ctx: Ctx) -> dict[str, Any]:
    """Field, condition and fact checks of ``mailward rules lint``, plus id and name clashes
    with the rules in force. Rules are added to a rules directory by the administrator
    (``[rules] dirs``); the running services load them at start."""
    from pathlib import Path

    from mailward.rules.lint import lint_specs
    from mailward.rules.rulefile import parse_rule

    data = await _body(request)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "a rule file is UTF-8 text") from None
    spec, found = await run_in_threadpool(parse_rule, text, Path("posted.yaml"))
    if spec is not None and spec.name.replace("_", "").isalnum():
        # checked under the file name it would have (the family prefix is part of the lint)
        spec, found = await run_in_threadpool(parse_rule, text, Path(spec.name.lower() + ".yaml"))
    problems = [str(p) for p in found]
    if spec is not None:
        problems += [str(p) for p in lint_specs([spec], check_samples=False)]
        for rule in ctx.rules():
            if rule["id"] == spec.id:
                problems.append(f"posted.yaml: id {spec.id} is already used by {rule['name']}")
            if rule["name"] == spec.name:
                problems.append(f"posted.yaml: a rule named {spec.name} exists already")
    return {"ok": spec is not None and not problems, "name": spec.name if spec else None,
            "id": spec.id if spec else None, "problems": problems}


# -- intel -----------------------------------------------------------------------------------


@router.get("/intel", tags=["intel"], summary="Threat-intelligence indicators")
def list_intel(
    who: Viewer, ctx: Ctx,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    source: Annotated[str | None, Query(max_length=500)] = None,
    include_expired: bool = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    items = ctx.store.indicators(kind=kind, source=source, include_expired=include_expired)
    return {
        "total": len(items),
        "indicators": [
            {"id": i.id, "value": i.value, "kind": i.kind, "source": i.source, "confidence": i.confidence,
             "created_at": i.created_at.isoformat() if i.created_at else None,
             "expires_at": i.expires_at.isoformat() if i.expires_at else None, "note": i.note}
            for i in items[:limit]
        ],
    }


@router.post("/intel", tags=["intel"], summary="Import indicators from a STIX bundle, MISP event or list (analyst)",
             openapi_extra=FEED_BODY)
async def import_intel(
    request: Request, who: Analyst, ctx: Ctx,
    source: Annotated[str | None, Query(max_length=500, description="Source name (default: the feed's producer)")] = None,
    confidence: Annotated[int, Query(ge=0, le=100)] = 50,
) -> dict[str, Any]:
    from mailward.share.intel import IntelError, add_indicators, read_feed

    data = await _body(request)
    try:
        feed = read_feed(data, "api")
        name = source or feed.producer or "api"
        added, updated = add_indicators(ctx.store, feed.indicators, source=name, confidence=confidence)
    except IntelError as exc:
        raise HTTPException(400, str(exc)) from None
    ctx.audit.record("intel-import", source=name, added=added, updated=updated, by=who.name)
    from mailward.share.retromatch import rematch

    # every way indicators arrive re-matches the store at once (a database join)
    matched = rematch(ctx.store, ctx.config, alert_wait=0)  # alerts go out in the background
    return {"format": feed.format, "source": name, "added": added, "updated": updated,
            "problems": list(feed.problems), "retro_match": matched.to_json()}


# -- notices to targets (analyst) ----------------------------------------------------------


class NotifyRequest(BaseModel):
    send: bool = False
    confirm: bool = Field(default=False, description="Must be true to send: the analyst confirms the sending")
    only: list[str] = Field(default_factory=list, description="Only these target addresses")


@router.post("/campaigns/{campaign_id}/notify", tags=["campaigns"],
             summary="Notices to the people a campaign targeted; with send and confirm, send them (analyst, audited)")
def notify_targets(campaign_id: str, who: Analyst, ctx: Ctx, body: NotifyRequest | None = None) -> dict[str, Any]:
    from mailward.notify import NotifyError, build_notices, send_notices

    request = body or NotifyRequest(send=False, confirm=False)
    try:
        notices = build_notices(ctx.store, campaign_id, ctx.config)
    except NotifyError as exc:
        raise HTTPException(404, str(exc)) from None
    if request.only:
        wanted = {a.lower() for a in request.only}
        notices = [n for n in notices if n.address.lower() in wanted]
    sent: list[str] = []
    if request.send:
        if not request.confirm:
            raise HTTPException(400, "sending notices needs confirm: true")
        try:
            sent = send_notices(notices, ctx.config, analyst=who.name or "api", audit=ctx.audit)
        except NotifyError as exc:
            raise HTTPException(424, str(exc)) from None  # the relay failed, not this server
    return {"campaign": campaign_id, "notices": [
        {"address": n.address, "name": n.name, "messages": n.messages, "subject": n.subject, "text": n.text,
         "html": n.html, "sent": n.address in sent} for n in notices]}


# -- tokens (admin) --------------------------------------------------------------------------


class TokenRequest(BaseModel):
    role: Literal["viewer", "analyst", "admin"]
    name: str = Field("", max_length=200)


@router.get("/tokens", tags=["auth"], summary="API tokens and users (admin)")
def list_tokens(who: Admin, ctx: Ctx) -> dict[str, Any]:
    return {"credentials": [c.to_json() for c in ctx.auth.list(include_revoked=True)]}


@router.post("/tokens", tags=["auth"], summary="Create an API token; the token is shown once (admin)", status_code=201)
def create_token(body: TokenRequest, who: Admin, ctx: Ctx) -> dict[str, Any]:
    info, token = ctx.auth.create_token(body.role, body.name)
    ctx.audit.record("token-created", id=info.id, role=info.role, by=who.name)
    return {**info.to_json(), "token": token}


@router.delete("/tokens/{credential_id}", tags=["auth"], summary="Revoke a token or user (admin)",
               responses={404: {"description": "No such credential"}})
def revoke_token(credential_id: int, who: Admin, ctx: Ctx) -> dict[str, Any]:
    try:
        info = ctx.auth.revoke(credential_id) if 0 < credential_id < 2**62 else None
    except AuthError:
        info = None
    if info is None:
        raise HTTPException(404, f"no token or user {credential_id}")
    ctx.audit.record("token-revoked", id=credential_id, by=who.name)
    return info.to_json()


assert ROLES == ("viewer", "analyst", "admin")
