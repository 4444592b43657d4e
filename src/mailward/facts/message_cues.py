"""Small derived facts the rules need: link hosts, IP literals, shorteners,
text/href mismatch, attachment categories, archive encryption, phrases.

Every function is pure and cheap; reference data is loaded once per process.
Regexes run on message-controlled text, so they use google-re2 (linear time),
or stdlib ``re`` where a comment shows the pattern cannot backtrack badly.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import re2

from .. import domains, linear_regex
from ..defects import EVASION
from ..identity.outlets import is_freemail
from ..sniff import zip_directory
from ..yamlload import safe_load
from . import re2bytes

_RE2_OPTIONS = linear_regex.options(max_mem=32 << 20)


@dataclass(frozen=True, slots=True)
class UrlParts:
    scheme: str
    host: str
    path: str
    registrable: str


def split_url(url: str) -> UrlParts:
    """Scheme, ASCII host, path and registrable domain (``mailward.domains``); a
    bare "www." name counts as http. Never raises."""
    text = url.strip()
    if text.lower().startswith("www."):
        text = "http://" + text
    parts = domains.split_url(text)
    host = domains.to_ascii(parts.host)
    return UrlParts(parts.scheme, host, parts.path, domains.site(host))


@functools.cache
def shortener_domains() -> frozenset[str]:
    data = safe_load(
        resources.files("mailward.data").joinpath("shorteners.yaml").read_text("utf-8")
    )
    return frozenset(entry["domain"].lower() for entry in data["shorteners"])


def is_shortener(host: str, reg: str) -> bool:
    names = shortener_domains()
    return host in names or reg in names


# A domain shown in link text: "www.reuters.com", "https://bbc.co.uk/news".
_TEXT_DOMAIN = re2.compile(
    r"(?i)(?:^|[^\pL\pN@.-])(?:https?://)?((?:[\pL\pN][\pL\pN-]*\.)+(?:\pL\pL+|xn--[a-z0-9-]+))(?:$|[^\pL\pN@-])",
    _RE2_OPTIONS,
)


def text_domain(text: str) -> str:
    """The first domain-looking token in a link's visible text, lower case, or ''."""
    if not text or "." not in text:
        return ""
    match = _TEXT_DOMAIN.search(text[:500])
    if not match:
        return ""
    domain = match.group(1).lower()
    # file names are not domains
    if domain.rsplit(".", 1)[-1] in _FILE_TLDS:
        return ""
    return domain if domains.site(domain) else ""


_FILE_TLDS = frozenset(
    "pdf doc docx xls xlsx ppt pptx jpg jpeg png gif zip txt htm html php asp aspx exe csv".split()
)

# stdlib re on short, bounded inputs: an alternation of literals with no nested
# quantifier cannot backtrack badly, and avoids re2's per-call wrapper cost.
_LOGIN = re.compile(
    r"(?i)\b(?:log ?in|logon|sign ?in|signin|verify|verification|validate|confirm(?:ation)?|"
    r"reset|password|passwd|unlock|re-?activate|credentials?|webmail|sso|oauth|authenticate)\b"
)


def login_words(text: str, path: str, host: str = "") -> bool:
    """The link text, path or host name speaks of logging in or verifying an account."""
    return (
        bool(_LOGIN.search(text[:500]))
        or bool(_LOGIN.search(path[:500].replace("/", " ").replace("_", " ")))
        or bool(_LOGIN.search(host.replace(".", " ")))
    )


_CREDENTIAL = re2.compile(
    r"(?i)(verify your (?:account|identity|email|mailbox)|confirm your (?:account|password|identity|email)|"
    r"(?:your )?password (?:will )?expires?|password has expired|reset your password|update your (?:account|password|payment)|"
    r"(?:account|mailbox) (?:has been |will be )?(?:suspended|locked|disabled|deactivated|closed|limited|restricted)|"
    r"unusual (?:sign-?in|login) activity|mailbox (?:is )?(?:full|quota)|storage quota|"
    r"validate your (?:account|mailbox|email)|re-?activate your account|sign in to (?:view|access|read|continue)|"
    r"log ?in to (?:view|access|read|continue)|secure document|shared a document with you|"
    r"enter your (?:password|credentials)|keep (?:the )?same password|"
    # German, French, Spanish, Portuguese, Italian, Dutch
    r"bestätigen sie ihr(?:e)? (?:konto|identität|e-mail)|ihr konto wurde (?:gesperrt|eingeschränkt)|"
    r"ihr passwort läuft ab|konto (?:verifizieren|bestätigen)|ihr postfach ist voll|"
    r"vérifie[zr] votre (?:compte|identité)|votre compte (?:a été|sera) (?:suspendu|bloqué|désactivé|limité|restreint)|"
    r"votre mot de passe (?:expire|a expiré)|confirme[zr] votre (?:identité|compte)|"
    r"verifique su (?:cuenta|identidad)|confirme su (?:cuenta|identidad)|su cuenta (?:ha sido|será) (?:suspendida|bloqueada|limitada|restringida)|"
    r"su contraseña (?:caducará|ha caducado|caduca)|"
    r"verifique (?:a )?sua conta|confirme (?:a )?sua (?:conta|identidade)|sua conta (?:foi|será) (?:bloqueada|suspensa|limitada|restrita)|"
    r"sua senha (?:expira|expirou)|novo acesso (?:a|à) sua conta|"
    r"verifica il tuo account|il tuo account (?:è stato|sarà) (?:sospeso|bloccato)|la tua password (?:scadrà|è scaduta)|"
    r"verifieer uw (?:account|identiteit)|bevestig uw (?:account|identiteit)|uw (?:account|rekening) is (?:geblokkeerd|opgeschort|beperkt)|"
    r"uw wachtwoord verloopt)",
    _RE2_OPTIONS,
)

