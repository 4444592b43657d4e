"""Per-recipient tokens across messages: copies of one template whose URLs differ in
one component only."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mailward.result import TokenMatch
from mailward.tokens.urls import _spans, _split, url_components

__all__ = ["TemplateToken", "batch_tokens_by_message", "template_tokens"]

# ---------------------------------------------------------------------------
# batch: one template, one varying component
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateToken:
    """A URL component that differs between messages built from one template.

    ``template`` is the URL with that component replaced by ``{token}``; ``values``
    maps each message key to the value it carries there. ``urls`` is how many URLs
    (over all messages) follow the template.
    """

    template: str
    host: str
    location: str  # "path[2]", "query:uid", "host" (leftmost label), ...
    values: Mapping[str, str]
    urls: int

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(self.values)

    def token_for(self, key: str) -> TokenMatch | None:
        """The ``TokenMatch`` (encoding "batch", confidence "medium") for one message."""
        value = self.values.get(key)
        if value is None:
            return None
        return TokenMatch(recipient="", encoding="batch", location=self.location, value=value, confidence="medium")


def _shape(url: str) -> tuple[tuple[object, ...], list[tuple[str, str]]] | None:
    """A grouping key for ``url`` and its variable components."""
    if not url.lower().startswith(("http://", "https://", "//")):
        return None
    comps = url_components(url)
    host = ""
    variable: list[tuple[str, str]] = []
    query_keys: list[str] = []
    path_count = 0
    for location, value in comps:
        if location == "host":
            host = value.lower()
            first, dot, rest = host.partition(".")
            if dot and rest.count(".") >= 1:
                variable.append(("host", first))
                host = "*." + rest
        elif location == "userinfo":
            continue
        else:
            if location.startswith("path["):
                path_count += 1
            elif location.startswith("query"):
                query_keys.append(location)
            variable.append((location, value))
    key = (host, path_count, tuple(sorted(query_keys)))
    return key, variable


def template_tokens(
    urls_by_message: Sequence[tuple[str, Sequence[str]]],
    *,
    min_messages: int = 2,
    shapes: dict[str, tuple[tuple[object, ...], list[tuple[str, str]]] | None] | None = None,
) -> tuple[TemplateToken, ...]:
    """Components that carry a per-message value across messages of one template.

    ``urls_by_message`` is ``[(message_key, urls), ...]``: one entry per copy of a
    mailing (ideally each to a different recipient). URLs with the same host
    (leftmost label aside), the same number of path segments and the same query
    parameter names are aligned; when URLs of at least ``min_messages`` different
    messages are identical in every component but one, each message carries one
    value there, and the values differ between (at least three quarters of) the
    messages, the component is returned: it identifies the copy, which is what a
    per-recipient token does.

    ``shapes``: a cache of each URL's alignment key and components, for a caller that
    passes the same URLs in several calls (the copies of one sender and of one
    campaign overlap); it is filled here and never changes a result.
    """
    if shapes is None:
        shapes = {}
    groups: dict[tuple[object, ...], list[tuple[str, str, list[tuple[str, str]]]]] = defaultdict(list)
    for msg_key, urls in urls_by_message:
        for url in dict.fromkeys(urls):
            if url in shapes:
                shaped = shapes[url]
            else:
                shaped = shapes[url] = _shape(url)
            if shaped is None:
                continue
            key, comps = shaped
            groups[key].append((msg_key, url, comps))

    found: dict[tuple[str, str], TemplateToken] = {}
    for entries in groups.values():
        if len({e[0] for e in entries}) < min_messages:
            continue
        width = len(entries[0][2])
        entries = [e for e in entries if len(e[2]) == width]
        noise = _per_url_components(entries, width)
        group_messages = len({e[0] for e in entries})
        for idx in range(width):
            if len({e[2][idx][1] for e in entries}) * 4 < group_messages * 3:
                continue  # few values over many copies: a campaign or list id, not a token
            buckets: dict[tuple[str, ...], list[tuple[str, str, list[tuple[str, str]]]]] = defaultdict(list)
            for entry in entries:
                comps = entry[2]
                rest = tuple(v for j, (_, v) in enumerate(comps) if j != idx and j not in noise)
                buckets[rest].append(entry)
            for bucket in buckets.values():
                per_msg: dict[str, set[str]] = defaultdict(set)
                for msg_key, _, comps in bucket:
                    per_msg[msg_key].add(comps[idx][1])
                if len(per_msg) < min_messages:
                    continue
                # each message carries one value there, and the values are all different
                if any(len(v) != 1 for v in per_msg.values()):
                    continue
                values = {k: next(iter(v)) for k, v in per_msg.items()}
                distinct = len(set(values.values()))
                # nearly one value per copy: a recipient who got the mailing twice
                # repeats a value, a campaign id is shared by most copies
                if distinct < 2 or distinct * 4 < len(values) * 3:
                    continue
                location = bucket[0][2][idx][0]
                template = _template(
                    bucket[0][1],
                    location,
                    bucket[0][2][idx][1],
                    [bucket[0][2][j] for j in sorted(noise) if j != idx],
                )
                host = _split_host(bucket[0][1])
                if location == "host":
                    host = host.partition(".")[2]  # the token is the leftmost label
                slot = (template, location)
                previous = found.get(slot)
                if previous is None:
                    found[slot] = TemplateToken(template, host, location, values, len(bucket))
                else:
                    merged = dict(previous.values)
                    merged.update(values)
                    found[slot] = TemplateToken(template, host, location, merged, previous.urls + len(bucket))
    return tuple(sorted(found.values(), key=lambda t: (-len(t.values), -t.urls, t.template)))


def _per_url_components(entries: Sequence[tuple[str, str, list[tuple[str, str]]]], width: int) -> frozenset[int]:
    """Components whose value differs on every URL, also inside one message: a
    per-link signature or nonce (GetResponse's ``z=``, a per-link path segment).
    They are ignored when aligning URLs; what is left may then differ in one
    component per copy."""
    per_message: Counter[str] = Counter(e[0] for e in entries)
    if max(per_message.values(), default=0) < 2:
        return frozenset()
    out = set()
    for idx in range(width):
        values = [e[2][idx][1] for e in entries]
        if len(set(values)) == len(values):
            out.add(idx)
    return frozenset(out)


def _split_host(url: str) -> str:
    host_start, host_end, *_ = _split(url)
    return url[host_start:host_end].lower()


def _template(url: str, location: str, value: str, noise: Sequence[tuple[str, str]] = ()) -> str:
    """``url`` with the token replaced by ``{token}`` and per-URL noise by ``{*}``."""
    marks = {location: "{token}"}
    for noise_location, _ in noise:
        marks.setdefault(noise_location, "{*}")
    out = []
    last = 0
    for span in _spans(url):
        mark = marks.get(span.location)
        if mark is None:
            continue
        start, end = span.start, span.end
        if span.location == "host":
            dot = url.find(".", start, end)
            end = dot if dot > 0 else end
        out.append(url[last:start])
        out.append(mark)
        last = end
    out.append(url[last:])
    return "".join(out)


def batch_tokens_by_message(tokens: Iterable[TemplateToken]) -> dict[str, list[TokenMatch]]:
    """Regroup ``template_tokens`` output per message key."""
    out: dict[str, list[TokenMatch]] = defaultdict(list)
    for token in tokens:
        for key in token.values:
            match = token.token_for(key)
            if match is not None:
                out[key].append(match)
    return dict(out)


