"""Offline link facts for phishing: where a link really goes and what kind of host serves it.

- ``hosting_of(host, path)``: free hosting, cloud buckets, form services, IPFS gateways,
  dynamic DNS and tunnels (``data/hosting.yaml``), where anyone can put up a login page;
- ``unwrap(url)``: the destination an open redirector or a redirect parameter carries
  (``google.com/url?q=``, ``?redirect=https://...``, Bing's base64 ``u=a1...``), decoded
  from the URL itself, never fetched;
- ``script_scheme(url)``: ``javascript:``, ``data:`` and ``vbscript:`` links;
- ``punycode(host)``: a host with an IDNA (``xn--``) label;
- ``decode_host(host)``: a host written with percent escapes (``%70aypal.%63om``),
  decoded as a browser would; no real sender writes a host that way;
- ``action_text(text)``: the visible text of a link asks the reader to act on an
  account ("click here", "update now", "clique aqui", "klik hier"), in English,
  Portuguese, German, Spanish, French and Dutch.

Every function is pure; reference data is loaded once per process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from urllib.parse import parse_qsl, unquote

from .. import domains
from ..trackers import as_destination
from ..yamlload import safe_load

HOSTING_KINDS = frozenset({"free-hosting", "cloud-bucket", "form", "ipfs", "dynamic-dns", "tunnel", "file-share"})


class HostingDataError(ValueError):
    """``hosting.yaml`` is malformed; the message says which entry."""


@dataclass(frozen=True, slots=True)
class Hosting:
    domain: str
    kind: str
    service: str
    path: str = ""
    label: str = ""


def parse_hosting(text: str, origin: str = "hosting.yaml") -> Mapping[str, tuple[Hosting, ...]]:
    loaded = safe_load(text)
    if not isinstance(loaded, Mapping) or not isinstance(loaded.get("hosting"), list):
        raise HostingDataError(f"{origin}: expected a mapping with a 'hosting' list")
    out: dict[str, list[Hosting]] = {}
    for i, entry in enumerate(loaded["hosting"]):
        if not isinstance(entry, Mapping) or not entry.get("domain") or not entry.get("source"):
            raise HostingDataError(f"{origin}: hosting[{i}] needs a domain and a source note")
        kind = str(entry.get("kind", ""))
        if kind not in HOSTING_KINDS:
            raise HostingDataError(f"{origin}: hosting[{i}] kind must be one of {', '.join(sorted(HOSTING_KINDS))}")
        domain = str(entry["domain"]).lower().strip(".")
        out.setdefault(domain, []).append(
            Hosting(domain, kind, str(entry.get("service", domain)), str(entry.get("path", "") or ""),
                    str(entry.get("label", "") or ""))
        )
    return {k: tuple(v) for k, v in out.items()}


@functools.cache
def hosting_data() -> Mapping[str, tuple[Hosting, ...]]:
    text = resources.files("mailward.data").joinpath("hosting.yaml").read_text("utf-8")
    return parse_hosting(text)


@functools.lru_cache(maxsize=8192)
def _hosting_candidates(host: str) -> tuple[Hosting, ...]:
    data = hosting_data()
    labels = host.split(".")
    found: list[Hosting] = []
    for i in range(len(labels) - 1):
        suffix = ".".join(labels[i:])
        entries = data.get(suffix)
        if entries:
            sub = labels[:i]
            for entry in entries:
                if entry.label and not any(lab.startswith(entry.label) for lab in sub):
                    continue
                found.append(entry)
    return tuple(found)


def hosting_of(host: str, path: str = "") -> Hosting | None:
    """The hosting service ``host`` (and ``path``) belongs to, or None."""
    if not host or "." not in host:
        return None
    for entry in _hosting_candidates(host.lower().strip(".")):
        if not entry.path or path.lower().startswith(entry.path):
            return entry
    return None


# Query parameters that carry the next hop of a redirect.
REDIRECT_PARAMS = frozenset(
    "url u q target dest destination redirect redirect_url redirect_uri redirecturl redir r link goto to "
    "next continue return returnurl return_url returnto out forward fwd location loc site page".split()
)


def unwrap(url: str, host: str) -> str:
    """The URL a redirect link carries in its query (first hop only), or ''.

    Only when the carried URL points to another site than the link itself: a redirect
    within one registrable domain (``www.example.com/out?url=https://shop.example.com/``)
    borrows no one's reputation.
    """
    _, _, query = url.partition("?")
    if not query:
        return ""
    query = query.split("#", 1)[0][:4000]
    for key, value in parse_qsl(query, keep_blank_values=False):
        if key.lower() in REDIRECT_PARAMS:
            found = as_destination(value, bing_base64=True)
            if found:
                target = domains.split_url(found).host
                if target and target != host and domains.site(target) != domains.site(host):
                    return found
    return ""


SCRIPT_SCHEMES = ("javascript", "data", "vbscript")


def script_scheme(url: str) -> str:
    """``javascript``, ``data`` or ``vbscript`` when the link runs code or carries a page."""
    head = url[:20].strip().lower().replace("\t", "").replace("\n", "").replace("\r", "")
    for scheme in SCRIPT_SCHEMES:
        if head.startswith(scheme + ":"):
            return scheme
    return ""


def punycode(host: str) -> bool:
    return host.startswith("xn--") or ".xn--" in host


def decode_host(host: str) -> str:
    """``host`` with percent escapes decoded (lower case), or '' when it has none or
    does not decode to a plain host name or address."""
    if "%" not in host:
        return ""
    decoded = unquote(host[:255], errors="replace").lower()
    if not decoded or "%" in decoded or not decoded.isascii() or any(c in decoded for c in "/\\@?# "):
        return ""
    return domains.to_ascii(decoded)


# stdlib re on link text (at most 300 characters): an alternation of literals between
# word boundaries, no nested repetition.
_ACTION_TEXT = re.compile(
    r"(?i)\b(?:click (?:here|this link|below)|update|renew|verify|confirm|activate|re-?activate|restore|unlock"
    r"|validate|prove|log ?in|sign ?in|clique aqui|acesse|atualizar|atualize|confirmar|verificar|regularizar"
    r"|klicken sie hier|hier klicken|aktualisieren|best[äa]tigen|verifizieren|entsperren"
    r"|haga clic|pulse aqu[ií]|actualizar|cliquez ici|mettre [àa] jour|v[ée]rifier|confirmer|d[ée]bloquer"
    r"|klik hier|bijwerken|verifi[eë]ren|bevestigen|deblokkeren)\b"
)


def action_text(text: str) -> bool:
    """The visible text of a link asks the reader to act on an account (see above)."""
    return bool(text) and _ACTION_TEXT.search(text[:300]) is not None