_URGENCY = re2.compile(
    r"(?i)(urgent|immediately|within 24 hours|within 48 hours|final notice|act now|as soon as possible|"
    r"failure to|will be (?:terminated|deleted|closed)|last warning|time-sensitive)",
    _RE2_OPTIONS,
)

_NEWSROOM = re2.compile(
    r"(?i)\b(interview|newsroom|article|reporter|journalist|correspondent|editor|press inquiry|"
    r"request for comment|for comment|our story|op-ed|breaking news|exclusive)\b",
    _RE2_OPTIONS,
)


# Linear: a tag ends at the next '>' or before the next '<'.
_TAG = re.compile(r"<[^<>]*>?")
# Inline elements and comments join what is around them, as a browser shows it:
# "pass<span></span>word" and "mail<!-- x -->box" read "password" and "mailbox", not two
# words a lure list cannot match. Linear for the same reason as ``_TAG``.
# The names are spelt out in the cases mail uses instead of re.IGNORECASE (measured on
# the 20 newsletters' HTML, 0.16 ms a 51 KB part against 0.44 ms), after a lookahead of
# their first letters, so that a '<' before anything else fails at once (80,000 '<' in
# 0.7 ms, not 6.5).
_INLINE_TAG = re.compile(
    r"<(?=[/!abefimosuwABEFIMOSUW])(?:/?(?:[abisuABISU]|em|EM|Em|font|FONT|Font|span|SPAN|Span|strong|STRONG|Strong"
    r"|small|SMALL|sub|SUB|sup|SUP|mark|strike|STRIKE|big|BIG|wbr|WBR|o:p|O:P)(?=[\s/>])[^<>]*|!--[^<>]*)>"
)
_BLOCKS = ("style", "script")

# Hidden text salting: a word split by an inline element the reader never sees, holding
# one run of junk ("pass<span style='font-size:0'>IJMXD2</span>word"). Such an element
# is dropped with its text, so the word reads as shown. Only a run without white space
# (at most 60 characters) counts: a hidden preheader sentence is left alone. RE2: linear.
_INLINE_NAMES = "span|font|b|i|u|em|strong|small|sup|sub|a"
_HIDDEN_INLINE = re2.compile(
    r"(?i)<(?:" + _INLINE_NAMES + r")\s[^<>]*style\s*=\s*[\"'][^\"'<>]*(?:display\s*:\s*none|visibility\s*:\s*hidden"
    r"|color\s*:\s*transparent|(?:font-size|opacity)\s*:\s*(?:0+(?:\.0+)?|\.0+)(?:px|pt|em|rem|%)?\s*(?:;|[\"']))"
    r"[^<>]*>([^<>\s]{1,60})</(?:" + _INLINE_NAMES + r")\s*>",
    _RE2_OPTIONS,
)
_HIDDEN_HINTS = ("none", "hidden", "transparent", "font-size", "opacity")


def _may_hide(lower: str) -> bool:
    """Whether a lower-cased HTML text could hold a hidden inline element: a cheap test
    before ``_HIDDEN_INLINE`` runs."""
    return "style" in lower and any(hint in lower for hint in _HIDDEN_HINTS)


def hidden_salt(html: str) -> list[str]:
    """The junk runs of hidden inline elements in ``html`` (see ``_HIDDEN_INLINE``)."""
    return [m.group(1) for m in _HIDDEN_INLINE.finditer(html)] if _may_hide(html.lower()) else []


def _unsalted(html: str, lower: str) -> str:
    """``html`` without its hidden junk runs; ``lower`` is a lower-cased text holding
    ``html``, read only by ``_may_hide``."""
    return str(_HIDDEN_INLINE.sub("", html)) if _may_hide(lower) else html


