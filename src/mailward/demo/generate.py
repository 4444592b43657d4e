"""Write the demo mail set: Maildirs, labels, ground-truth campaigns and a config.

Layout under ``out_dir``::

    mailward.toml        organisation, domains and roster (for the impersonation analysis)
    maildir/<user>/      one Maildir per mailbox (cur/, new/, tmp/)
    labels.jsonl         one line per message: path, kind, campaign, expected verdict, ...
    campaigns.json       the attack campaigns: who sent what to whom, when
    all.mbox             every message in one mbox (only with ``mbox=True``)

Deterministic: everything comes from ``random.Random(seed)``; no wall clock, no
process id, no hash randomisation. Messages are written as they are made, so memory
stays flat at any size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mailward import domains
from mailward.demo import builders
from mailward.demo.builders import Built
from mailward.demo.campaigns import CAMPAIGNS, Campaign
from mailward.demo.world import (
    ACCENTED_NAMES,
    FIRST_NAMES,
    GATEWAY,
    LAST_NAMES,
    MAILSTORE,
    ORG_ALIASES,
    ORG_BULLETIN,
    ORG_DOMAINS,
    ORG_NAME,
    OUTLETS,
    PLACES,
    THINK_TANKS,
    Person,
    build_roster,
    roster_size,
)
from mailward.errors import MailwardError

DEFAULT_SEED = 2021
DEFAULT_MESSAGES = 400
MIN_MESSAGES = 100
MAX_MESSAGES = 1_000_000

# share of all messages per kind of ordinary mail; campaigns add their own shares
SHARES = {
    "constituent": 0.27,
    "internal": 0.18,
    "newsletter": 0.24,
    "journalist": 0.06,
    "spam": 0.07,
    "malformed": 0.01,
}
MINIMUM = {"constituent": 5, "internal": 5, "newsletter": 6, "journalist": 3, "spam": 2,
           "malformed": len(builders.MALFORMED_VARIANTS)}

EXPECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    # kind -> (expected verdict, acceptable verdicts)
    "ham": ("clean", ("clean",)),
    "newsletter": ("tracking", ("tracking", "clean")),
    "journalist": ("clean", ("clean",)),
    "freelance-journalist": ("clean", ("clean", "suspicious")),
    "tracked-journalist": ("tracking", ("tracking", "clean")),  # a mail-tracking extension
    "spam": ("suspicious", ("clean", "tracking", "suspicious", "phishing")),
    "malformed": ("clean", ("clean", "suspicious", "unscannable")),
    "recon": ("recon", ("recon", "phishing", "malicious")),
    "phishing": ("phishing", ("phishing", "recon", "malicious")),
    # a lure forwarded as an attachment (message/rfc822) to IT security: the attached
    # message is analysed as a message of its own, and it is the lure
    "forwarded": ("recon", ("recon", "suspicious", "phishing", "tracking")),
}


class GenerateError(MailwardError):
    """The output directory or the arguments are not usable; the message says why."""


@dataclass
class DemoSummary:
    out_dir: Path
    seed: int
    messages: int
    mailboxes: int
    by_kind: dict[str, int]
    campaigns: dict[str, int]  # campaign id -> messages
    start: dt.datetime
    end: dt.datetime
    files: dict[str, Path] = field(default_factory=dict)


def plan_counts(messages: int) -> dict[str, int]:
    """How many messages of each kind (and of each campaign) a set of ``messages`` holds."""
    if not MIN_MESSAGES <= messages <= MAX_MESSAGES:
        raise GenerateError(f"--messages must be between {MIN_MESSAGES} and {MAX_MESSAGES}, got {messages}")
    counts: dict[str, int] = {}
    for kind, share in SHARES.items():
        counts[kind] = max(MINIMUM[kind], int(messages * share))
    for campaign in CAMPAIGNS:
        counts[campaign.id] = max(campaign.min_targets, int(messages * campaign.share))
    # lures that their recipients forwarded to IT security, taken from internal mail
    counts["forwarded"] = max(2, messages // 200)
    counts["internal"] -= counts["forwarded"]
    counts["constituent"] += messages - sum(counts.values())
    if counts["constituent"] < MINIMUM["constituent"]:
        raise GenerateError(f"{messages} messages are too few for the demo mix")
    return counts


def _window(rng: random.Random, messages: int) -> tuple[dt.datetime, int]:
    start = dt.datetime(2021, 1, 4, tzinfo=dt.UTC) + dt.timedelta(days=rng.randrange(0, 120))
    days = max(28, min(365, messages // 40))
    return start, days


def _office_time(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    day = rng.randrange(days)
    hour = rng.choice((7, 8, 9, 9, 10, 10, 11, 11, 12, 13, 14, 14, 15, 15, 16, 17, 18, 20, 22))
    return start + dt.timedelta(days=day, hours=hour, minutes=rng.randrange(60),
                                seconds=rng.randrange(60))


def _outsider(rng: random.Random, taken: set[str]) -> str:
    """A name for someone outside the parliament: never the name of someone in the roster."""
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in taken:
            return name


def _who(person: Person, address: str | None = None) -> tuple[str, str]:
    return person.name, address or person.address


class _Writer:
    """Streams messages into Maildirs (and an mbox), labels into labels.jsonl."""

    def __init__(self, out_dir: Path, people: list[Person], rng: random.Random,
                 end: dt.datetime, mbox: IO[bytes] | None, labels: IO[str]) -> None:
        self.out_dir = out_dir
        self.rng = rng
        self.end = end
        self.mbox = mbox
        self.labels = labels
        self.seq = 0
        self.by_kind: Counter[str] = Counter()
        for person in people:
            base = out_dir / "maildir" / person.user
            for sub in ("cur", "new", "tmp"):
                (base / sub).mkdir(parents=True, exist_ok=True)

    def write(self, person: Person, recipient: str, built: Built, kind: str, *,
              label_kind: str | None = None, campaign: str | None = None,
              expected: str | None = None, flags: str = "S",
              extra: dict[str, str] | None = None) -> None:
        rng = self.rng
        self.seq += 1
        raw = built.raw
        delivered = built.date + dt.timedelta(seconds=rng.randrange(3, 120))
        name = (f"{int(delivered.timestamp())}.M{rng.randrange(10**6)}P{rng.randrange(1000, 65000)}"
                f"Q{self.seq}.{MAILSTORE},S={len(raw)}")
        if delivered > self.end - dt.timedelta(days=2):
            rel = f"maildir/{person.user}/new/{name}"
        else:
            rel = f"maildir/{person.user}/cur/{name}:2,{flags}"
        (self.out_dir / rel).write_bytes(raw)
        if self.mbox is not None:
            stamp = delivered.strftime("%a %b %d %H:%M:%S %Y")
            self.mbox.write(f"From MAILER-DAEMON {stamp}\n".encode("ascii"))
            self.mbox.write(re.sub(rb"(?m)^(>*From )", rb">\1", raw))
            self.mbox.write(b"\n" if raw.endswith(b"\n") else b"\n\n")
        verdict, acceptable = EXPECTED[label_kind or kind]
        if expected:
            verdict = expected
        label: dict[str, Any] = {
            "path": rel,
            "message_id": built.message_id,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "size": len(raw),
            "mailbox": person.user,
            "recipient": recipient,
            "kind": kind,
            "campaign": campaign,
            "verdict": verdict,
            "acceptable": list(acceptable),
            "date": built.date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "from": built.sender,
            "subject": built.subject,
            "beacons": [{"url": b.url, "kind": b.kind, "per_recipient": b.per_recipient}
                        for b in built.beacons],
        }
        if built.extra or extra:
            label["detail"] = {**built.extra, **(extra or {})}
        self.labels.write(json.dumps(label, ensure_ascii=False) + "\n")
        self.by_kind[kind] += 1


@dataclass
class _CampaignTruth:
    campaign: Campaign
    targets: list[Person]
    messages: int = 0
    recipients: set[str] = field(default_factory=set)
    senders: set[str] = field(default_factory=set)
    beacon_hosts: set[str] = field(default_factory=set)
    link_hosts: set[str] = field(default_factory=set)
    first: dt.datetime | None = None
    last: dt.datetime | None = None

    def add(self, recipient: str, built: Built) -> None:
        self.messages += 1
        self.recipients.add(recipient)
        self.senders.add(built.sender)
        for beacon in built.beacons:
            host = domains.split_url(beacon.url).host
            if host:
                (self.link_hosts if beacon.kind == "link" else self.beacon_hosts).add(host)
        self.first = built.date if self.first is None else min(self.first, built.date)
        self.last = built.date if self.last is None else max(self.last, built.date)

    def as_json(self) -> dict[str, Any]:
        c = self.campaign
        sending_domains = sorted({s.rpartition("@")[2] for s in self.senders})
        return {
            "id": c.id,
            "name": c.name,
            "kind": c.kind,
            "verdict": c.verdict,
            "description": c.description,
            "claimed": sorted({style.claimed for style, _ in c.styles}),
            "senders": sorted(self.senders),
            "sending_domains": sending_domains,
            "beacon_hosts": sorted(self.beacon_hosts),  # hosts of pixels / hidden loads
            "link_hosts": sorted(self.link_hosts),  # hosts of the lures' links
            "token_encodings": sorted({style.token for style, _ in c.styles}),
            "attack": list(c.attack),
            "first_seen": _iso(self.first),
            "last_seen": _iso(self.last),
            "messages": self.messages,
            "targets": [{"name": p.name, "mailbox": p.user, "address": p.address, "role": p.role}
                        for p in sorted(self.targets, key=lambda p: p.user)],
            "recipient_addresses": sorted(self.recipients),
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_config(path: Path, people: list[Person], seed: int) -> None:
    """A ready-to-use mailward config: the organisation, its domains and its roster."""
    lines = [
        f"# mailward configuration for the demo organisation (generated, seed {seed}).",
        "# Fictional: the organisation and all its people are invented.",
        "",
        "[organisation]",
        f"name = {_toml_str(ORG_NAME)}",
        "aliases = [" + ", ".join(_toml_str(a) for a in ORG_ALIASES) + "]",
        "domains = [" + ", ".join(_toml_str(d) for d in ORG_DOMAINS) + "]",
        "",
        "[auth]",
        "# the receiving gateway: only its Authentication-Results are trusted",
        f"trusted_authserv_ids = [{_toml_str(GATEWAY)}]",
        "",
    ]
    for person in people:
        lines += [
            "[[organisation.people]]",
            f"name = {_toml_str(person.name)}",
            "addresses = [" + ", ".join(_toml_str(a) for a in person.addresses) + "]",
            f"role = {_toml_str(person.role)}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


_OUTPUTS = ("maildir", "labels.jsonl", "campaigns.json", "mailward.toml", "all.mbox")


def _prepare(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise GenerateError(f"{out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not force:
            raise GenerateError(f"{out_dir} is not empty (use --force to replace the demo data in it)")
        for name in _OUTPUTS:
            target = out_dir / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def _weighted(rng: random.Random, items: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def _campaign_messages(rng: random.Random, truth: _CampaignTruth, count: int,
                       start: dt.datetime, days: int, index: int,
                       seed: int) -> Iterator[tuple[Person, str, Built]]:
    campaign = truth.campaign
    targets = truth.targets
    waves = math.ceil(count / len(targets))
    # campaigns start at different points of the window and run over several days
    offset = 0.15 + (0.2 * index) % 0.6  # share of the window before the first wave
    begin = start + dt.timedelta(days=days * offset, hours=rng.randrange(6, 10))
    # waves a day or more apart, spread over up to half the window, all inside it
    room = days * 24 * (0.95 - offset)
    gap = dt.timedelta(hours=min(max(24.0, days * 12 / waves), room / waves))
    for k in range(count):
        person = targets[k % len(targets)]
        wave = k // len(targets)
        when = begin + wave * gap + dt.timedelta(minutes=rng.randrange(0, 360),
                                                 seconds=rng.randrange(60))
        address = person.address
        if campaign.alt_address_share and rng.random() < campaign.alt_address_share:
            address = person.addresses[1]
        if campaign.kind == "recon":
            style = _weighted(rng, campaign.styles)
            # one wave is one mass mailing: same article for everyone in it
            content = random.Random(f"{seed}|{campaign.id}|{wave}")
            built = builders.recon_built(rng, style=style, recipient=_who(person, address),
                                         when=when, content=content)
        else:
            variant = campaign.variants[k % len(campaign.variants)]
            built = builders.phishing_built(rng, recipient=_who(person, address), when=when,
                                            variant=variant)
        yield person, address, built


def generate(out_dir: Path, *, seed: int = DEFAULT_SEED, messages: int | None = None,
             force: bool = False, mbox: bool = False) -> DemoSummary:
    """Generate the demo mail set under ``out_dir`` (see the module docstring)."""
    out_dir = Path(out_dir)
    total = DEFAULT_MESSAGES if messages is None else messages
    counts = plan_counts(total)
    _prepare(out_dir, force)
    rng = random.Random(seed)
    start, days = _window(rng, total)
    end = start + dt.timedelta(days=days)
    n_members, n_staff = roster_size(total)
    people = build_roster(rng, n_members, n_staff)
    members = [p for p in people if p.kind == "member"]
    staff = [p for p in people if p.kind == "staff"]
    write_config(out_dir / "mailward.toml", people, seed)

    # newsletter subscriptions: each outlet has its own readers in the parliament
    subscribers = {o.name: rng.sample(people, max(3, len(people) // 4))
                   for o in (*OUTLETS, *THINK_TANKS)}
    subscribers[ORG_BULLETIN.name] = people  # everyone gets the parliament's own bulletin
    # a few reporters per outlet, who write more than once
    taken = {p.name for p in people}
    journalists = {o.name: [_outsider(rng, taken) for _ in range(3)] for o in OUTLETS}
    truths = _campaign_targets(rng, members, staff, counts)

    labels_path = out_dir / "labels.jsonl"
    mbox_file = (out_dir / "all.mbox").open("wb") if mbox else None
    try:
        with labels_path.open("w", encoding="utf-8") as labels:
            writer = _Writer(out_dir, people, rng, end, mbox_file, labels)
            run = _Run(rng, seed, start, days, counts, people, members, staff, taken, writer)
            _write_everyday_mail(run, subscribers, journalists)
            _write_campaigns(run, truths)
    finally:
        if mbox_file is not None:
            mbox_file.close()

    campaigns_json = {
        "generator": "mailward demo generate",
        "seed": seed,
        "organisation": {"name": ORG_NAME, "domains": list(ORG_DOMAINS)},
        "window": {"start": _iso(start), "end": _iso(end)},
        "campaigns": [t.as_json() for t in truths],
    }
    (out_dir / "campaigns.json").write_text(
        json.dumps(campaigns_json, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    files = {"config": out_dir / "mailward.toml", "labels": labels_path,
             "campaigns": out_dir / "campaigns.json", "maildir": out_dir / "maildir"}
    if mbox:
        files["mbox"] = out_dir / "all.mbox"
    return DemoSummary(
        out_dir=out_dir, seed=seed, messages=sum(writer.by_kind.values()),
        mailboxes=len(people), by_kind=dict(sorted(writer.by_kind.items())),
        campaigns={t.campaign.id: t.messages for t in truths}, start=start, end=end, files=files)


@dataclass
class _Run:
    """What the writing steps of one ``generate`` share (the one RNG, in call order)."""

    rng: random.Random
    seed: int
    start: dt.datetime
    days: int
    counts: dict[str, int]
    people: list[Person]
    members: list[Person]
    staff: list[Person]
    taken: set[str]
    writer: _Writer


def _campaign_targets(rng: random.Random, members: list[Person], staff: list[Person],
                      counts: dict[str, int]) -> list[_CampaignTruth]:
    truths = []
    for campaign in CAMPAIGNS:
        k_members = max(1, round(len(members) * campaign.member_share))
        k_staff = round(len(staff) * campaign.staff_share)
        chosen = rng.sample(members, min(len(members), k_members)) + rng.sample(staff, k_staff)
        while len(chosen) < campaign.min_targets:
            extra = rng.choice(members)
            if extra not in chosen:
                chosen.append(extra)
        chosen = chosen[: max(campaign.min_targets, min(len(chosen), counts[campaign.id]))]
        truths.append(_CampaignTruth(campaign, chosen))
    return truths


def _write_everyday_mail(run: _Run, subscribers: dict[str, list[Person]],
                         journalists: dict[str, list[str]]) -> None:
    """Constituents, colleagues, newsletters, journalists, spam and malformed mail."""
    rng, start, days, counts, writer = run.rng, run.start, run.days, run.counts, run.writer
    members, staff, people = run.members, run.staff, run.people
    for _ in range(counts["constituent"]):
        person = rng.choice(members) if rng.random() < 0.85 else rng.choice(staff)
        writer_name = (rng.choice(ACCENTED_NAMES) if rng.random() < 0.1
                       else _outsider(rng, run.taken))
        built = builders.constituent_built(
            rng, recipient=_who(person), when=_office_time(rng, start, days),
            writer=writer_name, place=rng.choice(PLACES), attachment=rng.random() < 0.15)
        writer.write(person, person.address, built, "ham",
                     flags=rng.choice(("S", "S", "S", "RS")))
    for _ in range(counts["internal"]):
        sender, person = rng.sample(people, 2)
        built = builders.internal_built(
            rng, sender=_who(sender), recipient=_who(person),
            when=_office_time(rng, start, days), attachment=rng.random() < 0.2)
        writer.write(person, person.address, built, "ham",
                     flags=rng.choice(("S", "S", "RS", "FS")))
    for _ in range(counts["newsletter"]):
        roll = rng.random()
        outlet = (rng.choice(OUTLETS) if roll < 0.75 else
                  rng.choice(THINK_TANKS) if roll < 0.9 else ORG_BULLETIN)
        person = rng.choice(subscribers[outlet.name])
        # one issue a day, sent to every subscriber at about the same time
        day = rng.randrange(days)
        when = start + dt.timedelta(days=day, hours=5 + stable_number(outlet.name) % 3,
                                    minutes=rng.randrange(20), seconds=rng.randrange(60))
        issue = random.Random(f"{run.seed}|{outlet.name}|{day}")
        built = builders.newsletter_built(rng, outlet=outlet, recipient=_who(person),
                                          when=when, content=issue)
        writer.write(person, person.address, built, "newsletter",
                     flags=rng.choice(("S", "S", "")))
    for _ in range(counts["journalist"]):
        person = rng.choice(members)
        outlet = rng.choice(OUTLETS)
        freelance = rng.random() < 0.2
        tracker = not freelance and rng.random() < 0.12
        journalist = rng.choice(journalists[outlet.name])
        built = builders.journalist_built(
            rng, outlet=outlet, journalist=journalist, recipient=_who(person),
            when=_office_time(rng, start, days), freelance=freelance, tracker=tracker)
        writer.write(person, person.address, built, "journalist",
                     label_kind="freelance-journalist" if freelance else
                     "tracked-journalist" if tracker else None,
                     flags=rng.choice(("S", "RS")))
    for _ in range(counts["spam"]):
        person = rng.choice(people)
        built = builders.spam_built(rng, recipient=_who(person),
                                    when=_office_time(rng, start, days),
                                    place=rng.choice(PLACES))
        writer.write(person, person.address, built, "spam", flags=rng.choice(("S", "")))
    for i in range(counts["malformed"]):
        person = rng.choice(people)
        variant = builders.MALFORMED_VARIANTS[i % len(builders.MALFORMED_VARIANTS)]
        built = builders.malformed_built(rng, recipient=_who(person),
                                         when=_office_time(rng, start, days), variant=variant)
        writer.write(person, person.address, built, "malformed")


def _write_campaigns(run: _Run, truths: list[_CampaignTruth]) -> None:
    """The campaigns' messages, the lures people forward to IT security, and the
    ordinary internal mail that the unused forwards become."""
    rng, start, days, counts, writer = run.rng, run.start, run.days, run.counts, run.writer
    staff, people, seed = run.staff, run.people, run.seed
    # people who report lures: forward them as attachments to IT security
    security = [p for p in staff if "Security" in p.role] or staff[:1]
    forwards_left = counts["forwarded"]
    for index, truth in enumerate(truths):
        campaign = truth.campaign
        kept: list[tuple[Person, Built]] = []
        share = math.ceil(counts["forwarded"] / len(truths))
        for person, address, built in _campaign_messages(
                rng, truth, counts[campaign.id], start, days, index, seed):
            truth.add(address, built)
            writer.write(person, address, built, campaign.kind, campaign=campaign.id,
                         flags=rng.choice(("S", "S", "")))
            if campaign.kind == "recon" and len(kept) < min(share, forwards_left):
                kept.append((person, built))
        for person, lure in kept:
            to = rng.choice(security)
            fwd = builders.forward_built(
                rng, sender=_who(person), recipient=_who(to),
                when=lure.date + dt.timedelta(hours=rng.randrange(1, 30)),
                original=lure.raw, original_subject=lure.subject,
                original_beacons=lure.beacons)
            writer.write(to, to.address, fwd, "forwarded",
                         flags=rng.choice(("S", "RS")),
                         extra={"forwarded_campaign": campaign.id,
                                "forwarded_message_id": lure.message_id})
            forwards_left -= 1
    # what the campaigns did not use for forwards stays ordinary internal mail
    for _ in range(forwards_left):
        sender, person = rng.sample(people, 2)
        built = builders.internal_built(
            rng, sender=_who(sender), recipient=_who(person),
            when=_office_time(rng, start, days))
        writer.write(person, person.address, built, "ham", flags="S")


def stable_number(name: str) -> int:
    """A stable small number from a name (``hash()`` is randomised per process)."""
    return sum(name.encode("utf-8"))
