"""Charts as inline SVG, drawn on the server: no script, nothing loaded."""

from __future__ import annotations

import datetime as dt
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


def stacked_bars(days: list[dt.date], series: dict[str, list[int]], *, title: str,
                 width: int = 760, height: int = 220) -> str:
    """A stacked bar per day; one colour per series; a legend; a <title> for screen readers."""
    pad_l, pad_b, pad_t = 36, 28, 10
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    top = max(totals, default=0) or 1
    n = max(len(days), 1)
    bar_w = min(plot_w / n, 48.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height + 24}" '
        f'width="{width}" height="{height + 24}" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - 10}" y2="{pad_t + plot_h}" stroke="#555"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 8}" font-size="10" text-anchor="end">{top}</text>',
        f'<text x="{pad_l - 4}" y="{pad_t + plot_h}" font-size="10" text-anchor="end">0</text>',
    ]
    for i, day in enumerate(days):
        y = float(pad_t + plot_h)
        x = pad_l + i * bar_w
        for name, values in series.items():
            value = values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{COLOURS.get(name, "#777")}"><title>{day.isoformat()}: {value} {escape(name)}</title></rect>'
            )
        if i % max(1, n // 8) == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{pad_t + plot_h + 14}" font-size="10" '
                         f'text-anchor="middle">{day.strftime("%d %b")}</text>')
    lx = pad_l
    for name in series:
        parts.append(f'<rect x="{lx}" y="{height + 8}" width="10" height="10" fill="{COLOURS.get(name, "#777")}"/>'
                     f'<text x="{lx + 14}" y="{height + 17}" font-size="11">{escape(name)}</text>')
        lx += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def timeline(points: list[dict[str, object]], *, title: str) -> str:
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
    return stacked_bars(days, {"messages": [by_day.get(d.isoformat(), 0) for d in days]}, title=title)
