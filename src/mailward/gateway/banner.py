"""The banner defusing puts on top of a message: what was found, what was done, in plain words."""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field

from mailward.beacons import describe_exposure
from mailward.result import ScanResult


@dataclass
class DefuseReport:
    """What defusing did, for the banner, the audit log and tests."""

    beacons_removed: int = 0
    images_blocked: int = 0
    links_rewritten: int = 0
    links_marked: int = 0
    styles_removed: int = 0
    active_removed: int = 0  # frames, objects, scripts, base, meta refresh
    receipts_removed: int = 0  # read-receipt requests taken out of the header (headers.READ_RECEIPT_FIELDS)
    banner: str = ""
    parts_changed: list[str] = field(default_factory=list)
    # attachments defused (mailward.gateway.attachdefuse): "rewritten" or "removed", file name, what
    attachments: list[tuple[str, str, str]] = field(default_factory=list)

    def attachments_header(self) -> str:
        """One line for the X-Mailward-Attachments header ("" when no attachment was touched)."""
        return "; ".join(f"{action} {name or 'attachment'} ({what})" for action, name, what in self.attachments)

    @property
    def changed(self) -> bool:
        return bool(self.parts_changed)


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many.format(n=n)


def _exposure(result: ScanResult) -> str:
    """The beacon analyser's sentence on what opening or clicking tells whom ("" if none)."""
    try:
        return str(describe_exposure(result.beacons)).strip().rstrip(".")
    except Exception:  # wording must never stop the defusing
        return ""


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def banner_lines(result: ScanResult, report: DefuseReport, *, neutralise: bool = True) -> list[str]:
    """The banner, sentence by sentence, in plain words: what was found, what was done."""
    lines: list[str] = []
    lead = result.summary.strip()
    if not lead and result.findings:
        ranked = sorted(result.findings, key=lambda f: -f.score)
        lead = " ".join(f.summary.rstrip(".") + "." for f in ranked[:2] if f.summary)
    if lead:
        lines.append(lead if lead.endswith((".", "!", "?")) else lead + ".")
    exposure = _exposure(result)
    if not neutralise:
        if exposure:
            lines.append(exposure + ".")
        return lines
    done: list[str] = []
    if report.beacons_removed:
        done.append(_plural(report.beacons_removed, "removed a hidden tracking image",
                            "removed {n} hidden tracking images"))
    if report.images_blocked:
        done.append(_plural(report.images_blocked, "blocked a remote image", "blocked {n} remote images"))
    if report.styles_removed or report.active_removed:
        done.append("dropped remote styles, fonts and active content")
    touched_links = report.links_rewritten or report.links_marked
    if exposure and (done or touched_links):
        lines.append(f"As sent, {exposure[0].lower()}{exposure[1:]}.")
        if done:
            lines.append(f"mailward {_join(done)}, so opening it now reports nothing.")
    elif done:
        if report.beacons_removed:
            lines.append(_plural(
                report.beacons_removed,
                "A hidden image in it would have told the sender that you opened it, with your IP address and device; mailward removed it.",
                "{n} hidden images in it would have told the sender that you opened it, with your IP address and device; mailward removed them.",
            ))
        rest = [d for d in done if not d.startswith("removed")]
        if rest:
            lines.append(f"mailward also {_join(rest)}, so opening the message reports nothing.")
    if report.receipts_removed:
        lines.append("It asked your mail program to send the sender a read receipt; mailward removed that request.")
    for action, name, what in report.attachments:
        shown = f"the attachment {name}" if name else "an attachment"
        if action == "removed":
            lines.append(f"mailward removed {shown}, which contains {what}; the original is kept by the gateway.")
        else:
            lines.append(f"mailward took the {what} out of {shown}, so opening it loads nothing from the network.")
    if report.links_rewritten:
        lines.append(_plural(
            report.links_rewritten,
            "A tracked link now goes straight to its destination.",
            "{n} tracked links now go straight to their destination.",
        ))
    if report.links_marked:
        lines.append(_plural(
            report.links_marked,
            "A link goes through a click tracker and is marked [tracked link].",
            "{n} links go through a click tracker and are marked [tracked link].",
        ))
    return lines


def banner_html(lines: list[str]) -> str:
    body = " ".join(html_lib.escape(line) for line in lines)
    return (
        '<div data-mailward-banner="1" style="border:1px solid #b35900;background:#fff4e5;color:#222;'
        'padding:8px 12px;margin:0 0 12px 0;font-family:sans-serif;font-size:14px">'
        f"<strong>mailward:</strong> {body}</div>"
    )


def banner_text(lines: list[str]) -> str:
    out: list[str] = []
    line = ""
    for word in ("mailward: " + " ".join(lines)).split():
        if line and len(line) + 1 + len(word) > 76:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out) + "\n" + "-" * 40 + "\n\n"


