"""Notices to targeted people: what happened, what it told the attacker, what to do.

One notice per address that received the campaign: only that person's messages,
never another target's. Every host, address and URL in a notice is defanged
(``hxxps://media[.]newswire-cdn[.]com``) and no beacon URL is ever shown whole: a
notice must not be the thing that finally loads the tracker.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

import jinja2

from mailward.config import Config, ConfigError

TEMPLATES = Path(__file__).with_name("templates")

# what a beacon's "leaks" mean, in plain words (mailward.beacons.LEAKS_OPEN / LEAKS_CLICK)
LEAK_WORDS: dict[str, str] = {
    "open-time": "that you opened the message, and when",
    "ip": "the internet (IP) address of the network you were on, such as your home or office connection",
    "location": "roughly where you were, worked out from that address (town or region)",
    "device": "what kind of device you read it on (phone, tablet or computer, and its operating system)",
    "mail-client": "which email program or app you use",
    "identity": "that it was you in particular: the hidden link carried your own email address or a code for it",
    "click": "whether you clicked a link in it",
}
# rules that find a read-receipt request (a receipt is sent by the reader's mail program, not loaded)
RECEIPT_RULES = frozenset({"BEACON_READ_RECEIPT", "RECON_RECEIPT_IMPERSONATION"})
LEAK_ORDER = ("open-time", "identity", "ip", "location", "device", "mail-client", "click")

DEFAULT_ACTIONS = (
    "found these messages by checking the mailboxes we look after for this campaign",
    "disarmed the hidden tracking in them, so that opening them now sends nothing to the sender",
    "blocked further messages from the same senders and tracking servers",
    "shared the technical details of the campaign (never your name or address) with our national "
    "cyber security centre and partner organisations",
)

_URL = re.compile(r"(?i)\b(https?)://")
_DOMAINISH = re.compile(r"(?i)\b((?:[a-z0-9-]{1,63}\.){1,10}[a-z]{2,63})\b")


class NotifyError(Exception):
    """The notices cannot be made or sent; the message says why."""


def defang(text: str) -> str:
    """``https://evil.example/x`` -> ``hxxps://evil[.]example/x``; ``a.b@c.example`` -> ``a.b@c[.]example``."""
    out = _URL.sub(lambda m: m.group(1).lower().replace("http", "hxxp") + "://", text)
    words = []
    for word in out.split(" "):
        local, at, domain = word.rpartition("@")
        if at and local:
            words.append(local + at + _DOMAINISH.sub(lambda m: m.group(1).replace(".", "[.]"), domain))
        else:
            words.append(_DOMAINISH.sub(lambda m: m.group(1).replace(".", "[.]"), word))
    return " ".join(words)


@dataclass(frozen=True)
class NotifySettings:
    sender: str = "security@organisation.example"
    team_name: str = "the security team"
    team_contact: str = ""
    organisation: str = ""
    report_name: str = "your national cyber security centre"
    report_contact: str = ""  # e.g. an address, phone number or web form
    actions: tuple[str, ...] = DEFAULT_ACTIONS
    templates: Path | None = None
    language: str = ""  # picks notice.<language>.html.j2 etc. when the site provides them

    @classmethod
    def from_config(cls, config: Config) -> NotifySettings:
        section: Mapping[str, Any] = config.section("notify")
        org = config.section("organisation").get("name", "")
        actions = section.get("actions", list(DEFAULT_ACTIONS))
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise ConfigError("[notify] actions must be a list of strings")
        templates = section.get("templates")
        base = config.path.parent if config.path else Path.cwd()
        return cls(
            sender=str(section.get("from", cls.sender)),
            team_name=str(section.get("team_name", cls.team_name)),
            team_contact=str(section.get("team_contact", "")),
            organisation=str(org),
            report_name=str(section.get("report_name", cls.report_name)),
            report_contact=str(section.get("report_contact", "")),
            actions=tuple(actions),
            templates=(base / str(templates)) if templates else None,
            language=str(section.get("language", "")),
        )


@dataclass(frozen=True)
class Notice:
    address: str
    name: str
    subject: str
    text: str
    html: str
    messages: int
    campaign_id: str

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.address.lower()).strip("-")[:120] or "notice"

    def email(self, settings: NotifySettings) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((settings.team_name, settings.sender))
        msg["To"] = formataddr((self.name, self.address)) if self.name else self.address
        msg["Subject"] = self.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
        msg["X-Mailward-Campaign"] = self.campaign_id
        msg.set_content(self.text)
        msg.add_alternative(self.html, subtype="html")
        return msg


@dataclass
class _Lure:
    date: str
    subject: str
    sender: str
    pretended: str
    trackers: list[str] = field(default_factory=list)


