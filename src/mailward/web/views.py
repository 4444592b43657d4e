"""The overview pages: dashboard, campaigns, message search, targets, intel, audit, rules.

Every filter arrives in the query string, so each view can be linked to (the
dashboard's chart bars and heat-map cells, and the indicators, senders, hosts and
people on the detail pages all link here). A filter that cannot be read is shown
as an error above an empty result, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from . import charts, story
from .api import ctx_of
from .pages import _need, _render
from .queries import (
    SORTS,
    VERDICTS,
    MessageQuery,
    campaign_names,
    campaign_overview,
    campaign_targets,
    count_since,
    newest_date,
    search_messages,
    verdicts_by_day,
)

router = APIRouter(include_in_schema=False)
PAGE = 50
WEEK = dt.timedelta(days=7)
ATTACK_VERDICTS = ("recon", "phishing", "malicious")


def _day(value: str, field: str, errors: list[str]) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        errors.append(f"{field}: “{value[:40]}” is not a date (use YYYY-MM-DD)")
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _score(value: str, field: str, errors: list[str]) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number != number or not -1000 <= number <= 1000:
        errors.append(f"{field}: “{value[:40]}” is not a number")
        return None
    return number


def _week(newest: dt.datetime | None) -> tuple[dt.datetime, dt.date]:
    """The last 7 days of data: up to the newest message (demo and archive stores are not live)."""
    end = (newest or dt.datetime.now(dt.UTC)).date()
    start = end - dt.timedelta(days=6)
    return dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC), end


# -- dashboard ----------------------------------------------------------------------------------


@dataclass
class Tile:
    label: str
    value: int
    detail: str
    href: str


def _heatmap(targets: list[Any], roster: list[Any], campaigns: list[Any]) -> dict[str, Any]:
    """People (roster persons, or bare addresses) × the largest campaigns: messages per cell."""
    person_of = {a.lower(): p for p in roster for a in p.addresses}
    cols = [c for c in sorted(campaigns, key=lambda c: -c.message_count)[:8]]
    wanted = {c.id for c in cols}
    rows: dict[str, dict[str, Any]] = {}
    for t in targets:
        person = person_of.get(t.address)
        key = person.name if person else t.address
        row = rows.setdefault(key, {"name": key, "role": person.role if person else "",
                                    "address": person.addresses[0] if person else t.address, "cells": Counter()})
        for hit in t.campaigns:
            if hit.campaign_id in wanted:
                row["cells"][hit.campaign_id] += hit.messages
    ranked = sorted(rows.values(), key=lambda r: (-len(r["cells"]), -sum(r["cells"].values()), r["name"]))[:15]
    top = max((n for r in ranked for n in r["cells"].values()), default=1)
    for r in ranked:
        r["levels"] = {cid: min(4, 1 + (3 * n) // max(top, 1)) for cid, n in r["cells"].items()}
    return {"cols": cols, "rows": ranked}


@router.get("/")
def dashboard(request: Request) -> HTMLResponse:
    who = _need(request, "viewer")
    ctx = ctx_of(request)
    store = ctx.store
    newest = newest_date(store)
    since, end = _week(newest)
    week_q = {"since": since.date().isoformat(), "until": end.isoformat()}
    campaigns = store.campaigns()
    new_campaigns = [c for c in campaigns if c.first_seen and c.first_seen >= since]
    targets = store.targets(ctx.roster)
    person_of = {a.lower(): p.name for p in ctx.roster for a in p.addresses}
    people = {person_of.get(t.address, t.address) for t in targets}
    actions = ctx.actions()
    statuses = Counter(e.status for e in actions.entries)
    recon = count_since(store, since, ("recon",))
    tiles = [
        Tile("New campaigns", len(new_campaigns), f"first seen {since:%d %b} – {end:%d %b}",
             "/campaigns?sort=first"),
        Tile("Recon this week", recon, f"{since:%d %b} – {end:%d %b}",
             "/messages?" + urlencode({"verdict": "recon", **week_q})),
        Tile("Held now", statuses.get("held", 0),
             f"{statuses.get('released', 0)} released · {statuses.get('delivered', 0)} delivered defused",
             "/quarantine?status=held"),
        Tile("People targeted", len(people), f"by {len(campaigns)} campaigns", "/targets"),
    ]
    days, series = verdicts_by_day(store, 30)

    def bar_link(day: dt.date, verdict: str) -> str:
        return "/messages?" + urlencode({"verdict": verdict, "since": day.isoformat(), "until": day.isoformat()})

    chart = charts.stacked_bars(days, series, title="Messages by verdict per day, last 30 days of data",
                                link=bar_link) if days else ""
    recent = [dict(line, words=story.describe_audit(line)) for line in reversed(actions.audit)
              if line.get("event") not in ("viewed", "signed-in")][:8]
    info = store.info()
    return _render(
        request, "dashboard.html", who, tiles=tiles,
        chart=Markup(chart),  # noqa: S704 - built by charts.py, every text escaped there
        campaigns=campaigns[:8], heat=_heatmap(targets, ctx.roster, campaigns), recent=recent,
        counts=info["counts"], verdicts=info["verdicts"], statuses=statuses,
    )


# -- campaigns ----------------------------------------------------------------------------------

CAMPAIGN_SORTS = {
    "name": lambda c: (c.name or c.id).lower(),
    "verdict": lambda c: VERDICTS.index(c.verdict) if c.verdict in VERDICTS else -1,
    "first": lambda c: c.first_seen or dt.datetime.min.replace(tzinfo=dt.UTC),
    "last": lambda c: c.last_seen or dt.datetime.min.replace(tzinfo=dt.UTC),
    "messages": lambda c: c.message_count,
    "targets": lambda c: c.target_count,
}


def _sort_links(base: str, params: dict[str, str], columns: list[str], current: str, descending: bool) -> dict[str, str]:
    links = {}
    for col in columns:
        order = "asc" if col == current and descending else "desc"
        links[col] = base + "?" + urlencode({**{k: v for k, v in params.items() if v}, "sort": col, "order": order})
    return links


@router.get("/campaigns")
def campaigns_page(request: Request, sort: str = "", order: str = "desc") -> HTMLResponse:
    who = _need(request, "viewer")
    found = ctx_of(request).store.campaigns()
    errors = []
    if sort and sort not in CAMPAIGN_SORTS:
        errors.append(f"sort: “{sort[:40]}” is not one of {', '.join(CAMPAIGN_SORTS)}")
    elif sort:
        found.sort(key=CAMPAIGN_SORTS[sort], reverse=order != "asc")
    links = _sort_links("/campaigns", {}, list(CAMPAIGN_SORTS), sort, order != "asc")
    return _render(request, "campaigns.html", who, campaigns=[] if errors else found, errors=errors,
                   sort=sort, order=order, sort_links=links, status_code=400 if errors else 200)


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: str) -> HTMLResponse:
    who = _need(request, "viewer")
    ctx = ctx_of(request)
    found = ctx.store.campaign(campaign_id) if len(campaign_id) <= 32 else None
    if found is None:
        raise HTTPException(404, f"no campaign {campaign_id!r}")
    overview = campaign_overview(ctx.store, found.id)

    def day_link(day: dt.date, _series: str) -> str:
        return "/messages?" + urlencode({"campaign": found.id, "since": day.isoformat(), "until": day.isoformat()})

    chart = charts.timeline(overview.points, title=f"Messages per day in campaign {found.name or found.id[:12]}",
                            link=day_link)
    actions = ctx.actions()
    outcomes = {pk: actions.outcome_for(sha, mid) for pk, sha, mid in overview.members}
    done = [a for pk, sha, mid in overview.members if outcomes[pk] != "mailbox"
            for e in actions.entries_for(sha, mid) for a in actions.history(e)]
    done.sort(key=lambda a: a.time, reverse=True)
    return _render(
        request, "campaign.html", who, campaign=found, messages=overview.recent,
        targets=campaign_targets(ctx.store, found.id, ctx.roster), chart=Markup(chart),  # noqa: S704 - escaped in charts.py
        can_export=who.allows("analyst"), sentence=story.campaign_sentence(found, overview.recent),
        leaks=story.leaks_from(overview.beacons), outcomes=outcomes, outcome_counts=Counter(outcomes.values()),
        done=done[:20], indicators=story.top_indicators(found.indicators, 8),
        names={found.id: found.name or found.id[:12]}, sampled=len(overview.beacons) < len(overview.members),
    )


# -- message search -----------------------------------------------------------------------------

QUICK = [
    ("Recon this week", "recon-week"),
    ("Phishing this week", "phishing-week"),
    ("Per-recipient beacons", "tagged"),
    ("Score 5 or more", "high-score"),
]


def _quick(name: str, newest: dt.datetime | None) -> dict[str, str]:
    since, end = _week(newest)
    week = {"since": since.date().isoformat(), "until": end.isoformat()}
    return {
        "recon-week": {"verdict": "recon", **week},
        "phishing-week": {"verdict": "phishing", **week},
        "tagged": {"rule": "BEACON_RECIPIENT_TOKEN"},
        "high-score": {"min_score": "5"},
    }.get(name, {})


FILTERS = ("q", "verdict", "sender", "recipient", "indicator", "rule", "campaign", "since", "until",
           "min_score", "max_score")


@router.get("/messages")
def messages_page(request: Request, page: int = 1, sort: str = "date", order: str = "desc") -> HTMLResponse:
    who = _need(request, "viewer")
    ctx = ctx_of(request)
    raw = {k: request.query_params.get(k, "")[:320] for k in FILTERS}
    errors: list[str] = []
    if raw["verdict"] and raw["verdict"] not in VERDICTS:
        errors.append(f"verdict: “{raw['verdict'][:40]}” is not one of {', '.join(VERDICTS)}")
    if sort not in SORTS:
        errors.append(f"sort: “{sort[:40]}” is not one of {', '.join(SORTS)}")
    if order not in ("asc", "desc"):
        errors.append("order: use asc or desc")
    since = _day(raw["since"], "since", errors)
    until = _day(raw["until"], "until", errors)
    campaign = None
    if raw["campaign"]:
        campaign = ctx.store.campaign(raw["campaign"][:32])
        if campaign is None:
            errors.append(f"campaign: no campaign “{raw['campaign'][:40]}”")
    page = max(1, min(page, 100_000))
    query = MessageQuery(
        verdict=raw["verdict"] or None, sender=raw["sender"] or None, text=raw["q"] or None,
        recipient=raw["recipient"] or None, recipient_any=tuple(story.aliases(raw["recipient"], ctx.roster)),
        indicator=raw["indicator"] or None, rule=raw["rule"][:100] or None,
        campaign=campaign.id if campaign else None, since=since,
        until=until + dt.timedelta(days=1) if until else None,
        min_score=_score(raw["min_score"], "min_score", errors), max_score=_score(raw["max_score"], "max_score", errors),
        sort=sort if sort in SORTS else "date", descending=order != "asc", limit=PAGE, offset=(page - 1) * PAGE,
    )
    found, total = ([], 0) if errors else search_messages(ctx.store, query)
    kept = {k: v for k, v in raw.items() if v}
    newest = newest_date(ctx.store)
    quick = [(label, "/messages?" + urlencode(_quick(key, newest))) for label, key in QUICK]
    quick.append(("Held now", "/quarantine?status=held"))
    return _render(
        request, "messages.html", who, messages=found, total=total, page=page, filters=raw, errors=errors,
        verdicts=VERDICTS, campaign=campaign, quick=quick, names=campaign_names(ctx.store),
        sort_links=_sort_links("/messages", kept, list(SORTS), sort, order != "asc"), sort=sort, order=order,
        next_query=urlencode({**kept, "sort": sort, "order": order, "page": page + 1}),
        prev_query=urlencode({**kept, "sort": sort, "order": order, "page": page - 1}),
        status_code=400 if errors else 200,
    )


# -- targets, intel, audit, rules ---------------------------------------------------------------


@router.get("/targets")
def targets_page(request: Request) -> HTMLResponse:
    who = _need(request, "viewer")
    ctx = ctx_of(request)
    targets = ctx.store.targets(ctx.roster)
    person_of = {a.lower(): p for p in ctx.roster for a in p.addresses}
    people: dict[str, dict[str, Any]] = {}
    for t in targets:
        person = person_of.get(t.address)
        key = person.name if person else t.address
        row = people.setdefault(key, {"name": person.name if person else "", "role": person.role if person else "",
                                      "addresses": {}, "campaigns": {}, "messages": 0, "first": None, "last": None,
                                      "query": person.addresses[0] if person else t.address})
        row["addresses"][t.address] = None
        for hit in t.campaigns:
            row["campaigns"][hit.campaign_id] = hit
            row["messages"] += hit.messages
            if hit.first_seen and (row["first"] is None or hit.first_seen < row["first"]):
                row["first"] = hit.first_seen
            if hit.last_seen and (row["last"] is None or hit.last_seen > row["last"]):
                row["last"] = hit.last_seen
    ranked = sorted(people.values(), key=lambda r: (-len(r["campaigns"]), -r["messages"], r["name"] or r["query"]))
    return _render(request, "targets.html", who, people=ranked, roster_size=len(ctx.roster))


@router.get("/intel")
def intel_page(request: Request, kind: str = "", source: str = "", expired: str = "") -> HTMLResponse:
    who = _need(request, "viewer")
    store = ctx_of(request).store
    everything = store.indicators(include_expired=True)
    kinds = sorted({i.kind for i in everything})
    sources = sorted({i.source for i in everything})
    errors = []
    if kind and kind not in kinds:
        errors.append(f"kind: no indicators of kind “{kind[:40]}”")
    shown = [i for i in everything if (not kind or i.kind == kind) and (not source or i.source == source)]
    if not expired:
        now = dt.datetime.now(dt.UTC)
        shown = [i for i in shown if i.expires_at is None or i.expires_at > now]
    return _render(request, "intel.html", who, indicators=shown[:1000], total=len(shown), kinds=kinds,
                   sources=sources, kind=kind, source=source, expired=expired, errors=errors,
                   can_import=who.allows("analyst"), status_code=400 if errors else 200)


@router.get("/audit")
def audit_page(request: Request, event: str = "", entry: str = "", limit: int = 200) -> HTMLResponse:
    who = _need(request, "viewer")
    lines = ctx_of(request).audit_tail()
    events = sorted({str(line.get("event", "")) for line in lines})
    shown = [line for line in reversed(lines)
             if (not event or line.get("event") == event) and (not entry or line.get("id") == entry)]
    limit = max(1, min(limit, 2000))
    rows = [dict(line, words=story.describe_audit(line)) for line in shown[:limit]]
    return _render(request, "audit.html", who, rows=rows, total=len(shown), events=events, event=event,
                   entry=entry, path=str(ctx_of(request).audit.path))


@router.get("/rules")
def rules_page(request: Request) -> HTMLResponse:
    who = _need(request, "viewer")
    ctx = ctx_of(request)
    return _render(request, "rules.html", who, rules=ctx.rules(), hits=ctx.rule_hits())
