"""A labelled, multilingual training set for the learned content model.

``mailward demo training DIR`` writes wanted mail (shops' order and shipping notices,
newsletters, appointment reminders, service notices from the real brands' own domains,
notes between people) and phishing and scam mail (account suspension, a parcel held for
a fee, prizes, refunds, investment schemes, too-good offers, extortion) in English,
German, Dutch, Portuguese, Spanish and French, from the texts in ``mltexts_wanted`` and
``mltexts_scam``. Deterministic: everything comes from ``random.Random(seed)``.

Layout under ``out_dir``::

    wanted/<n>-<lang>-<kind>.eml
    phishing/<n>-<lang>-<kind>.eml
    labels.jsonl   one line per message: path, label (wanted|phishing), language, kind

The set is synthetic: a model trained on it alone learns the generator (its templates),
so it is meant as a supplement to a site's own mail, with ``mailward learn --ham`` and
``--phishing``, never alone.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from mailward.demo.builders.common import (
    _html_escape,
    _ip,
    _msgid,
    auth_results,
    delivery,
    dkim_signature,
)
from mailward.demo.mime import (
    assemble,
    boundary,
    date,
    hexid,
    mailbox,
    multipart,
    text_part,
    unstructured,
)
from mailward.demo.mltexts_scam import SCAM
from mailward.demo.mltexts_wanted import WANTED, Kind
from mailward.errors import MailwardError

LANGUAGES = ("en", "de", "nl", "pt", "es", "fr")
DEFAULT_MESSAGES = 2000
MIN_MESSAGES = 24
MAX_MESSAGES = 200_000
PHISHING_SHARE = 0.5


class TrainingSetError(MailwardError):
    """The output directory or the arguments are not usable; the message says why."""


@dataclass(frozen=True)
class Local:
    """What the texts of one language are filled with (invented shops on reserved domains)."""

    names: tuple[str, ...]
    cities: tuple[str, ...]
    shops: tuple[tuple[str, str], ...]  # (name, domain under a reserved TLD)
    products: tuple[str, ...]
    currency: str  # format with {value}
    free_mail: tuple[str, ...]
    link_word: str  # a link's visible text in HTML
    tz_hours: int


LOCAL: dict[str, Local] = {
    "en": Local(("Emma", "Oliver", "Grace", "Harry", "Chloe", "Jack"), ("Leeds", "Bristol", "Norwich", "York"),
                (("Harbour Books", "harbourbooks.example"), ("Greenleaf Garden Supplies", "greenleaf.example"),
                 ("Northway Outdoor", "northway.example")),
                ("a rain jacket", "a cookbook", "garden tools", "a coffee grinder"), "£{value}",
                ("gmail.com", "outlook.com", "yahoo.co.uk"), "here", 0),
    "de": Local(("Lena", "Jonas", "Anna", "Felix", "Marie", "Paul"), ("Leipzig", "Freiburg", "Kassel", "Bremen"),
                (("Buchhandlung Lindenhof", "lindenhof-buch.example"), ("Gartenhaus Meier", "gartenhaus-meier.example"),
                 ("Bergsport Huber", "bergsport-huber.example")),
                ("eine Regenjacke", "ein Kochbuch", "Gartengeräte", "eine Kaffeemühle"), "{value} €",
                ("gmx.de", "web.de", "t-online.de"), "hier", 1),
    "nl": Local(("Sanne", "Daan", "Fleur", "Lucas", "Emma", "Sem"), ("Utrecht", "Groningen", "Zwolle", "Haarlem"),
                (("Boekhandel De Linde", "boekhandel-delinde.example"), ("Tuincentrum Van Dijk", "tuinvandijk.example"),
                 ("Buitensport Jansen", "buitensport-jansen.example")),
                ("een regenjas", "een kookboek", "tuingereedschap", "een koffiemolen"), "€ {value}",
                ("gmail.com", "hotmail.nl", "ziggo.nl"), "hier", 1),
    "pt": Local(("Ana", "João", "Beatriz", "Tiago", "Mariana", "Pedro"), ("Porto", "Braga", "Coimbra", "Campinas"),
                (("Livraria Atlântico", "livraria-atlantico.example"), ("Jardim Verde", "jardimverde.example"),
                 ("Aventura Outdoor", "aventura-outdoor.example")),
                ("um casaco impermeável", "um livro de receitas", "ferramentas de jardim", "um moinho de café"),
                "{value} €", ("gmail.com", "sapo.pt", "hotmail.com"), "aqui", 0),
    "es": Local(("Lucía", "Pablo", "Carmen", "Javier", "Sofía", "Diego"), ("Valencia", "Zaragoza", "Bilbao", "Sevilla"),
                (("Librería La Encina", "libreria-laencina.example"), ("Vivero La Huerta", "vivero-lahuerta.example"),
                 ("Deportes Sierra", "deportes-sierra.example")),
                ("un chubasquero", "un libro de cocina", "herramientas de jardín", "un molinillo de café"),
                "{value} €", ("gmail.com", "hotmail.es", "yahoo.es"), "aquí", 1),
    "fr": Local(("Camille", "Louis", "Léa", "Hugo", "Manon", "Lucas"), ("Lyon", "Nantes", "Lille", "Rennes"),
                (("Librairie du Port", "librairie-duport.example"), ("Jardinerie Martin", "jardinerie-martin.example"),
                 ("Montagne Sports", "montagne-sports.example")),
                ("une veste de pluie", "un livre de cuisine", "des outils de jardin", "un moulin à café"),
                "{value} €", ("orange.fr", "free.fr", "laposte.net"), "ici", 1),
}

# Brands whose notices the wanted mail carries, with the domain they send from; each name
# and domain is in mailward's brand reference data (src/mailward/data/brands.yaml).
SERVICE_BRANDS = {
    "en": (("Netflix", "netflix.com"), ("Vodafone", "vodafone.co.uk"), ("Spotify", "spotify.com")),
    "de": (("Vodafone", "vodafone.de"), ("Zalando", "zalando.de"), ("Netflix", "netflix.com")),
    "nl": (("Vodafone", "vodafone.nl"), ("Zalando", "zalando.nl"), ("Spotify", "spotify.com")),
    "pt": (("Vodafone", "vodafone.pt"), ("Netflix", "netflix.com"), ("Spotify", "spotify.com")),
    "es": (("Vodafone", "vodafone.es"), ("Decathlon", "decathlon.es"), ("Netflix", "netflix.com")),
    "fr": (("Decathlon", "decathlon.fr"), ("Zalando", "zalando.fr"), ("Spotify", "spotify.com")),
}
# Brands the scams claim (also in brands.yaml), by the lure that uses them.
SCAM_BRANDS = {
    "account": ("Netflix", "PayPal", "Microsoft", "Apple", "Santander", "Revolut", "Vodafone", "Spotify"),
    "delivery": ("DHL", "DPD", "UPS", "FedEx"),
    "prize": ("Decathlon", "Zalando", "Booking.com"),
    "refund": ("Vodafone",),
}
PRIZES = ("iPhone 15", "Dyson", "PlayStation 5", "KitchenAid")
_SCAM_WORDS = ("secure", "verify", "client", "service", "portal", "info", "update", "notice", "track", "promo",
               "bonus", "online", "account", "center", "pay")
_HOSTING = ("web.app", "netlify.app", "pages.dev", "weeblysite.com", "wixsite.com", "000webhostapp.com")


def _fill(rng: random.Random, lang: str) -> dict[str, str]:
    local = LOCAL[lang]
    shop, shop_domain = rng.choice(local.shops)
    value = f"{rng.randrange(9, 400)},{rng.randrange(100):02d}" if lang != "en" else f"{rng.randrange(9, 400)}.{rng.randrange(100):02d}"
    day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(360))
    return {"name": rng.choice(local.names), "sender": rng.choice(local.names), "city": rng.choice(local.cities),
            "shop": shop, "shop_domain": shop_domain, "product": rng.choice(local.products),
            "amount": local.currency.format(value=value), "date": day.strftime("%d.%m.%Y" if lang in ("de", "nl") else
                                                                              "%d/%m/%Y"),
            "ref": f"{rng.choice('ABCDEFGHKLMNPRSTUVWXYZ')}{rng.randrange(10**7, 10**8)}"}


def _compose(rng: random.Random, kind: Kind, values: dict[str, str]) -> tuple[str, list[str]]:
    subjects, slots = kind
    subject = rng.choice(subjects).format(**values)
    lines = [rng.choice(slot).format(**values) for slot in slots]
    return subject, lines


def _html(lines: list[str], link: str, word: str) -> str:
    paras = []
    for line in lines:
        escaped = _html_escape(line)
        if link in line:
            escaped = escaped.replace(_html_escape(link), f'<a href="{_html_escape(link)}">{word}</a>')
        paras.append(f"<p>{escaped}</p>")
    return "<html><body>" + "".join(paras) + "</body></html>\n"


def _message(rng: random.Random, *, lang: str, sender: tuple[str, str], subject: str, lines: list[str], link: str,
             html: bool, when: dt.datetime, recipient: str, trusted: bool) -> bytes:
    text = "\n\n".join(lines) + "\n"
    if html:
        ctype, body = multipart("alternative", [text_part(text), text_part(_html(lines, link, LOCAL[lang].link_word),
                                                                           "html")], boundary(rng))
    else:
        ctype, body = "text/plain; charset=\"utf-8\"", text
    domain = sender[1].rpartition("@")[2]
    ip = _ip(rng, "198.51.100" if trusted else "203.0.113")
    if trusted:
        auth = auth_results(ip=ip, spf=("pass", sender[1]), dkim=[("pass", domain, "s1")],
                            dmarc=("pass", domain, "reject"), rng=rng)
    else:
        auth = auth_results(ip=ip, spf=(rng.choice(("pass", "softfail", "none")), sender[1]), rng=rng)
    headers = delivery(recipient, when, mail_from=sender[1], client_host=f"mail{rng.randrange(1, 9)}.{domain}",
                       client_ip=ip, auth=auth, rng=rng)
    if trusted:
        headers.append(dkim_signature(domain, "s1", when, rng))
    headers += [f"From: {mailbox(*sender)}", f"To: {recipient}", f"Subject: {unstructured(subject)}",
                f"Date: {date(when.astimezone(dt.timezone(dt.timedelta(hours=LOCAL[lang].tz_hours))))}",
                f"Message-ID: {_msgid(rng, domain)}", "MIME-Version: 1.0"]
    if html:
        headers.append(f"Content-Type: {ctype}")
        return assemble(headers, body)
    headers += [f"Content-Type: {ctype}", "Content-Transfer-Encoding: 8bit"]
    return assemble(headers, body)


def wanted_message(rng: random.Random, lang: str, kind: str, *, when: dt.datetime, recipient: str) -> bytes:
    """One wanted message of ``kind`` (a key of ``WANTED[lang]``) in ``lang``."""
    values = _fill(rng, lang)
    local = LOCAL[lang]
    if kind == "service":
        brand, domain = rng.choice(SERVICE_BRANDS[lang])
        values["brand"] = brand
        sender = (brand, f"{rng.choice(('no-reply', 'info', 'account'))}@{domain}")
        link = f"https://www.{domain}/{rng.choice(('account', 'help', 'invoices'))}"
    elif kind == "personal":
        friend = values["sender"]
        sender = (friend, f"{friend.lower().translate(_ASCII)}.{rng.randrange(10, 99)}@{rng.choice(local.free_mail)}")
        link = ""
    else:
        domain = values["shop_domain"]
        sender = (values["shop"], f"{rng.choice(('info', 'news', 'orders', 'service'))}@{domain}")
        link = f"https://www.{domain}/{rng.choice(('account', 'news', 'orders', 'p'))}/{hexid(rng, 32)}"
    values["link"] = link
    subject, lines = _compose(rng, WANTED[lang][kind], values)
    return _message(rng, lang=lang, sender=sender, subject=subject, lines=lines, link=link,
                    html=kind not in ("personal", "appointment"), when=when, recipient=recipient, trusted=True)


def scam_message(rng: random.Random, lang: str, kind: str, *, when: dt.datetime, recipient: str) -> bytes:
    """One phishing or scam message of ``kind`` (a key of ``SCAM[lang]``) in ``lang``."""
    values = _fill(rng, lang)
    values["brand"] = rng.choice(SCAM_BRANDS.get(kind, ("Support",)))
    values["product"] = rng.choice(PRIZES) if kind == "prize" else values["product"]
    domain = f"{rng.choice(_SCAM_WORDS)}-{rng.choice(_SCAM_WORDS)}{rng.randrange(10, 999)}.test"
    where = rng.random()
    if where < 0.3:
        host = f"{rng.choice(_SCAM_WORDS)}-{hexid(rng, 24)}.{rng.choice(_HOSTING)}"
    elif where < 0.4:
        host = _ip(rng, "203.0.113")
    else:
        host = f"{rng.choice(_SCAM_WORDS)}.{rng.choice(_SCAM_WORDS)}{rng.randrange(10, 999)}.test"
    link = f"https://{host}/{rng.choice(('login', 'verify', 'pay', 'claim', 'r', 'track', 'promo'))}/{hexid(rng, 40)}"
    values["link"] = link
    display = values["brand"] if kind in SCAM_BRANDS else rng.choice(("Support", "Service", values["shop"], ""))
    sender = (display, f"{rng.choice(('info', 'service', 'noreply', 'support', 'alert'))}@{domain}")
    subject, lines = _compose(rng, SCAM[lang][kind], values)
    return _message(rng, lang=lang, sender=sender, subject=subject, lines=lines, link=link,
                    html=kind != "extortion", when=when, recipient=recipient, trusted=False)


_ASCII = str.maketrans("áàâãäçéèêëíïóôõöúüñ", "aaaaaceeeeiioooouun")


def generate_training(out_dir: Path, *, seed: int = 2021, messages: int = DEFAULT_MESSAGES,
                      force: bool = False) -> dict[str, int]:
    """Write the set; returns the number of messages per label and kind (``wanted/order``, ...)."""
    if not MIN_MESSAGES <= messages <= MAX_MESSAGES:
        raise TrainingSetError(f"--messages must be between {MIN_MESSAGES} and {MAX_MESSAGES}, got {messages}")
    if out_dir.exists() and not out_dir.is_dir():
        raise TrainingSetError(f"{out_dir} is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not force:
            raise TrainingSetError(f"{out_dir} is not empty (use --force to replace the training set in it)")
        for name in ("wanted", "phishing"):
            shutil.rmtree(out_dir / name, ignore_errors=True)
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    start = dt.datetime(2025, 1, 6, 7, tzinfo=dt.UTC)
    with _Out(out_dir) as out:
        for n in range(messages):
            lang = LANGUAGES[n % len(LANGUAGES)]
            phishing = rng.random() < PHISHING_SHARE
            kind = rng.choice(sorted((SCAM if phishing else WANTED)[lang]))
            local = LOCAL[lang]
            recipient = (f"{rng.choice(local.names).lower().translate(_ASCII)}.{rng.randrange(100, 999)}"
                         f"@{rng.choice(local.free_mail)}")
            when = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 360))
            build = scam_message if phishing else wanted_message
            raw = build(rng, lang, kind, when=when, recipient=recipient)
            label = "phishing" if phishing else "wanted"
            out.write(label, f"{n:06d}-{lang}-{kind}.eml", raw, {"label": label, "language": lang, "kind": kind})
            counts[f"{label}/{kind}"] = counts.get(f"{label}/{kind}", 0) + 1
    return dict(sorted(counts.items()))


class _Out:
    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir

    def __enter__(self) -> _Out:
        for name in ("wanted", "phishing"):
            (self.out_dir / name).mkdir(parents=True, exist_ok=True)
        self.labels = open(self.out_dir / "labels.jsonl", "w", encoding="utf-8")
        return self

    def write(self, label: str, name: str, raw: bytes, info: dict[str, str]) -> None:
        (self.out_dir / label / name).write_bytes(raw)
        self.labels.write(json.dumps({"path": f"{label}/{name}", **info}, sort_keys=True) + "\n")

    def __exit__(self, *exc: object) -> None:
        self.labels.close()
