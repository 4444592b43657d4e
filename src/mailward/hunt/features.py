"""What a hunt keeps of one scanned message, and the keys campaigns are built from.

``build_record(message, result, ...)`` runs in the worker processes (or on Dask
workers), next to the scan, so that the single writer only inserts rows. The
campaign keys (``features``) are strings of the form ``kind:value``; their meaning
and how strongly each links messages is documented in ``hunt.campaigns``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import ipaddress
import json
import re
import sys
import types
import unicodedata
import zlib
from collections.abc import Mapping
from hashlib import sha1
from typing import Any

import numpy as np
import re2

from mailward import domains
from mailward.headers import receipt_addresses
from mailward.model import Message
from mailward.pipeline import ATTACHED, OWN_VERDICT
from mailward.result import ScanResult
from mailward.share.msgfacts import message_facts
from mailward.store.records import MessageRecord

NUM_PERM = 64  # 64 permutations: 256 bytes per message, Jaccard error ~0.06
SCHEME = "affine32"  # datasketch 2 hashing scheme: 32-bit values
SHINGLE = 3  # word 3-grams
MIN_WORDS = 12  # shorter texts say too little to be compared
MAX_WORDS = 600  # the opening of a lure is what a template keeps constant
MAX_INDICATORS = 60

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)  # letters only: numbers and ids vary per copy
# google-re2: with the backtracking engine this is quadratic on a long run of
# non-space characters holding no URL marker (every start scans to the run's end)
_URLISH = re2.compile(r"(?i)\S*(?:https?://|www\.|@)\S*")
_MID_RUN = re.compile(r"[0-9A-Za-z]+|[^0-9A-Za-z]")
_DKIM_D = re.compile(r"(?:^|;)\s*d\s*=\s*([^;\s]+)", re.IGNORECASE)
_TAG = re2.compile(r"<[^>]{0,1000}>")  # re2: the stdlib engine spends 2,000 steps per stray "<"
_ENTITY = re.compile(r"&[#a-zA-Z0-9]{1,10};")
_TOKENISH = re.compile(r"^(?=.*\d)[A-Za-z0-9_\-=.~%+]{6,}$|^[A-Za-z0-9_\-=.~%+]{16,}$")
_INTERNAL = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def _datasketch_minhash() -> Any:
    """datasketch's ``MinHash`` class, without running ``datasketch/__init__``.

    That file imports every index datasketch offers and, with its LSH, SciPy: about
    56 MB more in each hunting process (the hunter and every worker) for a class that
    needs only numpy. The module ``datasketch.minhash`` is loaded under a bare package
    object that is removed again, so a later ``import datasketch`` (the clustering's
    LSH parameters) initialises the real package and reuses the loaded module.
    """
    loaded = sys.modules.get("datasketch.minhash")
    spec = importlib.util.find_spec("datasketch") if loaded is None else None
    if loaded is None and "datasketch" not in sys.modules and spec is not None and spec.submodule_search_locations:
        bare = types.ModuleType("datasketch")
        bare.__path__ = list(spec.submodule_search_locations)
        sys.modules["datasketch"] = bare
        try:
            loaded = importlib.import_module("datasketch.minhash")
        except ImportError:
            sys.modules.pop("datasketch.minhash", None)
        finally:
            del sys.modules["datasketch"]
    if loaded is None:
        from datasketch import MinHash as ordinary

        return ordinary
    return loaded.MinHash


MinHash = _datasketch_minhash()
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)  # permutations computed once per process
# datasketch's affine32 scheme, applied directly (same values, see ``content_minhash``):
# the a and b of each permutation as a 1 x 64 row, and the MurmurHash3 finaliser's constants
_PERM_A = np.asarray(_TEMPLATE.permutations[0], dtype=np.uint32).reshape(1, -1)
_PERM_B = np.asarray(_TEMPLATE.permutations[1], dtype=np.uint32).reshape(1, -1)
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


@functools.lru_cache(maxsize=4096)  # sending servers repeat; ipaddress parsing is ~20 us a call
def _public_ip(value: str) -> bool:
    try:
        ip = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    # Documentation ranges (192.0.2.0/24, ...) count as public: real mail never
    # carries them, and test and demo mail uses nothing else.
    if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return False
    return not any(ip in net for net in _INTERNAL if net.version == ip.version)


def received_ips(message: Message) -> list[str]:
    """Public IPs of the hosts that handed the message on, oldest hop last (as written)."""
    out: dict[str, None] = {}
    for hop in message.received:
        if hop.from_ip and _public_ip(hop.from_ip):
            out.setdefault(hop.from_ip.strip("[]"), None)
    return list(out)


def dkim_domains(message: Message) -> list[str]:
    """d= of every DKIM-Signature, then header.d of DKIM results, lower case."""
    out: dict[str, None] = {}
    for value in message.header_all("DKIM-Signature"):
        for found in _DKIM_D.findall(value):
            out.setdefault(found.strip().lower().rstrip("."), None)
    for res in message.auth_results:
        if res.method == "dkim":
            d = res.properties.get("header.d") or res.properties.get("header.i", "").rpartition("@")[2]
            if d:
                out.setdefault(d.lower().rstrip("."), None)
    return list(out)


def message_id_pattern(message_id: str) -> str:
    """The shape of a Message-ID: character classes of the left part, the right part as is.

    ``<20240312.8f3a1c@mta7.news-mail.example>`` -> ``N8.H6@mta7.news-mail.example``
    (runs of digits N, hex with digits H, letters A, mixed X, others kept). Mail-merge tools leave a
    recognisable shape; the right-hand side is often the sending host.
    """
    mid = message_id.strip().strip("<>")
    left, at, right = mid.rpartition("@")
    if not at:
        return ""
    shape: list[str] = []
    for run in _MID_RUN.findall(left):
        if not run.isalnum():
            shape.append(run)
            continue
        if run.isdigit():
            cls = "N"
        elif all(c in "0123456789abcdefABCDEF" for c in run) and any(c.isdigit() for c in run):
            cls = "H"
        elif run.isalpha():
            cls = "A"
        else:
            cls = "X"  # mixed letters and digits
        shape.append(f"{cls}{min(len(run), 40)}")
    return "".join(shape) + "@" + right.lower()


def url_template(url: str) -> str:
    """Host and path with per-copy parts blanked: ``t.example/o/{}/open.gif?u={}&c={}``."""
    parts = domains.split_url(url)
    host = parts.host
    if not host:
        return ""
    segments = ["{}" if _TOKENISH.match(seg) else seg.lower() for seg in parts.path.split("/") if seg]
    keys = sorted({kv.partition("=")[0].lower() for kv in parts.query.split("&") if kv})
    query = ("?" + "&".join(f"{k}={{}}" for k in keys)) if keys else ""
    return host + "/" + "/".join(segments) + query


def normalise_persona(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(_WORD.findall(folded))


def _body_text(message: Message) -> str:
    if message.text_parts:
        return "\n".join(p.text for p in message.text_parts)
    html = "\n".join(p.text for p in message.html_parts)
    return _ENTITY.sub(" ", _TAG.sub(" ", html))


def content_words(message: Message, recipients: tuple[str, ...] = ()) -> list[str]:
    """Normalised words of subject and body, with URLs, addresses and the reader's names removed."""
    text = message.subject + "\n" + _body_text(message)
    text = _URLISH.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    words = _WORD.findall(text)
    personal = set()
    for rcpt in recipients:
        personal.update(_WORD.findall(rcpt.partition("@")[0].casefold().replace(".", " ")))
    for address in message.to:
        personal.update(_WORD.findall(address.display_name.casefold()))
    if personal:
        words = [w for w in words if w not in personal]
    return words[:MAX_WORDS]


