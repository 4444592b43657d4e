"""A labelled, multilingual training set for the learned content model.

``mailward demo training DIR`` writes wanted mail (shops' order notices and newsletters,
appointments, service and bank notices and parcel updates from the brands' own domains,
bookings, colleagues, clubs, notes between people) and phishing and scam mail (account
suspension, mailbox quota, bank alerts, tax refunds, a parcel held for a fee, invoices,
crypto wallets, failed subscriptions, prizes, refunds, investment schemes, offers and
click-bait, advance fees, dating, extortion) in English, German, Dutch, Portuguese,
Spanish, French and Italian, from the texts in the ``mltexts_*`` modules, laid out in
several ways (plain text, paragraphs, a banner with a button and legal footers, a short
note). Deterministic: everything comes from ``random.Random(seed)``.

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
from mailward.demo.mltexts_it import SCAM_IT, WANTED_IT
from mailward.demo.mltexts_parts import BUTTON_OF_KIND, BUTTONS, FOOTERS, MENTIONED, MENTIONS, ROLES
from mailward.demo.mltexts_scam import SCAM
from mailward.demo.mltexts_scam2 import SCAM2
from mailward.demo.mltexts_scam3 import SCAM3
from mailward.demo.mltexts_scam4 import SCAM4
from mailward.demo.mltexts_wanted import WANTED, Kind
from mailward.demo.mltexts_wanted2 import WANTED2
from mailward.demo.training_brands import (
    BANK_BRANDS,
    CARRIER_BRANDS,
    GENERIC_SENDERS,
    LOCAL_SCAM_BRANDS,
    PRIZES,
    SCAM_BRANDS,
    SERVICE_BRANDS,
    SIGNING_BRANDS,
    TRAVEL_BRANDS,
)
from mailward.errors import MailwardError

LANGUAGES = ("en", "de", "nl", "pt", "es", "fr", "it")
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
    surnames: tuple[str, ...] = ("Smith", "Müller", "de Jong", "Silva", "García", "Martin", "Rossi")


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
    "it": Local(("Giulia", "Marco", "Chiara", "Luca", "Sara", "Matteo"), ("Bologna", "Torino", "Verona", "Bari"),
                (("Libreria del Portico", "libreria-portico.example"), ("Vivaio Rossi", "vivaio-rossi.example"),
                 ("Sport Dolomiti", "sport-dolomiti.example")),
                ("una giacca impermeabile", "un libro di cucina", "attrezzi da giardino", "un macinacaffè"),
                "{value} €", ("gmail.com", "libero.it", "alice.it"), "qui", 1),
}

# every kind of every language: the first texts, Italian, and the later kinds
TEXTS_WANTED: dict[str, dict[str, Kind]] = {
    lang: {**(WANTED_IT if lang == "it" else WANTED[lang]), **WANTED2[lang]} for lang in LANGUAGES}
TEXTS_SCAM: dict[str, dict[str, Kind]] = {
    lang: {**(SCAM_IT if lang == "it" else SCAM[lang]), **(SCAM2.get(lang) or SCAM3[lang]), **SCAM4[lang]}
    for lang in LANGUAGES}

_SCAM_WORDS = ("secure", "verify", "client", "service", "portal", "info", "update", "notice", "track", "promo",
               "bonus", "online", "account", "center", "pay", "mail", "help", "alert", "id", "auth")
_HOSTING = ("web.app", "netlify.app", "pages.dev", "weeblysite.com", "wixsite.com", "000webhostapp.com",
            "firebaseapp.com", "vercel.app", "github.io", "blogspot.com", "glitch.me", "ngrok.io")
_LINK_PATHS = ("login", "verify", "pay", "claim", "r", "track", "promo", "auth", "secure", "update", "index.php",
               "wp-content/plugins", "s", "go", "account", "signin", "billing", "portal")
_NO_LINK = ("extortion", "advance")  # they ask for a reply or a payment, not a click
# how a message is laid out: plain text; paragraphs with a linked word; a banner, a button
# and a footer; or a short note
_LAYOUTS = ("plain", "paragraphs", "button", "short")
_COLOURS = ("#d40511", "#0a66c2", "#ffcc00", "#00457c", "#1db954", "#e50914", "#ff6200", "#004b87", "#6d2077")
_MENTIONING = ("personal", "work", "club", "newsletter")
MENTION_SHARE = 0.3
SIGNED_SHARE = 0.4
_WANTED_SENDERS = {"bank_notice": BANK_BRANDS, "carrier": CARRIER_BRANDS, "travel": TRAVEL_BRANDS,
                   "service": SERVICE_BRANDS}


def _fill(rng: random.Random, lang: str) -> dict[str, str]:
    local = LOCAL[lang]
    shop, shop_domain = rng.choice(local.shops)
    value = f"{rng.randrange(9, 400)},{rng.randrange(100):02d}" if lang != "en" else f"{rng.randrange(9, 400)}.{rng.randrange(100):02d}"
    day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(360))
    contact = f"{rng.choice(('claims', 'office', 'info', 'mr.james', 'helen.w'))}{rng.randrange(10, 99)}@{rng.choice(local.free_mail)}"
    return {"name": rng.choice(local.names), "sender": rng.choice(local.names), "city": rng.choice(local.cities),
            "shop": shop, "shop_domain": shop_domain, "product": rng.choice(local.products),
            "amount": local.currency.format(value=value), "date": day.strftime("%d.%m.%Y" if lang in ("de", "nl") else
                                                                              "%d/%m/%Y"),
            "ref": f"{rng.choice('ABCDEFGHKLMNPRSTUVWXYZ')}{rng.randrange(10**7, 10**8)}", "contact": contact}


def _compose(rng: random.Random, kind: Kind, values: dict[str, str], layout: str) -> tuple[str, list[str]]:
    subjects, slots = kind
    subject = rng.choice(subjects).format(**values)
    lines = [rng.choice(slot).format(**values) for slot in slots]
    if layout == "short" and len(lines) > 3:  # the greeting, what it says, what to do
        with_link = [i for i, line in enumerate(lines) if values["link"] and values["link"] in line][:1]
        lines = [lines[i] for i in sorted({0, 1, *with_link})]
    return subject, lines


def _html(rng: random.Random, lines: list[str], link: str, word: str, *, layout: str, banner: str, button: str,
          footer: list[str]) -> str:
    paras = []
    for line in lines:
        escaped = _html_escape(line)
        if link and link in line:
            if layout == "button":
                before = _html_escape(line.replace(link, "").rstrip(" :"))
                anchor = (f'<a href="{_html_escape(link)}" style="background:{rng.choice(_COLOURS)};color:#ffffff;'
                          f'padding:12px 24px;text-decoration:none;border-radius:4px;display:inline-block">'
                          f"{_html_escape(button)}</a>")
                escaped = f"{before}</p><p>{anchor}"
            else:
                escaped = escaped.replace(_html_escape(link), f'<a href="{_html_escape(link)}">{word}</a>')
        paras.append(f"<p>{escaped}</p>")
    if layout == "button":
        head = (f'<div style="background:{rng.choice(_COLOURS)};color:#ffffff;padding:16px;font-size:20px">'
                f"<b>{_html_escape(banner)}</b></div>")
        foot = "".join(f'<p style="font-size:11px;color:#777777">{_html_escape(f)}</p>' for f in footer)
        return (f'<html><body style="font-family:Arial,sans-serif"><table width="600" align="center"><tr><td>{head}'
                f'{"".join(paras)}<hr>{foot}</td></tr></table></body></html>\n')
    foot = "".join(f"<p><small>{_html_escape(f)}</small></p>" for f in footer)
    return "<html><body>" + "".join(paras) + foot + "</body></html>\n"


def _message(rng: random.Random, *, lang: str, kind: str, sender: tuple[str, str], subject: str, lines: list[str],
             link: str, layout: str, when: dt.datetime, recipient: str, trusted: bool, banner: str) -> bytes:
    footer = [rng.choice(FOOTERS[lang]).format(brand=banner, city=rng.choice(LOCAL[lang].cities))
              for _ in range(rng.choice((0, 1, 1, 2)))] if layout in ("button", "paragraphs") else []
    text = "\n\n".join(lines + footer) + "\n"
    if layout != "plain" and layout != "short":
        button = rng.choice(BUTTONS[lang][BUTTON_OF_KIND.get(kind, "view")])
        html = _html(rng, lines, link, LOCAL[lang].link_word, layout=layout, banner=banner, button=button, footer=footer)
        ctype, body = multipart("alternative", [text_part(text), text_part(html, "html")], boundary(rng))
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
    if layout != "plain" and layout != "short":
        headers.append(f"Content-Type: {ctype}")
        return assemble(headers, body)
    headers += [f"Content-Type: {ctype}", "Content-Transfer-Encoding: 8bit"]
    return assemble(headers, body)


def _person(rng: random.Random, lang: str, name: str) -> tuple[str, str]:
    return name, f"{name.lower().translate(_ASCII)}.{rng.randrange(10, 99)}@{rng.choice(LOCAL[lang].free_mail)}"


def wanted_message(rng: random.Random, lang: str, kind: str, *, when: dt.datetime, recipient: str) -> bytes:
    """One wanted message of ``kind`` (a key of ``TEXTS_WANTED[lang]``) in ``lang``."""
    values = _fill(rng, lang)
    if kind in _WANTED_SENDERS:
        brand, domain = rng.choice(_WANTED_SENDERS[kind][lang])
        values["brand"] = brand
        sender = (brand, f"{rng.choice(('no-reply', 'info', 'account', 'service', 'notifications'))}@{domain}")
        link = f"https://www.{domain}/{rng.choice(('account', 'help', 'invoices', 'track', 'booking', 'my'))}"
        layout = rng.choice(("paragraphs", "button", "button", "plain"))
    elif kind in ("personal", "work", "club"):
        sender = _person(rng, lang, values["sender"])
        if kind == "work":  # a colleague at the reader's employer, an invented company on a reserved domain
            sender = (values["sender"], f"{values['sender'].lower().translate(_ASCII)}@{values['shop_domain']}")
        link = f"https://www.{values['shop_domain']}/club" if kind == "club" else ""
        layout = rng.choice(("plain", "plain", "short", "paragraphs"))
    else:
        domain = values["shop_domain"]
        sender = (values["shop"], f"{rng.choice(('info', 'news', 'orders', 'service'))}@{domain}")
        link = f"https://www.{domain}/{rng.choice(('account', 'news', 'orders', 'p'))}/{hexid(rng, 32)}"
        layout = "plain" if kind == "appointment" and rng.random() < 0.6 else rng.choice(("paragraphs", "button"))
    values["link"] = link
    values.setdefault("brand", values["shop"])
    subject, lines = _compose(rng, TEXTS_WANTED[lang][kind], values, layout)
    if kind in _MENTIONING and rng.random() < MENTION_SHARE:  # names a brand it is not from
        subject = rng.choice(MENTIONS[lang]).format(mention=rng.choice(MENTIONED), **values)
    if kind == "work" and rng.random() < SIGNED_SHARE:  # a partner signs with the brand they work for
        brand, domain = rng.choice(SIGNING_BRANDS)
        lines[-1] = f"--\n{values['sender']} {rng.choice(LOCAL[lang].surnames)}\n{rng.choice(ROLES[lang])} | {brand}\n{domain}"
    return _message(rng, lang=lang, kind=kind, sender=sender, subject=subject, lines=lines, link=link, layout=layout,
                    when=when, recipient=recipient, trusted=True, banner=sender[0])


def _scam_link(rng: random.Random) -> str:
    where = rng.random()
    if where < 0.35:
        host = f"{rng.choice(_SCAM_WORDS)}-{hexid(rng, 24)}.{rng.choice(_HOSTING)}"
    elif where < 0.45:
        host = _ip(rng, "203.0.113")
    else:
        host = f"{rng.choice(_SCAM_WORDS)}.{rng.choice(_SCAM_WORDS)}{rng.randrange(10, 999)}.test"
    return f"https://{host}/{rng.choice(_LINK_PATHS)}/{hexid(rng, 40)}"


def scam_message(rng: random.Random, lang: str, kind: str, *, when: dt.datetime, recipient: str) -> bytes:
    """One phishing or scam message of ``kind`` (a key of ``TEXTS_SCAM[lang]``) in ``lang``."""
    values = _fill(rng, lang)
    brands = LOCAL_SCAM_BRANDS.get(kind, {}).get(lang) or SCAM_BRANDS.get(kind)
    generic = GENERIC_SENDERS.get(kind)
    values["brand"] = rng.choice(brands) if brands else values["shop"]
    values["product"] = rng.choice(PRIZES) if kind == "prize" else values["product"]
    domain = f"{rng.choice(_SCAM_WORDS)}-{rng.choice(_SCAM_WORDS)}{rng.randrange(10, 999)}.test"
    values["link"] = link = "" if kind in _NO_LINK else _scam_link(rng)
    if brands and not (generic and rng.random() < 0.4):
        display = values["brand"]
    elif generic:
        display = rng.choice(generic)
    else:
        display = rng.choice(("Support", "Service", "Info", values["shop"], values["sender"], ""))
    local_part = rng.choice(("info", "service", "noreply", "support", "alert", "contact", "news", "admin"))
    sender = (display, f"{local_part}@{domain}")
    if kind in ("advance", "dating", "extortion") or rng.random() < 0.08:  # a throwaway free-mail account
        sender = _person(rng, lang, display or values["sender"])
    layout = "plain" if kind in _NO_LINK else rng.choice(("plain", "paragraphs", "button", "button", "short"))
    subject, lines = _compose(rng, TEXTS_SCAM[lang][kind], values, layout)
    return _message(rng, lang=lang, kind=kind, sender=sender, subject=subject, lines=lines, link=link, layout=layout,
                    when=when, recipient=recipient, trusted=False, banner=display or values["brand"])


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
            kind = rng.choice(sorted((TEXTS_SCAM if phishing else TEXTS_WANTED)[lang]))
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
