"""Content features for the learned model: what a message says, never who got it or when.

A feature is a short string such as ``"b:password"`` (a body word), ``"s:verify"`` (a
subject word) or ``"lp:login"`` (a word of a link path). Only content goes in:

- subject words and word pairs, body words (plain text and the visible text of HTML),
  the sender's display-name words;
- link shape: host labels, path words, scheme, IP-literal hosts, link counts;
- attachment kinds, forms and password inputs.

Left out on purpose, because a model that learns them learns the corpus, not phishing:
recipient addresses (removed from the text too, with their local parts), every address,
dates, Received chains, Message-IDs and every other header. Text is cut at
``MAX_TEXT`` characters so the cost per message stays flat.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Iterable
from urllib.parse import urlsplit

from ..model import Message

FEATURE_VERSION = 1
MAX_TEXT = 12_000  # characters of body text read per message
MAX_LINKS = 60

# Every pattern here is linear on attacker text: a match can only start where the
# previous character could not continue it (look-behinds, possessive runs), and tag
# scanning stops at the next "<". (The RE2 wrapper was measured ~50x slower here: it
# maps byte offsets back to characters on every match.)
_WORD = re.compile(r"[^\W\d_][\w'-]{1,24}")
_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]++@[\w-]++(?:\.[\w-]++)*+")
_URL = re.compile(r"(?i)(?:https?://|www\.)\S++")
_TAG = re.compile(r"<[^<>]*+>")
_ENTITY = re.compile(r"(?i)&(?:nbsp|#160|#xa0|zwnj|#8204|shy|#173);?")
_OTHER_ENTITY = re.compile(r"&#?\w{1,8};?")
_HIDDEN_BLOCKS = ("style", "script", "head", "title")
_PATH_WORD = re.compile(r"[a-z]{3,20}")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DIGITS = re.compile(r"\d")


def _drop_hidden_blocks(html: str) -> str:
    """Cut <style>, <script>, <head> and <title> blocks in one forward pass.

    The next opening of each tag is remembered and looked for again only once the
    cut has passed it, so the work stays linear however many blocks there are.
    """
    lowered = html.lower()
    keep: list[str] = []
    position = 0
    upcoming = {tag: lowered.find("<" + tag) for tag in _HIDDEN_BLOCKS}
    while True:
        for tag, at in upcoming.items():
            if 0 <= at < position:
                upcoming[tag] = lowered.find("<" + tag, position)
        found = [(at, tag) for tag, at in upcoming.items() if at >= 0]
        if not found:
            break
        at, tag = min(found)
        keep.append(html[position:at])
        close = lowered.find("</" + tag, at)
        end = lowered.find(">", close) if close >= 0 else -1
        position = len(html) if end < 0 else end + 1
    keep.append(html[position:])
    return " ".join(keep)


def visible_text(html: str) -> str:
    """HTML to roughly the text a reader sees: blocks that show nothing dropped, tags to spaces."""
    html = _drop_hidden_blocks(html[: MAX_TEXT * 8])
    html = _TAG.sub(" ", html)
    html = _ENTITY.sub(" ", html)
    return str(_OTHER_ENTITY.sub(" ", html))


def _body_text(message: Message) -> str:
    chunks: list[str] = []
    size = 0
    for part in message.text_parts:
        chunks.append(part.text[:MAX_TEXT])
        size += len(chunks[-1])
        if size >= MAX_TEXT:
            break
    if size < MAX_TEXT // 4:  # HTML only (or a token text part): read the HTML's visible text
        for part in message.html_parts:
            chunks.append(visible_text(part.text)[:MAX_TEXT])
            size += len(chunks[-1])
            if size >= MAX_TEXT:
                break
    return " ".join(chunks)[:MAX_TEXT]


def _recipient_words(message: Message) -> frozenset[str]:
    """The words of the recipients' addresses: removed from the text, never features."""
    words: set[str] = set()
    for address in message.recipients:
        words.update(w for w in re.split(r"[@._+-]", address.lower()) if len(w) > 1)
    return frozenset(words)


def _words(text: str, drop: frozenset[str]) -> list[str]:
    text = _URL.sub(" ", _EMAIL.sub(" ", text))
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in drop]


def _link_features(message: Message) -> Iterable[str]:
    hosts: set[str] = set()
    for link in message.links[:MAX_LINKS]:
        url = link.url.strip()
        lowered = url[:12].lower()
        if lowered.startswith(("mailto:", "tel:")):
            yield "ls:" + lowered.split(":", 1)[0]
            continue
        if not lowered.startswith(("http://", "https://")):
            yield "ls:other"
            continue
        try:
            parts = urlsplit(url[:2000])
            host = (parts.hostname or "").lower()
        except ValueError:
            yield "ls:bad"
            continue
        if _IPV4.match(host) or host.startswith("["):
            yield "lh:ip-literal"
        elif host.startswith("xn--") or ".xn--" in host:
            yield "lh:punycode"
        hosts.add(host)
        for word in _PATH_WORD.findall(parts.path.lower())[:8]:
            yield "lp:" + word
        if link.text and _URL.match(link.text.strip()):
            yield "lt:url-text"
    for host in hosts:
        labels = host.split(".")
        for label in labels[:-1][-3:]:
            if label and not _DIGITS.search(label):
                yield "lh:" + label


def features(message: Message) -> list[str]:
    """The content features of ``message`` (duplicates removed, order kept)."""
    drop = _recipient_words(message)
    out: list[str] = []
    subject = _words(message.subject or "", drop)[:30]
    out.extend("s:" + w for w in subject)
    out.extend(f"s2:{a}_{b}" for a, b in itertools.pairwise(subject))
    sender = message.sender_address
    if sender and sender.display_name:
        out.extend("fn:" + w for w in _words(sender.display_name, drop)[:8])
    body = _words(_body_text(message), drop)
    out.extend("b:" + w for w in body)
    out.extend(f"b2:{a}_{b}" for a, b in itertools.pairwise(body))
    out.extend(_link_features(message))
    for form in message.forms:
        out.append("form")
        if "password" in form.inputs:
            out.append("form:password")
    for attachment in message.attachments[:10]:
        name = attachment.filename.lower()
        ext = name.rsplit(".", 1)[-1][:8] if "." in name else ""
        out.append("att:ext:" + ext)
        if attachment.sniffed_type:
            out.append("att:type:" + attachment.sniffed_type.lower()[:40])
    return list(dict.fromkeys(out))


def feature_index(feature: str, bits: int) -> int:
    """Stable hash of a feature to a column (CRC-32: fast, and the same in every process)."""
    return zlib.crc32(feature.encode("utf-8", "surrogatepass")) & ((1 << bits) - 1)
