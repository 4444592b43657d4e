"""Server-rendered pages: sign-in, dashboard, campaigns, messages, quarantine, rules, tokens.

A page needs a session cookie (HttpOnly, SameSite=Strict, Secure over https); every
form that changes something carries the session's CSRF token, checked in constant
time. The sign-in form uses a double-submit cookie for the same purpose.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from mailward.gateway.quarantine import QuarantineError

from . import story
from .api import ctx_of, delete_entry, export_campaign, quarantine_entry, release_entry
from .app import LoginRequired
from .auth import ROLES, AuthError, Principal, csrf_ok
from .preview import PREVIEW_CSP
from .queries import campaign_names, stored_copies

SESSION_COOKIE = "mw_session"
MAX_SCAN_BYTES = 25 * 1024 * 1024
LOGIN_CSRF_COOKIE = "mw_login_csrf"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)

templates.env.filters["evidence"] = story.evidence_text
templates.env.filters["grouped_because"] = story.grouped_because
templates.env.globals["techniques"] = story.techniques
templates.env.globals["pivot"] = story.pivot
templates.env.globals["outcome_words"] = story.OUTCOME_WORDS
LEAK_WORDS = story.LEAK_WORDS

QUARANTINE_STATUSES = ("held", "delivered", "rejected", "released")
# notices after an action, chosen by key: a crafted link cannot put its own words on a page
NOTICES = {
    "released": "Released: the original message was sent on to its recipients.",
    "released-defused": "Released: the defused copy (beacons removed) was sent on to its recipients.",
    "deleted": "Deleted: the quarantine entry and its stored bytes are gone.",
    "released-other": "Released to the recipients you confirmed; the release is in the audit log.",
    "labelled-phishing": "Labelled phishing: `mailward learn --store` will train on it; the label is in the audit log.",
    "labelled-ham": "Labelled wanted mail: `mailward learn --store` will train on it; the label is in the audit log.",
    "label-cleared": "Label removed; the change is in the audit log.",
}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or ctx_of(request).secure_cookies


def _user(request: Request) -> Principal:
    sid = request.cookies.get(SESSION_COOKIE, "")
    who = ctx_of(request).auth.session(sid) if sid else None
    if who is None:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(expired=bool(sid), wanted=wanted if request.method == "GET" else "")
    return who


def _maybe_user(request: Request) -> Principal | None:
    sid = request.cookies.get(SESSION_COOKIE, "")
    return ctx_of(request).auth.session(sid) if sid else None


def local_path(value: str) -> str:
    """``value`` when it is a path on this site (``/messages?x=1``), else "/": the sign-in
    page's ``next`` must never send the browser to another host."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return "/"
    if any(c in value for c in "\\\r\n\t") or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("/login") or value.startswith("/logout"):
        return "/"
    return value


def _need(request: Request, role: str) -> Principal:
    who = _user(request)
    if not who.allows(role):
        raise HTTPException(403, f"this needs the {role} role; you have {who.role}")
    return who


async def _form(request: Request, who: Principal) -> Any:
    form = await request.form()
    got = form.get("csrf_token")
    if not csrf_ok(who.session_csrf, got if isinstance(got, str) else None):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page and try again")
    return form


def _render(request: Request, name: str, who: Principal | None, *, status_code: int = 200, **values: Any) -> HTMLResponse:
    values.update(user=who, csrf=who.session_csrf if who else "", roles=ROLES)
    return templates.TemplateResponse(request, name, values, status_code=status_code)


def error_page(request: Request, status_code: int, detail: str) -> HTMLResponse:
    """A plain page for errors on page routes (the API answers JSON), with the navigation."""
    try:
        who = _maybe_user(request)
    except Exception:
        who = None
    return _render(request, "error.html", who, status_code=status_code, code=status_code, detail=detail)


# -- sign in and out --------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, error: str = "", expired: str = "", next: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    # a fixed text: a crafted link must not be able to put its own words on the sign-in page
    shown = "Sign-in failed: check the token, or the user and password." if error else ""
    notice = "Your session has expired. Sign in again to go on where you were." if expired and not error else ""
    response = _render(request, "login.html", None, error=shown, notice=notice, login_csrf=token,
                       next=local_path(next))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request), max_age=3600, path="/login")
    return response


MAX_LOGIN_BODY = 4096  # the sign-in form is three short fields and a CSRF token
_PASSWORD_CHECKS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mailward-scrypt")