def content_minhash(words: list[str]) -> bytes | None:
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}
    # What datasketch's MinHash(num_perm=64, seed=1, scheme="affine32").update_batch
    # computes (a test holds the two equal), without building a MinHash object and
    # re-validating its permutations per message (~0.25 ms): the first 4 bytes of each
    # shingle's SHA-1 as a little-endian uint32, the MurmurHash3 finaliser, then
    # a*h + b modulo 2**32 per permutation, and the minimum over the shingles.
    hv = np.frombuffer(b"".join([sha1(s, usedforsecurity=False).digest()[:4] for s in shingles]), dtype="<u4").astype(np.uint32)
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = (hv ^ (hv >> s3)).reshape(-1, 1)
    return np.asarray((hv * _PERM_A + _PERM_B).min(axis=0), dtype=np.uint32).tobytes()


def campaign_keys(
    message: Message, result: ScanResult, ips: list[str], dkim: list[str]
) -> dict[str, Any]:
    """The infrastructure a message was sent and tracked with, as ``kind:value`` keys."""
    keys: dict[str, None] = {}
    sender = message.sender_address
    if sender is not None and sender.addr:
        keys[f"from:{sender.addr.lower()}"] = None
        if sender.registrable:
            keys[f"from_domain:{sender.registrable}"] = None
        persona = normalise_persona(sender.display_name)
        if persona:
            keys[f"persona:{persona}"] = None
    for rt in message.reply_to:
        if rt.addr and (sender is None or rt.addr.lower() != sender.addr.lower()):
            keys[f"reply_to:{rt.addr.lower()}"] = None
    for receipt in receipt_addresses(message.headers):  # a rotating From may keep the mailbox that counts opens
        if sender is None or receipt.addr.lower() != sender.addr.lower():
            keys[f"receipt:{receipt.addr.lower()}"] = None
    for d in dkim:
        keys[f"dkim:{domains.registrable(d) or d}"] = None
    pattern = message_id_pattern(message.message_id)
    if pattern:
        keys[f"msgid:{pattern}"] = None
        keys[f"msgid_shape:{pattern.partition('@')[0]}"] = None  # the tool, whatever the domain
    for ip in ips[-1:]:  # the oldest public hop: the sending server
        keys[f"ip:{ip}"] = None
    for beacon in result.beacons:
        # a known mailing service's infrastructure is shared by all its customers:
        # "esp_" keys are weak; a tracker of the sender's own is strong
        prefix = "esp_" if beacon.tracker else "track_"
        if beacon.host:
            keys[f"{prefix}host:{beacon.host.lower()}"] = None
        tmpl = url_template(beacon.url)
        if tmpl:
            keys[f"{prefix}url:{tmpl}"] = None
            path = tmpl.partition("/")[2]
            if not beacon.tracker and path.replace("{}", "").strip("/?&="):
                keys[f"path:/{path}"] = None  # the same kit on another domain
        if beacon.per_recipient and beacon.token is not None and not beacon.tracker:
            keys[f"token:{beacon.host.lower()}|{beacon.token.location}"] = None
    facts: Mapping[str, Any] = result.facts if isinstance(result.facts, Mapping) else {}
    identity: Mapping[str, Any] = facts.get("identity") or {}
    claim: Mapping[str, Any] = identity.get("claim") or {} if isinstance(identity, Mapping) else {}
    if not isinstance(identity, Mapping) or not isinstance(claim, Mapping):
        identity, claim = {}, {}
    if identity.get("claim_mismatch") and claim.get("name"):
        claimed = normalise_persona(str(claim["name"]))
        # a lure that greets its reader by name "claims" that name: not the sender's identity
        readers = {normalise_persona(a.display_name) for a in (*message.to, *message.cc)}
        readers |= {normalise_persona(r.partition("@")[0].replace(".", " ")) for r in result.recipients}
        if claimed and claimed not in readers:
            keys[f"claimed:{claimed}"] = None
    list_id = message.header("List-Id")
    return {
        "keys": list(keys),
        "forwarded": forwarded(facts),
        "trackers": sorted({b.tracker for b in result.beacons if b.tracker}),
        "list_id": (list_id or "").strip().lower()[:200],
        "beacon_urls": list(dict.fromkeys(b.url for b in result.beacons))[:20],
        "dkim_aligned": bool(sender and sender.registrable and any(
            (domains.registrable(d) or d) == sender.registrable for d in dkim
        )),
    }