def _environment(settings: NotifySettings) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if settings.templates is not None:
        if not settings.templates.is_dir():
            raise NotifyError(f"[notify] templates: {settings.templates} is not a directory")
        loaders.append(jinja2.FileSystemLoader(str(settings.templates)))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["defang"] = defang
    env.filters["first_upper"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    return env


def _template(env: jinja2.Environment, name: str, language: str) -> jinja2.Template:
    stem, _, ext = name.partition(".")
    names = [f"{stem}.{language}.{ext}"] if language else []
    return env.select_template([*names, name])


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%d %B %Y, %H:%M UTC") if value else "date unknown"


def _lure(message: Any) -> _Lure:
    trackers = sorted({defang(str(b.get("host", ""))) for b in message.beacons if b.get("host")})
    pretended = message.from_name or message.from_addr
    return _Lure(_when(message.date), defang(message.subject or "(no subject)"), defang(message.from_addr),
                 defang(pretended), trackers)


def build_notices(store: Any, campaign_id: str, config: Config, *, now: dt.datetime | None = None) -> list[Notice]:
    """One notice per address that received the campaign, in address order."""
    settings = NotifySettings.from_config(config)
    campaign = store.campaign(campaign_id)
    if campaign is None:
        raise NotifyError(f"no campaign {campaign_id!r} (an id or a unique prefix; see `mailward campaigns`)")
    from mailward.hunt.roster import load_roster

    people = {a.lower(): p for p in load_roster(config) for a in p.addresses}
    env = _environment(settings)
    pick = {n: _template(env, n, settings.language) for n in ("subject.txt.j2", "notice.txt.j2", "notice.html.j2")}
    notices: list[Notice] = []
    for address in campaign.targets:
        messages = store.messages(campaign=campaign.id, recipient=address, limit=10_000)
        if not messages:
            continue
        messages.sort(key=lambda m: (m.date or dt.datetime.min.replace(tzinfo=dt.UTC), m.id))
        leaks: set[str] = set()
        for m in messages:
            for b in m.beacons:
                leaks.update(str(x) for x in b.get("leaks", ()))
        person = people.get(address.lower())
        name = person.name if person else ""
        context: dict[str, Any] = {
            "person": {"name": name, "role": person.role if person else "", "address": address},
            "campaign": {"id": campaign.id, "name": campaign.name, "verdict": campaign.verdict,
                         "identities": list(campaign.identities), "first_seen": _when(messages[0].date),
                         "last_seen": _when(messages[-1].date)},
            "messages": [_lure(m) for m in messages],
            "leaks": [LEAK_WORDS[k] for k in LEAK_ORDER if k in leaks],
            "tracked": bool(leaks),
            "receipt": any(f.get("rule") in RECEIPT_RULES for m in messages for f in m.findings),
            "team": settings,
            "actions": list(settings.actions),
            "today": (now or dt.datetime.now(dt.UTC)).strftime("%d %B %Y"),
        }
        subject = " ".join(pick["subject.txt.j2"].render(context).split())
        notices.append(Notice(address, name, subject, pick["notice.txt.j2"].render(context),
                              pick["notice.html.j2"].render(context), len(messages), campaign.id))
    return notices


def write_notices(notices: Sequence[Notice], out_dir: Path, settings: NotifySettings) -> list[Path]:
    """``<address>.eml`` (ready to send) and ``<address>.html`` (to print) per notice."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    written: list[Path] = []
    for notice in notices:
        eml = out_dir / f"{notice.slug}.eml"
        html = out_dir / f"{notice.slug}.html"
        eml.write_bytes(bytes(notice.email(settings)))
        html.write_text(notice.html, encoding="utf-8")
        written += [eml, html]
    return written


def send_notices(notices: Sequence[Notice], config: Config, *, analyst: str, audit: Any) -> list[str]:
    """Send every notice through the ``[smtp]`` relay; each sending is audited.
    Returns the addresses sent to. The caller has had an analyst confirm it."""
    from mailward.alerts.smtp import SmtpError, relay_from

    if not analyst.strip():
        raise NotifyError("sending notices needs the analyst's name (--analyst)")
    settings = NotifySettings.from_config(config)
    relay = relay_from(config)
    sent: list[str] = []
    for notice in notices:
        try:
            relay.send(notice.email(settings), [notice.address])
        except SmtpError as exc:
            audit.record("notice-failed", campaign=notice.campaign_id, to=notice.address, by=analyst, error=str(exc))
            raise NotifyError(f"{notice.address}: {exc} ({len(sent)} sent before)") from None
        audit.record("notice-sent", campaign=notice.campaign_id, to=notice.address, by=analyst,
                     messages=notice.messages, relay=f"{relay.host}:{relay.port}")
        sent.append(notice.address)
    return sent