def strip_tags(html: str) -> str:
    """Text of an HTML string without tags, style and script blocks (linear time).

    The next opening of each block tag is remembered and searched again only once
    the scan has passed it, so many blocks of one kind never make the search for
    the other kind rescan the rest of the text (which was quadratic)."""
    lower = html.lower()
    pieces = []
    pos = 0
    nexts = {tag: lower.find(f"<{tag}") for tag in _BLOCKS}
    while True:
        for tag, at in nexts.items():
            if 0 <= at < pos:
                nexts[tag] = lower.find(f"<{tag}", pos)
        starts = [(at, tag) for tag, at in nexts.items() if at >= 0]
        if not starts:
            pieces.append(html[pos:])
            break
        start, tag = min(starts)
        end = lower.find(f"</{tag}", start)
        pieces.append(html[pos:start])
        if end < 0:
            break
        close = lower.find(">", end)
        pos = len(html) if close < 0 else close + 1
    # the hints are looked for in the whole part's lower case: the pieces are a part of it
    text = _unsalted("".join(pieces), lower)
    return _TAG.sub(" ", _INLINE_TAG.sub("", text)).replace("&nbsp;", " ")


def _distinct_matches(pattern: re2._Regexp, text: str, limit: int = 10) -> list[str]:
    out: dict[str, None] = {}
    for match in pattern.finditer(text):
        out.setdefault(match.group(0).lower(), None)
        if len(out) >= limit:
            break
    return list(out)


def credential_phrases(text: str) -> list[str]:
    return _distinct_matches(_CREDENTIAL, text)


def urgency_phrases(text: str) -> list[str]:
    return _distinct_matches(_URGENCY, text)


def newsroom_words(text: str) -> bool:
    return bool(_NEWSROOM.search(text))


def text_cues_in(data: bytes) -> tuple[list[str], list[str], bool]:
    """(``credential_phrases``, ``urgency_phrases``, ``newsroom_words``) of a text
    already encoded (``re2bytes.utf8``): the text is not encoded again for each."""
    return (re2bytes.distinct(_CREDENTIAL, data), re2bytes.distinct(_URGENCY, data),
            re2bytes.search(_NEWSROOM, data)[0] != -1)


# An address written in the text, and the words that ask the reader to write there
# ("write to", "contact me", "reply to", "escreva para", "schreiben Sie", "écrivez"),
# looked for in the 80 characters before it: a request, not the label "E-mail:" of a
# signature. Words of unsubscribing in the same place ("to be removed, reply to") are
# no request. Alternations of fixed text, no nesting: linear (RE2).
_ADDRESS = re2.compile(r"[A-Za-z0-9._%+-]{1,64}@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6})")
_CONTACT_VERB = re2.compile(
    r"(?i)(?:\bwrit(?:e|ing) (?:to|at|me|us|back)|\bcontact (?:me|us|him|her|them|the|our|my)\b|\be-?mail (?:me|us)\b"
    r"|\brepl(?:y|ies) (?:to|me|back|at)|\brespond (?:to|at)|\bresponse to me|\breach (?:me|us)\b|\bget back to me"
    r"|\bsend (?:me |us )?(?:an? |your |the )?(?:e-?mail|mail|message|reply|details|information|name|address|response)"
    r"|escreva|envie|entre em contato|contato comigo|responda|kontaktieren sie|schreiben sie|antworten sie"
    r"|escr[ií]b|env[ií]e|cont[áa]cte|[ée]crivez|r[ée]pondez|contactez|envoyez|schrijf|neem contact|mail (?:me|mij)\b)")
_UNSUBSCRIBE = re2.compile(r"(?i)(?:remov|unsubscri|opt[- ]?out|descadastr|abmeld|afmeld|d[ée]sinscri|darse de baja)")


def contact_elsewhere(body: str, sender: str, recipients: tuple[str, ...] = ()) -> str:
    """The first free-mail address, other than the sender's and the recipients', that
    ``body`` asks the reader to write to ("please write to my private e-mail:
    jane.w@mail.com"); "" if none. At most the first 20 addresses of the first 20,000
    characters are read."""
    if "@" not in body:
        return ""
    body = body[:20_000]
    for count, match in enumerate(_ADDRESS.finditer(body)):
        if count >= 20:
            break
        address: str = match.group(0).lower()
        if address == sender or address in recipients or not is_freemail(match.group(1).lower()):
            continue
        before = body[max(0, match.start() - 80):match.start()]
        if _CONTACT_VERB.search(before) and not _UNSUBSCRIBE.search(before):
            return address
    return ""