def forwarded(facts: Mapping[str, Any]) -> bool:
    """A colleague's forward "as attachment": an authenticated message from the
    organisation's own domain that is benign on its own and owes its verdict to the
    message attached to it (``mailward.pipeline.OWN_VERDICT``). Its reader is not the
    attacker's target, so the campaign clustering leaves it out (``campaigns.cluster``);
    a lure the attacker wraps in a note of their own is clustered as any lure is."""
    if not facts.get(ATTACHED) or facts.get(OWN_VERDICT) not in ("clean", "tracking"):
        return False
    org, auth = facts.get("org") or {}, facts.get("auth") or {}
    return bool(isinstance(org, Mapping) and org.get("inbound_from_own")
                and isinstance(auth, Mapping) and auth.get("aligned"))


def indicators_of(message: Message, result: ScanResult, ips: list[str]) -> list[dict[str, str]]:
    """Indicators a campaign built from this message could share: sender infrastructure,
    tracking hosts and URLs, sending IPs, attachment hashes. Ordinary links are left
    out on purpose: lures link to the real outlets they imitate."""
    out: dict[tuple[str, str], None] = {}
    sender = message.sender_address
    if sender is not None and sender.addr:
        out[("email", sender.addr_ascii.lower())] = None
        if sender.domain_ascii:
            out[("domain", sender.domain_ascii.lower())] = None
    for rt in (*message.reply_to, *receipt_addresses(message.headers)):  # a receipt's mailbox is the sender's too
        if rt.addr:
            out[("email", rt.addr_ascii.lower())] = None
            if rt.domain_ascii:
                out[("domain", rt.domain_ascii.lower())] = None
    for beacon in result.beacons:
        if beacon.host:
            out[("domain", beacon.host.lower())] = None
        if beacon.url.lower().startswith(("http://", "https://")):
            url = _shareable_url(beacon.url, beacon.token.value if beacon.token else "")
            if url:
                out[("url", url)] = None
    for ip in ips[-1:]:
        kind = "ipv6" if ":" in ip else "ipv4"
        out[(kind, ip)] = None
    for att in message.attachments:
        if att.sha256:
            out[("sha256", att.sha256.lower())] = None
    if message.subject:
        out[("subject", message.subject[:300])] = None
    return [{"kind": k, "value": v} for k, v in list(out)[:MAX_INDICATORS]]


