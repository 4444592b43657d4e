"""The tracker registry (data/trackers.yaml), compiled once into one fast matcher.

* hosts: one dict from host suffix to entry; a host is looked up by walking its
  labels (``a.b.list-manage.com`` -> ``b.list-manage.com`` -> ``list-manage.com``),
  so the cost does not grow with the registry.
* URL shapes: every open shape goes into one RE2 ``Set`` and every click shape into
  another; one ``Match`` call per URL says which entries' shapes fit.

Nothing here fetches anything; ``real_destination`` only decodes what the URL says.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, unquote

import re2
import yaml

from mailward import domains, linear_regex
from mailward.errors import MailwardError
from mailward.yamlload import safe_load

__all__ = [
    "Registry",
    "Tracker",
    "UrlTracking",
    "classify_parts",
    "load_registry",
    "real_destination",
    "registry",
    "tracker_for_host",
    "tracker_for_url",
]

_KINDS = frozenset(
    {
        "esp",
        "marketing-automation",
        "transactional",
        "newsletter-platform",
        "sales-tracker",
        "read-receipt",
        "analytics",
        "advertising",
        "shortener",
        "redirector",
        "link-protection",
        "software",
    }
)

# query parameters that commonly carry a redirect destination
_GENERIC_REDIRECT_PARAMS = ("url", "u", "q", "target", "dest", "destination", "redirect", "redirect_url", "r", "link", "goto", "to")


class RegistryError(MailwardError):
    """The tracker data file is invalid; the message says which entry and why."""


@dataclass(frozen=True, slots=True)
class Tracker:
    name: str
    kind: str
    domains: tuple[str, ...]
    open: tuple[str, ...]
    click: tuple[str, ...]
    shape_alone: bool
    redirect: str
    source: str
    token: tuple[str, ...] = ()  # locations of the per-subscriber identifier

    @property
    def is_protection(self) -> bool:
        """A rewriter run by the recipient's own organisation, not a tracker."""
        return self.kind == "link-protection"


@dataclass(frozen=True, slots=True)
class UrlTracking:
    """What the registry knows about one URL."""

    tracker: Tracker | None
    role: str  # "open", "click" or "" (known host, no known shape)
    via: str  # "host" (tracking host), "shape" (URL shape on another host) or ""


_NOTHING = UrlTracking(None, "", "")


def _host_path(url: str) -> tuple[str, str]:
    """(host, "path?query") of an http(s) or protocol-relative URL; ("", "") for
    anything else (see ``mailward.domains.split_url``)."""
    parts = domains.split_url(url)
    if parts.scheme not in ("", "http", "https") or not parts.host:
        return "", ""
    return parts.host, parts.path_query


class Registry:
    """The compiled registry. Build with ``load_registry``; use ``registry()``."""

    def __init__(self, trackers: Sequence[Tracker]) -> None:
        self.trackers = tuple(trackers)
        self._by_host: dict[str, list[tuple[str, Tracker]]] = {}
        for tracker in self.trackers:
            for domain in tracker.domains:
                host, _, path = domain.partition("/")
                prefix = "/" + path if path else ""
                self._by_host.setdefault(host.lower(), []).append((prefix, tracker))
        # longer path prefixes first, so "google.com/url" beats a bare "google.com"
        for entries in self._by_host.values():
            entries.sort(key=lambda item: -len(item[0]))
        self._shapes, self._owners = self._compile()

    def _compile(self) -> tuple[Any, list[tuple[Tracker, str]]]:
        """Every open and click shape of every entry in one RE2 set."""
        shape_set = re2.Set.SearchSet(linear_regex.options(max_mem=64 << 20))
        owners: list[tuple[Tracker, str]] = []
        for tracker in self.trackers:
            for role, patterns in (("open", tracker.open), ("click", tracker.click)):
                for pattern in patterns:
                    try:
                        index = shape_set.Add(pattern)
                    except Exception as exc:  # re2 raises a bare error type
                        raise RegistryError(
                            f"tracker {tracker.name!r}: bad URL shape {pattern!r}: {exc}"
                        ) from None
                    assert index == len(owners)
                    owners.append((tracker, role))
        if owners:
            shape_set.Compile()
        return (shape_set if owners else None), owners

    def for_host(self, host: str, path: str = "") -> Tracker | None:
        """The entry whose domain is ``host`` or a parent of it (path-scoped entries
        such as ``google.com/url`` need ``path``)."""
        host = host.lower().rstrip(".")
        while host:
            entries = self._by_host.get(host)
            if entries:
                for prefix, tracker in entries:
                    if not prefix or path.startswith(prefix):
                        return tracker
            dot = host.find(".")
            if dot < 0:
                return None
            host = host[dot + 1 :]
        return None

    def _shape_matches(self, path_query: str) -> list[tuple[Tracker, str]]:
        if self._shapes is None or len(path_query) < 2:
            return []
        hits = self._shapes.Match(path_query)
        if not hits:
            return []
        return [self._owners[i] for i in sorted(hits)]

    def _classify(self, host: str, path_query: str) -> UrlTracking:
        path = path_query.split("?", 1)[0]
        tracker = self.for_host(host, path)
        if tracker is not None:
            if not (tracker.open or tracker.click):
                return UrlTracking(tracker, "", "host")
            for candidate, role in self._shape_matches(path_query):
                if candidate is tracker:
                    return UrlTracking(tracker, role, "host")
            return UrlTracking(tracker, "", "host")
        for candidate, role in self._shape_matches(path_query):
            if candidate.shape_alone:
                return UrlTracking(candidate, role, "shape")
        return _NOTHING