async def _login_form(request: Request) -> dict[str, str]:
    """The sign-in form's fields: a small urlencoded body, refused before it is read otherwise."""
    from urllib.parse import parse_qsl

    ctype = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise HTTPException(415, "the sign-in form is posted as application/x-www-form-urlencoded")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_LOGIN_BODY):
        raise HTTPException(413, f"the sign-in form is at most {MAX_LOGIN_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_LOGIN_BODY:
            raise HTTPException(413, f"the sign-in form is at most {MAX_LOGIN_BODY} bytes")
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "the sign-in form is not valid urlencoded data") from None
    return dict(pairs)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


@router.post("/login")
async def login(request: Request) -> Response:


    form = await _login_form(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf_ok(cookie, form.get("csrf_token")):
        raise HTTPException(403, "the sign-in form's CSRF token is missing or wrong: reload the page")
    ctx = ctx_of(request)
    auth, client = ctx.auth, _client(request)
    token = form.get("token", "").strip()
    username = form.get("username", "").strip()[:200]
    password = form.get("password", "")
    account = "" if token else username
    wanted = local_path(str(form.get("next") or ""))
    wait = ctx.throttle.wait(account, client)
    if wait > 0:
        ctx.audit.record("sign-in-failed", name=username, token=bool(token), client=client, reason="throttled",
                         retry_after=round(wait, 1))
        refused = error_page(request, 429, "Too many failed sign-ins: wait a while, then try again.")
        refused.headers["Retry-After"] = str(int(wait) + 1)
        return refused
    # scrypt runs in its own one-thread pool (it releases the GIL): the event loop keeps serving,
    # and a burst of sign-ins queues there instead of taking every core from the other requests
    loop = asyncio.get_running_loop()
    if token:
        who = await run_in_threadpool(auth.check_token, token)
    elif username:
        who = await loop.run_in_executor(_PASSWORD_CHECKS, auth.check_password, username, password)
    else:
        who = None
    if who is None:
        ctx.throttle.failed(account, client)
        ctx.audit.record("sign-in-failed", name=username, token=bool(token), client=client,
                         reason="unknown token" if token else "wrong user or password")
        return RedirectResponse("/login?" + urlencode({"error": 1, "next": wanted}), status_code=303)
    ctx.throttle.succeeded(account)
    sid, _csrf = await run_in_threadpool(auth.start_session, who)
    ctx.audit.record("signed-in", name=who.name, role=who.role, client=client)
    response = RedirectResponse(wanted, status_code=303)
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=_secure(request),
                        path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    who = _user(request)
    await _form(request, who)
    ctx_of(request).auth.end_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- campaigns ----------------------------------------------------------------------------------


@router.get("/campaigns/{campaign_id}/export/{fmt}")
def campaign_export(request: Request, campaign_id: str, fmt: str) -> Response:
    who = _need(request, "analyst")
    if fmt not in ("stix", "misp"):
        raise HTTPException(404, "export formats: stix, misp")
    text = export_campaign(ctx_of(request), campaign_id, fmt)
    ctx_of(request).audit.record("exported", campaign=campaign_id, format=fmt, by=who.name)
    return Response(text, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="mailward-{campaign_id[:12]}-{fmt}.json"'})


# -- messages -----------------------------------------------------------------------------------




@router.get("/messages/{message_id}")
def message_page(request: Request, message_id: int, notice: str = "") -> HTMLResponse:
    who = _need(request, "viewer")
    ctx = ctx_of(request)
    found = ctx.store.message(message_id) if 0 < message_id < 2**62 else None
    if found is None:
        raise HTTPException(404, f"no message {message_id}")
    raw, origin = ctx.message_bytes(message_id)
    headers = ctx.analysis.preview_sync(raw)[0] if raw else ()  # parsed in a worker, within the budget
    campaign = ctx.store.campaign(found.campaign_id) if found.campaign_id else None
    actions = ctx.actions()
    return _render(request, "message.html", who, m=found, origin=origin, headers=headers,
                   preview_url=f"/messages/{message_id}/preview" if raw else "", leak_words=LEAK_WORDS,
                   campaign=campaign, sentence=story.message_sentence(found), leaks=story.leaks_of([found]),
                   people=story.people_of(found.recipients, ctx.roster), done=actions.actions_of(found),
                   outcome=actions.outcome(found), indicators=story.top_indicators(found.indicators, 8),
                   groups=story.severity_groups(found.findings), label=ctx.store.label(found.sha256),
                   notice=NOTICES.get(notice, ""))


@router.post("/messages/{message_id}/label")
async def message_label(request: Request, message_id: int) -> Response:
    """An analyst confirms what a stored message is (phishing or wanted mail), or clears it:
    training data for `mailward learn --store`, written to the audit log."""
    who = _need(request, "analyst")
    form = await _form(request, who)
    ctx = ctx_of(request)
    found = ctx.store.message(message_id) if 0 < message_id < 2**62 else None
    if found is None:
        raise HTTPException(404, f"no message {message_id}")
    choice = str(form.get("label") or "")
    if choice == "clear":
        had = await run_in_threadpool(ctx.store.clear_label, found.sha256)
        ctx.audit.record("label-cleared", sha256=found.sha256, message=message_id, by=who.name, role=who.role,
                         had_label=had)
        return RedirectResponse(f"/messages/{message_id}?notice=label-cleared", status_code=303)
    if choice not in ("phishing", "ham"):
        raise HTTPException(400, "label must be phishing, ham or clear")
    note = str(form.get("note") or "")[:2000]
    await run_in_threadpool(lambda: ctx.store.set_label(found.sha256, choice, analyst=who.name or who.role,
                                                        note=note))
    ctx.audit.record("labelled", sha256=found.sha256, message=message_id, label=choice, by=who.name,
                     role=who.role, note=note, source="web")
    return RedirectResponse(f"/messages/{message_id}?notice=labelled-{choice}", status_code=303)


def _preview_response(request: Request, raw: bytes) -> HTMLResponse:
    document = ctx_of(request).analysis.preview_sync(raw)[1]
    return HTMLResponse(document, headers={
        "Content-Security-Policy": PREVIEW_CSP + "; frame-ancestors 'self'",
        "X-Frame-Options": "SAMEORIGIN",
    })


@router.get("/messages/{message_id}/preview")
def message_preview(request: Request, message_id: int) -> HTMLResponse:
    _need(request, "viewer")
    raw, _origin = ctx_of(request).message_bytes(message_id) if 0 < message_id < 2**62 else (None, "")
    if raw is None:
        raise HTTPException(404, "no copy of this message's bytes is kept")
    return _preview_response(request, raw)


@router.get("/scan")
def scan_page(request: Request) -> HTMLResponse:
    who = _need(request, "analyst")
    return _render(request, "scan.html", who, result=None, preview="")


@router.post("/scan")
async def scan_upload(request: Request) -> HTMLResponse:
    """Scan an uploaded message and show the result with its safe preview; nothing is stored."""
    who = _need(request, "analyst")
    form = await _form(request, who)
    upload = form.get("message")
    raw = await upload.read(MAX_SCAN_BYTES + 1) if hasattr(upload, "read") else b""
    if not raw:
        raise HTTPException(400, "choose a message file (.eml) to scan")
    if len(raw) > MAX_SCAN_BYTES:
        raise HTTPException(413, f"the message is larger than {MAX_SCAN_BYTES} bytes")
    name = str(getattr(upload, "filename", "") or "upload")[:200]
    # parsing, scanning and the preview run in a worker process within the time budget
    result, document = await ctx_of(request).analysis.scan(raw, name, with_preview=True)
    return _render(request, "scan.html", who, result=result.to_json(), preview=document,
                   leak_words=LEAK_WORDS)


# -- quarantine ---------------------------------------------------------------------------------


@router.get("/quarantine")
def quarantine_page(request: Request, status: str = "", notice: str = "") -> HTMLResponse:
    who = _need(request, "viewer")
    ctx = ctx_of(request)
    if status and status not in QUARANTINE_STATUSES:
        raise HTTPException(400, f"status: use one of {', '.join(QUARANTINE_STATUSES)}")
    entries = [e for e in ctx.quarantine.entries() if not status or e.status == status]
    entries.sort(key=lambda e: e.id, reverse=True)
    return _render(request, "quarantine.html", who, entries=entries, status=status, statuses=QUARANTINE_STATUSES,
                   can_act=who.allows("analyst"), copies=stored_copies(ctx.store, entries),
                   names=campaign_names(ctx.store), notice=NOTICES.get(notice, ""),
                   quarantine_dir=str(ctx.gateway.quarantine_dir))


def _entry_page(request: Request, who: Principal, entry: Any, *, notice: str = "", error: str = "",
                status_code: int = 200, can_release_other: bool | None = None) -> HTMLResponse:
    ctx = ctx_of(request)
    actions = ctx.actions()
    if can_release_other is None:
        can_release_other = who.allows("admin") and entry.status == "held"
    return _render(request, "quarantine_entry.html", who, e=entry, can_act=who.allows("analyst"),
                   can_release_other=can_release_other,
                   notice=notice, error=error, history=actions.history(entry),
                   copies=stored_copies(ctx.store, [entry]).get(entry.id, []), names=campaign_names(ctx.store),
                   status_code=status_code)


@router.get("/quarantine/{entry_id}")
def quarantine_entry_page(request: Request, entry_id: str, notice: str = "") -> HTMLResponse:
    who = _need(request, "viewer")
    entry = quarantine_entry(ctx_of(request), entry_id)
    return _entry_page(request, who, entry, notice=NOTICES.get(notice, ""),
                       can_release_other=who.allows("admin") and entry.status == "held")


@router.get("/quarantine/{entry_id}/preview")
def quarantine_preview(request: Request, entry_id: str) -> HTMLResponse:
    _need(request, "viewer")
    ctx = ctx_of(request)
    entry = quarantine_entry(ctx, entry_id)
    try:
        raw = ctx.quarantine.get_bytes(entry.sha256)
    except QuarantineError as exc:
        raise HTTPException(404, str(exc)) from None
    return _preview_response(request, raw)


@router.post("/quarantine/{entry_id}/release")
async def quarantine_release(request: Request, entry_id: str) -> Response:
    who = _need(request, "analyst")
    form = await _form(request, who)
    defused = form.get("defused") == "1"
    rcpt_to = tuple(str(form.get("rcpt_to") or "").replace(",", " ").split())[:100]
    confirmed = form.get("confirm_other_recipients") == "1"
    try:
        release_entry(ctx_of(request), entry_id, who, defused=defused, rcpt_to=rcpt_to,
                      confirm_other_recipients=confirmed)
    except HTTPException as exc:
        if exc.status_code not in (409, 502):
            raise
        # show the entry with what went wrong, and the way on from there
        entry = quarantine_entry(ctx_of(request), entry_id)
        return _entry_page(request, who, entry, error=f"The release did not happen: {exc.detail}",
                           status_code=exc.status_code)
    notice = "released-other" if rcpt_to and confirmed else "released-defused" if defused else "released"
    return RedirectResponse(f"/quarantine/{entry_id}?notice={notice}", status_code=303)


@router.get("/quarantine/{entry_id}/delete")
def quarantine_delete_confirm(request: Request, entry_id: str) -> HTMLResponse:
    """The confirm step for delete: a page with one button (no JavaScript needed)."""
    who = _need(request, "analyst")
    return _render(request, "quarantine_delete.html", who, e=quarantine_entry(ctx_of(request), entry_id))


@router.post("/quarantine/{entry_id}/delete")
async def quarantine_delete(request: Request, entry_id: str) -> Response:
    who = _need(request, "analyst")
    await _form(request, who)
    delete_entry(ctx_of(request), entry_id, who)
    return RedirectResponse("/quarantine?notice=deleted", status_code=303)


# -- tokens, API docs --------------------------------------------------------------------


@router.get("/admin/tokens")
def tokens_page(request: Request) -> HTMLResponse:
    who = _need(request, "admin")
    return _render(request, "tokens.html", who, credentials=ctx_of(request).auth.list(include_revoked=True),
                   new_token=None)


@router.post("/admin/tokens")
async def tokens_create(request: Request) -> HTMLResponse:
    who = _need(request, "admin")
    form = await _form(request, who)
    auth = ctx_of(request).auth
    role = str(form.get("role") or "")
    kind = str(form.get("kind") or "token")
    try:
        if kind == "user":
            auth.create_user(str(form.get("username") or ""), str(form.get("password") or ""), role)
            new_token = None
        else:
            _info, new_token = auth.create_token(role, str(form.get("name") or "")[:200])
    except AuthError as exc:
        raise HTTPException(400, str(exc)) from None
    ctx_of(request).audit.record("credential-created", kind=kind, role=role, by=who.name)
    return _render(request, "tokens.html", who, credentials=auth.list(include_revoked=True), new_token=new_token)


@router.post("/admin/tokens/{credential_id}/revoke")
async def tokens_revoke(request: Request, credential_id: int) -> Response:
    who = _need(request, "admin")
    await _form(request, who)
    try:
        ctx_of(request).auth.revoke(credential_id)
    except AuthError as exc:
        raise HTTPException(404, str(exc)) from None
    ctx_of(request).audit.record("token-revoked", id=credential_id, by=who.name)
    return RedirectResponse("/admin/tokens", status_code=303)


@router.get("/api/docs")
def api_docs(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    endpoints = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [p.get("name", "") + ("*" if p.get("required") else "") for p in op.get("parameters", [])]
            endpoints.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                              "tags": op.get("tags", []), "params": params,
                              "body": bool(op.get("requestBody"))})
    return _render(request, "api_docs.html", _maybe_user(request), endpoints=endpoints, title=schema["info"]["title"])