@functools.lru_cache(maxsize=64)
def brand_variants(own_domains: tuple[str, ...]) -> tuple[str, ...]:
    """Ways a foreign host can carry an own domain: 'parliament-example',
    'parliamentexample', 'parliament.example.' (as a subdomain of something else)."""
    out: dict[str, None] = {}
    for domain in own_domains:
        reg = domains.site(domain) or domain
        if "." not in reg:
            continue
        out.setdefault(reg.replace(".", "-"), None)
        out.setdefault(reg.replace(".", ""), None)
        out.setdefault(reg + ".", None)
        label = reg.split(".", 1)[0]
        if "-" in label and len(label) >= 8:  # distinctive compound names: northland-parliament
            out.setdefault(label, None)
            out.setdefault(label.replace("-", ""), None)
    return tuple(out)


def has_own_brand(host: str, reg: str, own_domains: tuple[str, ...], variants: tuple[str, ...]) -> bool:
    if not host or not reg or any(reg == d or reg == domains.site(d) for d in own_domains):
        return False
    return any(v in host for v in variants)


# -- attachments --------------------------------------------------------------

_CATEGORY_BY_EXT: dict[str, str] = {}
for _cat, _exts in {
    "executable": "exe scr com pif cpl msi msp msc dll sys drv ocx jar apk app elf bin run gadget xll wll",
    "script": "js jse vbs vbe wsf wsh wsc ps1 psm1 psd1 bat cmd hta sct vb reg inf scpt ahk au3 mjs",
    "macro_office": "docm dotm xlsm xltm xlam xlsb pptm potm ppam ppsm sldm",
    "html": "html htm shtml xhtml mht mhtml svg xht",
    "archive": "zip rar 7z gz tgz tar bz2 xz cab ace arj lzh lha z zipx uue",
    "disk_image": "iso img vhd vhdx udf dmg",
    "shortcut": "lnk url scf library-ms settingcontent-ms appref-ms website",
    "office": "doc docx dot dotx xls xlsx xlt xltx ppt pptx pps ppsx rtf odt ods odp one onepkg pub",
    "pdf": "pdf",
    "image": "png jpg jpeg gif bmp webp tif tiff ico heic",
}.items():
    for _ext in _exts.split():
        _CATEGORY_BY_EXT[_ext] = _cat

_SNIFFED_CATEGORY = {
    "application/x-dosexec": "executable",
    "application/x-msdownload": "executable",
    "application/x-executable": "executable",
    "application/x-elf": "executable",
    "application/x-mach-binary": "executable",
    "application/x-iso9660-image": "disk_image",
    "application/x-ms-shortcut": "shortcut",
    "text/html": "html",
}

DANGEROUS = frozenset({"executable", "script", "macro_office", "html", "disk_image", "shortcut"})


def extensions(filename: str) -> list[str]:
    name = filename.strip().strip(".").lower().rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    parts = name.split(".")[1:]
    return [p.strip() for p in parts if p.strip()][-4:]


def category(filename: str, declared_type: str, sniffed_type: str) -> str:
    exts = extensions(filename)
    ext = exts[-1] if exts else ""
    by_ext = _CATEGORY_BY_EXT.get(ext, "")
    sniffed = _SNIFFED_CATEGORY.get(sniffed_type.lower(), "")
    if sniffed in DANGEROUS and by_ext not in DANGEROUS:
        return sniffed
    if by_ext:
        return by_ext
    declared = declared_type.lower()
    if declared in ("text/html", "application/xhtml+xml"):
        return "html"
    if declared in ("application/x-msdownload", "application/x-dosexec"):
        return "executable"
    if declared.startswith("image/"):
        return "image"
    return sniffed or "other"


def type_mismatch(filename: str, sniffed_type: str) -> bool:
    """The magic bytes say executable/HTML/disk image while the name says something harmless."""
    sniffed = _SNIFFED_CATEGORY.get(sniffed_type.lower(), "")
    if sniffed not in DANGEROUS:
        return False
    exts = extensions(filename)
    by_ext = _CATEGORY_BY_EXT.get(exts[-1] if exts else "", "other")
    return by_ext != sniffed and not (sniffed == "html" and by_ext in ("html", "other"))


@dataclass(frozen=True, slots=True)
class ArchiveInfo:
    encrypted: bool = False
    members: tuple[str, ...] = ()


def inspect_archive(data: bytes, max_members: int = 200) -> ArchiveInfo:
    """Encryption flag and member names of a ZIP archive, read from its directory only.

    Nothing is decompressed. Returns an empty ``ArchiveInfo`` for anything that is
    not a readable ZIP. For other archive kinds, encryption is not detected.
    """
    encrypted, members = zip_directory(data, max_members)
    return ArchiveInfo(encrypted=encrypted, members=members)


def member_categories(members: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for name in members:
        exts = extensions(name)
        out.setdefault(_CATEGORY_BY_EXT.get(exts[-1] if exts else "", "other"), None)
    return list(out)


# -- MIME defects -------------------------------------------------------------

# Defects that make mail filters and mail clients disagree on what the message
# contains: the classic ways to hide a payload or a link from a filter.
EVASION_DEFECTS = EVASION  # the catalogue in mailward.defects