def _as_tuple(value: Any, field: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"tracker {name!r}: {field} must be a list of strings")
    return tuple(value)


def _parse(data: Any) -> list[Tracker]:
    if not isinstance(data, Mapping) or not isinstance(data.get("trackers"), list):
        raise RegistryError("trackers.yaml: expected a mapping with a 'trackers' list")
    out: list[Tracker] = []
    names: set[str] = set()
    for raw in data["trackers"]:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            raise RegistryError(f"trackers.yaml: entry without a name: {raw!r}")
        name = raw["name"]
        if name in names:
            raise RegistryError(f"tracker {name!r} is listed twice")
        names.add(name)
        kind = raw.get("kind", "")
        if kind not in _KINDS:
            raise RegistryError(f"tracker {name!r}: unknown kind {kind!r}")
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            raise RegistryError(f"tracker {name!r}: every entry needs a source note")
        domains = _as_tuple(raw.get("domains"), "domains", name)
        if not domains:
            raise RegistryError(f"tracker {name!r}: no domains")
        redirect = raw.get("redirect") or ""
        if redirect and not (redirect.startswith("query:") or redirect.startswith("path[")):
            raise RegistryError(f"tracker {name!r}: redirect must be 'query:NAME' or 'path[N]'")
        out.append(
            Tracker(
                name=name,
                kind=kind,
                domains=tuple(d.lower() for d in domains),
                open=_as_tuple(raw.get("open"), "open", name),
                click=_as_tuple(raw.get("click"), "click", name),
                shape_alone=bool(raw.get("shape_alone", False)),
                redirect=redirect,
                source=source.strip(),
                token=_as_tuple(raw.get("token"), "token", name),
            )
        )
    return out


def load_registry(text: str | None = None) -> Registry:
    """Compile a registry from YAML ``text`` (default: the packaged data file)."""
    if text is None:
        text = resources.files("mailward").joinpath("data/trackers.yaml").read_text("utf-8")
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"trackers.yaml is not valid YAML: {exc}") from None
    return Registry(_parse(data))


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The packaged registry, compiled once per process."""
    return load_registry()


def tracker_for_host(host: str) -> Tracker | None:
    return registry().for_host(host)


@lru_cache(maxsize=8192)
def _classify_cached(host: str, path_query: str) -> UrlTracking:
    return registry()._classify(host, path_query)


def classify_parts(host: str, path_query: str) -> UrlTracking:
    """``tracker_for_url`` for a URL already split (``mailward.domains.split_url``)."""
    return _classify_cached(host, path_query)


def tracker_for_url(url: str) -> UrlTracking:
    """The registry's view of ``url``: which service, and whether it is an open or a
    click URL."""
    host, path_query = _host_path(url)
    if not host:
        return _NOTHING
    return _classify_cached(host, path_query)


# ---------------------------------------------------------------------------
# redirect destinations
# ---------------------------------------------------------------------------


def _b64(text: str) -> str | None:
    text = text.strip().rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def as_destination(value: str | None, *, bing_base64: bool = False) -> str | None:
    """``value`` as the http(s) URL a redirect carries, or None: as written, or
    percent-encoded up to three times; with ``bing_base64``, also Bing's "a1" +
    base64url form. Only decoding: nothing is fetched."""
    if not value:
        return None
    value = value.strip()
    for _ in range(3):
        low = value[:12].lower()
        if low.startswith(("http://", "https://")):
            return value
        if low.startswith(("http%3a", "https%3a", "http:%2f", "https:%2f")):
            value = unquote(value)
            continue
        if bing_base64 and low.startswith("a1ahr0c") and len(value) < 4000:  # "a1" + base64url("http...")
            decoded = _b64(value[2:])
            if decoded and decoded.startswith(("http://", "https://")):
                return decoded
        break
    return None


def _proofpoint(url: str, path_query: str) -> str | None:
    if path_query.startswith("/v3/__"):
        body = path_query[len("/v3/__") :]
        end = body.find("__;")
        return as_destination(body[:end] if end >= 0 else None)
    if path_query.startswith("/v2/url?"):
        for key, value in parse_qsl(path_query.split("?", 1)[1]):
            if key == "u":
                return as_destination(value.replace("_", "/").replace("-", "%"))
    return None


def real_destination(url: str) -> str | None:
    """The destination a click redirector sends the reader to, when the URL says so.

    Only decoding: nothing is fetched. None when the URL is not a known redirector or
    does not carry its destination.
    """
    host, path_query = _host_path(url)
    if not host:
        return None
    info = _classify_cached(host, path_query)
    tracker = info.tracker
    if tracker is None:
        return None
    if tracker.name == "Proofpoint URL Defense":
        return _proofpoint(url, path_query)
    path, _, query = path_query.partition("?")
    spec = tracker.redirect
    if spec.startswith("query:"):
        wanted = spec[len("query:") :]
        for key, value in parse_qsl(query, keep_blank_values=False):
            if key == wanted:
                found = as_destination(value)
                if found:
                    return found
    elif spec.startswith("path["):
        index_text, _, decoder = spec[len("path[") :].partition("]")
        try:
            index = int(index_text)
        except ValueError:
            return None
        segments = [s for s in path.split("/")[1:]]
        if index < len(segments):
            segment = segments[index]
            if decoder == ":base64":
                return as_destination(_b64(segment))
            found = as_destination(unquote(segment) if "%" in segment else segment)
            if found:
                return found
    if info.role == "click" or tracker.kind in ("redirector", "shortener", "link-protection"):
        for key, value in parse_qsl(query):
            if key.lower() in _GENERIC_REDIRECT_PARAMS:
                found = as_destination(value)
                if found:
                    return found
    return None