def _shareable_url(url: str, token: str) -> str:
    """A beacon URL safe to share: cut before the per-recipient token (which encodes
    the target's address), leaving a prefix that still matches every copy."""
    if not token:
        return url
    cut = url.find(token)
    if cut <= 0:
        return ""
    prefix = url[:cut]
    return prefix if prefix.count("/") >= 3 else ""  # never just "https://host/"


def build_record(
    message: Message,
    result: ScanResult,
    *,
    source: str,
    mailbox: str = "",
    raw: bytes | None = None,
) -> MessageRecord:
    """Everything the store keeps about one message (built where the scan ran)."""
    sender = message.sender_address
    ips = received_ips(message)
    dkim = dkim_domains(message)
    rank = result.verdict.rank
    features = campaign_keys(message, result, ips, dkim)
    # every message gets a sketch: a peer's fingerprint may describe mail this
    # organisation judged clean (only suspicious mail is clustered by content)
    minhash = content_minhash(content_words(message, tuple(result.recipients)))
    attack: dict[str, None] = {}
    for finding in result.findings:
        for tid in finding.attack:
            attack.setdefault(tid, None)
    return MessageRecord(
        source=source,
        sha256=result.sha256 or message.sha256,
        verdict=str(result.verdict),
        verdict_rank=rank,
        score=float(result.score),
        mailbox=mailbox,
        message_id=message.message_id,
        size=message.raw_size,
        from_addr=sender.addr.lower() if sender else "",
        from_name=sender.display_name if sender else "",
        from_domain=sender.domain if sender else "",
        reply_to=message.reply_to[0].addr.lower() if message.reply_to else "",
        subject=message.subject,
        date=message.date,
        received_ips=ips,
        dkim_domains=dkim,
        summary=result.summary,
        reason=result.reason,
        findings=[f.to_json() for f in result.findings],
        beacons=[b.to_json() for b in result.beacons],
        indicators=indicators_of(message, result, ips),
        attack=list(attack),
        recipients=list(result.recipients or message.recipients),
        features=features,
        minhash=minhash,
        body=raw,
        match_facts=message_facts(message, [(b.url, b.token.value if b.token else "") for b in result.beacons], minhash),
        rule_facts=pack_rule_facts(result.facts),
    )


def pack_rule_facts(facts: Any) -> bytes | None:
    """The scan's rule facts as compressed JSON (what ``mailward rescan`` re-evaluates)."""
    if not isinstance(facts, Mapping) or not facts:
        return None
    try:
        text = json.dumps(facts, separators=(",", ":"), default=_json_default)
    except (TypeError, ValueError):
        return None
    return zlib.compress(text.encode("utf-8"), 6)


def unpack_rule_facts(blob: bytes | None) -> dict[str, Any] | None:
    if not blob:
        return None
    try:
        loaded = json.loads(zlib.decompress(blob))
    except (zlib.error, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)
