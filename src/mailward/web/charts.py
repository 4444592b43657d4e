"""Charts as inline SVG, drawn on the server: no script, nothing loaded."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from html import escape

COLOURS = {
    "clean": "#8fbf8f",
    "tracking": "#c9b458",
    "suspicious": "#e0913a",
    "unscannable": "#9a9a9a",
    "recon": "#c0392b",
    "phishing": "#8e44ad",
    "malicious": "#2c3e50",
    "messages": "#c0392b",
}


def nice_ticks(top: int, count: int = 5) -> list[int]:
    """Round axis values from 0 to at least ``top``: 0, 5, 10, ... or 0, 20, 40, ..."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw), 10 * magnitude)
    step = max(1, int(step))
    return list(range(0, math.ceil(top / step) * step + 1, step))


Link = Callable[[dt.date, str], str]


def stacked_bars(days: list[dt.date], series: dict[str, list[int]], *, title: str, link: Link | None = None,
                 width: int = 1200, height: int = 240) -> str:
    """A stacked bar per day with gridlines, one colour per series, a legend and a <title>
    for screen readers. With ``link``, every bar segment links to ``link(day, series)``."""
    pad_l, pad_b, pad_t, pad_r = 44, 28, 12, 10
    plot_w, plot_h = width - pad_l - pad_r, height - pad_b - pad_t
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    ticks = nice_ticks(max(totals, default=0))
    top = ticks[-1] or 1
    n = max(len(days), 1)
    bar_w = min(plot_w / n, 60.0)
    parts = [
        # with links inside, the chart is a group of links (an "img" must not hold interactive parts)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="{"group" if link else "img"}" '
        f'viewBox="0 0 {width} {height + 24}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
    ]
    for value in ticks:
        y = pad_t + plot_h - plot_h * value / top
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" '
                     f'stroke="{"#555" if value == 0 else "#d5d9de"}"/>'
                     f'<text x="{pad_l - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="#3d444d">{value}</text>')
    for i, day in enumerate(days):
        y = float(pad_t + plot_h)
        x = pad_l + i * bar_w
        for name, values in series.items():
            value = values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            rect = (f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS.get(name, "#777")}"><title>{day.isoformat()}: {value} {escape(name)}</title></rect>')
            if link is not None:
                rect = f'<a href="{escape(link(day, name))}" aria-label="{day.isoformat()}: {value} {escape(name)}">{rect}</a>'
            parts.append(rect)
        if i % max(1, math.ceil(n / 10)) == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{pad_t + plot_h + 16}" font-size="12" '
                         f'text-anchor="middle" fill="#3d444d">{day.strftime("%d %b")}</text>')
    lx = pad_l
    for name in series:
        parts.append(f'<rect x="{lx}" y="{height + 8}" width="12" height="12" fill="{COLOURS.get(name, "#777")}"/>'
                     f'<text x="{lx + 16}" y="{height + 18}" font-size="13" fill="#1b1f24">{escape(name)}</text>')
        lx += 30 + 8 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def timeline(points: list[dict[str, object]], *, title: str, link: Link | None = None) -> str:
    """A campaign's messages per day (from ``queries.campaign_timeline``)."""
    if not points:
        return f'<p class="muted">{escape(title)}: no dated messages.</p>'
    first = dt.date.fromisoformat(str(points[0]["date"]))
    last = dt.date.fromisoformat(str(points[-1]["date"]))
    by_day = {str(p["date"]): int(str(p["messages"])) for p in points}
    span = (last - first).days + 1
    if span < 14:  # show a short campaign inside two weeks, not as one wide block
        first -= dt.timedelta(days=(14 - span) // 2)
        span = 14
    days = [first + dt.timedelta(days=n) for n in range(span)]
    return stacked_bars(days, {"messages": [by_day.get(d.isoformat(), 0) for d in days]}, title=title, link=link)
