"""Sender authentication: trusted Authentication-Results, DMARC alignment, and optional
live DKIM / SPF / DMARC checks through a ``Resolver``.

Authentication-Results headers can be written by anyone on the path, including the
sender. Only results from the configured authserv-ids are trusted; with none
configured, only the topmost Authentication-Results header (the one the receiving
MTA added last) is trusted. Alignment is DMARC's relaxed alignment: the
registrable domains must match.

Live checks ask DNS only for the names the protocols need (DKIM selector keys,
SPF and DMARC records of the sending domains), never for anything a message
points to.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from mailward.domains import domain_of, site, to_ascii, to_unicode
from mailward.errors import MailwardError
from mailward.identity.report import AuthSummary
from mailward.model import AuthResult, Message


class ResolverError(MailwardError):
    """A DNS query failed temporarily (time-out, SERVFAIL): the result is 'temperror'."""


class Resolver(Protocol):
    """The one I/O interface of live authentication checks."""

    def query(self, name: str, rdtype: str) -> tuple[str, ...]:
        """Records of ``rdtype`` ("TXT", "A", "AAAA", "MX") for ``name``; () when none
        exist. TXT strings are joined; MX records are the exchange host names.
        Raises ``ResolverError`` on time-outs and server failures."""
        ...


@dataclass
class InMemoryResolver:
    """A resolver answering from records given to it. For tests and offline use."""

    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)  # names that time out
    queries: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, rdtype: str, value: str) -> None:
        self.records.setdefault((name.lower().rstrip("."), rdtype.upper()), []).append(value)

    def query(self, name: str, rdtype: str) -> tuple[str, ...]:
        key = (name.lower().rstrip("."), rdtype.upper())
        self.queries.append(key)
        if key[0] in self.failing:
            raise ResolverError(f"time-out resolving {name} {rdtype}")
        return tuple(self.records.get(key, ()))


class DnsResolver:
    """dnspython with a per-query time-out and a small TTL cache."""

    def __init__(self, timeout: float = 3.0, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        import dns.resolver

        self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout
        self._resolver.timeout = timeout
        self._cache: dict[tuple[str, str], tuple[float, tuple[str, ...]]] = {}
        self._max = max_entries
        self._clock = clock

    def query(self, name: str, rdtype: str) -> tuple[str, ...]:
        import dns.exception
        import dns.resolver

        key = (name.lower().rstrip("."), rdtype.upper())
        now = self._clock()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            answer = self._resolver.resolve(key[0], key[1], raise_on_no_answer=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            result: tuple[str, ...] = ()
            ttl = 300.0
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.exception.DNSException) as exc:
            raise ResolverError(f"{name} {rdtype}: {exc.__class__.__name__}") from None
        else:
            values = []
            for rdata in answer:
                if key[1] == "TXT":
                    values.append(b"".join(rdata.strings).decode("utf-8", "replace"))
                elif key[1] == "MX":
                    values.append(str(rdata.exchange).rstrip("."))
                else:
                    values.append(rdata.to_text())
            result = tuple(values)
            ttl = float(answer.rrset.ttl) if answer.rrset is not None else 300.0
        if len(self._cache) >= self._max:
            self._cache.clear()
        self._cache[key] = (now + max(ttl, 60.0), result)
        return result


# -- Authentication-Results ---------------------------------------------------------


def trusted_results(message: Message, trusted_ids: Iterable[str] = ()) -> tuple[tuple[AuthResult, ...], int]:
    """Results from trusted Authentication-Results headers, and how many headers were
    left out as untrusted."""
    ids = {i.lower() for i in trusted_ids}
    headers = [r for r in message.auth_results if r.header.lower() == "authentication-results"]
    if not headers:
        return (), 0
    if ids:
        kept = tuple(r for r in headers if r.authserv_id.lower() in ids)
    else:
        top = min(r.index for r in headers)
        kept = tuple(r for r in headers if r.index == top)
    untrusted = len({r.index for r in headers} - {r.index for r in kept})
    return kept, untrusted


def aligned(domain: str, from_domain: str) -> bool:
    """DMARC relaxed alignment: same registrable domain."""
    return bool(domain and from_domain) and site(domain) == site(from_domain)


def _prop(props: Mapping[str, str], *names: str) -> str:
    lowered = {k.lower(): v for k, v in props.items()}
    for name in names:
        value = lowered.get(name)
        if value:
            return value.strip().strip('"')
    return ""


def summarise_results(results: Iterable[AuthResult], from_domain: str, untrusted: int = 0) -> AuthSummary:
    results = tuple(results)
    if not results:
        return AuthSummary(untrusted_results=untrusted)
    spf, spf_domain = "none", ""
    dkim_results: list[str] = []
    dkim_domains: list[str] = []
    dmarc, policy = "none", ""
    ids: list[str] = []
    for r in results:
        if r.authserv_id and r.authserv_id not in ids:
            ids.append(r.authserv_id)
        method, result = r.method.lower(), r.result.lower()
        if method == "spf" and spf == "none":
            spf = result
            mailfrom = _prop(r.properties, "smtp.mailfrom")
            spf_domain = to_unicode(domain_of(mailfrom) if "@" in mailfrom else mailfrom) or to_unicode(_prop(r.properties, "smtp.helo"))
        elif method == "dkim":
            dkim_results.append(result)
            d = _prop(r.properties, "header.d") or domain_of(_prop(r.properties, "header.i"))
            if result == "pass" and d and to_unicode(d) not in dkim_domains:
                dkim_domains.append(to_unicode(d))
        elif method == "dmarc" and dmarc == "none":
            dmarc = result
            policy = _prop(r.properties, "policy.dmarc", "policy.policy")
    dkim = "pass" if dkim_domains else (dkim_results[0] if dkim_results else "none")
    return _with_alignment(
        AuthSummary(
            source="headers",
            authserv_ids=tuple(ids),
            spf=spf,
            spf_domain=spf_domain,
            dkim=dkim,
            dkim_domains=tuple(dkim_domains),
            dmarc=dmarc,
            dmarc_policy=policy.lower(),
            untrusted_results=untrusted,
        ),
        from_domain,
    )


def _with_alignment(summary: AuthSummary, from_domain: str) -> AuthSummary:
    spf_ok = summary.spf == "pass" and aligned(summary.spf_domain, from_domain)
    dkim_ok = any(aligned(d, from_domain) for d in summary.dkim_domains)
    authenticated = summary.spf == "pass" or bool(summary.dkim_domains)
    from dataclasses import replace

    return replace(
        summary,
        spf_aligned=spf_ok,
        dkim_aligned=dkim_ok,
        aligned=spf_ok or dkim_ok,
        alignment="pass" if (spf_ok or dkim_ok) else ("fail" if authenticated else "none"),
    )


def analyse_auth(message: Message, trusted_ids: Iterable[str], from_domain: str) -> AuthSummary:
    results, untrusted = trusted_results(message, trusted_ids)
    return summarise_results(results, from_domain, untrusted)


# -- live checks --------------------------------------------------------------------


def live_auth(raw: bytes, message: Message, resolver: Resolver, from_domain: str) -> AuthSummary:
    """Verify DKIM signatures, SPF and DMARC through ``resolver``. Never raises."""
    dkim_domains, dkim = _live_dkim(raw, resolver)
    mail_from, client_ip, helo = _envelope_facts(message)
    spf_domain = domain_of(mail_from) if mail_from else helo
    spf = check_spf(client_ip, spf_domain, resolver) if (client_ip and spf_domain) else "none"
    summary = _with_alignment(
        AuthSummary(source="live", spf=spf, spf_domain=to_unicode(spf_domain), dkim=dkim, dkim_domains=tuple(dkim_domains)),
        from_domain,
    )
    from dataclasses import replace

    policy = _dmarc_policy(from_domain, resolver)
    if policy is None:
        return replace(summary, dmarc="temperror")
    if not policy:
        return replace(summary, dmarc="none")
    strict_dkim = policy.get("adkim", "r") == "s"
    strict_spf = policy.get("aspf", "r") == "s"
    dkim_ok = any((d == from_domain) if strict_dkim else aligned(d, from_domain) for d in summary.dkim_domains)
    spf_ok = summary.spf == "pass" and ((summary.spf_domain == from_domain) if strict_spf else aligned(summary.spf_domain, from_domain))
    own = to_unicode(from_domain) == site(from_domain)
    p = policy.get("p", "none") if own else policy.get("sp", policy.get("p", "none"))
    return replace(summary, dmarc="pass" if (dkim_ok or spf_ok) else "fail", dmarc_policy=p.lower())


def _envelope_facts(message: Message) -> tuple[str, str, str]:
    env = message.envelope
    mail_from = (env.mail_from if env else "").strip("<>")
    client_ip = env.client_ip if env else ""
    helo = env.client_helo if env else ""
    if not mail_from and message.return_path is not None:
        mail_from = message.return_path.addr
    if not client_ip and message.received:
        client_ip = message.received[0].from_ip
    return mail_from, client_ip, helo


def _live_dkim(raw: bytes, resolver: Resolver) -> tuple[list[str], str]:
    import dkim

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        try:
            answers = resolver.query(name.decode("ascii", "replace").rstrip("."), "TXT")
        except ResolverError:
            return None
        return answers[0].encode("utf-8") if answers else None

    try:
        verifier = dkim.DKIM(raw)
        count = sum(1 for line in verifier.headers if line[0].lower() == b"dkim-signature")
    except Exception:  # dkimpy raises many kinds on malformed input
        return [], "none"
    if not count:
        return [], "none"
    passed: list[str] = []
    for idx in range(count):
        try:
            ok = verifier.verify(idx=idx, dnsfunc=dnsfunc)
        except Exception:  # noqa: S112 - a broken signature is a failed one
            continue
        if ok and verifier.domain:
            domain = to_unicode(verifier.domain.decode("ascii", "replace"))
            if domain not in passed:
                passed.append(domain)
    return passed, ("pass" if passed else "fail")


def _dmarc_policy(from_domain: str, resolver: Resolver) -> dict[str, str] | None:
    """Tags of the DMARC record for ``from_domain`` (falling back to its organisational
    domain); {} when there is none; None on a DNS failure."""
    if not from_domain:
        return {}
    names = [from_domain]
    org = site(from_domain)
    if org != from_domain:
        names.append(org)
    for name in names:
        try:
            records = [r for r in resolver.query("_dmarc." + to_ascii(name), "TXT") if r.lower().startswith("v=dmarc1")]
        except ResolverError:
            return None
        if records:
            tags: dict[str, str] = {}
            for part in records[0].split(";"):
                key, _, value = part.strip().partition("=")
                if key:
                    tags[key.strip().lower()] = value.strip()
            return tags
    return {}


# -- SPF (RFC 7208, without macros and ptr) ------------------------------------------


def check_spf(ip: str, domain: str, resolver: Resolver) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "none"
    budget = [10]
    try:
        return _spf_eval(address, to_ascii(domain), resolver, budget, 0)
    except ResolverError:
        return "temperror"
    except _PermError:
        return "permerror"


class _PermError(Exception):
    pass


_QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}


def _spf_eval(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, domain: str, resolver: Resolver, budget: list[int], depth: int) -> str:
    if depth > 10:
        raise _PermError("include loop")
    records = [r for r in resolver.query(domain, "TXT") if r.lower().startswith("v=spf1")]
    if not records:
        return "none"
    if len(records) > 1:
        raise _PermError("several SPF records")
    redirect = ""
    for term in records[0].split()[1:]:
        if "%" in term:
            raise _PermError("macros are not supported")
        if term.lower().startswith("redirect="):
            redirect = term.split("=", 1)[1]
            continue
        if "=" in term:
            continue  # exp= and unknown modifiers
        qualifier = _QUALIFIERS.get(term[0], "")
        mech = term[1:] if qualifier else term
        qualifier = qualifier or "pass"
        name, _, arg = mech.partition(":")
        name, _, cidr = name.partition("/")
        if not arg and "/" in mech and ":" not in mech:
            cidr = mech.split("/", 1)[1]
        name = name.lower()
        if name == "all":
            return qualifier
        if name in ("ip4", "ip6"):
            try:
                if ip in ipaddress.ip_network(arg, strict=False):
                    return qualifier
            except ValueError:
                raise _PermError(f"bad {name}") from None
            continue
        if name in ("a", "mx", "include", "exists", "ptr"):
            budget[0] -= 1
            if budget[0] < 0:
                raise _PermError("too many DNS look-ups")
        if name in ("a", "mx") and "/" in arg:
            arg, _, cidr = arg.partition("/")
        target = arg or domain
        if name == "include":
            result = _spf_eval(ip, target, resolver, budget, depth + 1)
            if result == "pass":
                return qualifier
            if result in ("temperror", "permerror", "none"):
                raise _PermError("include without a usable record") if result != "temperror" else ResolverError(target)
            continue
        if name in ("a", "mx"):
            hosts = [target] if name == "a" else list(resolver.query(target, "MX"))[:10]
            prefix = cidr.split("/")[0] if cidr else ""
            for host in hosts:
                for rdtype in ("A", "AAAA"):
                    for value in resolver.query(host, rdtype):
                        try:
                            net = ipaddress.ip_network(f"{value}/{prefix}" if prefix and rdtype == "A" else value, strict=False)
                        except ValueError:
                            continue
                        if ip.version == net.version and ip in net:
                            return qualifier
            continue
        if name == "exists":
            if resolver.query(target, "A"):
                return qualifier
            continue
        # ptr and unknown mechanisms never match here
    if redirect:
        budget[0] -= 1
        result = _spf_eval(ip, redirect, resolver, budget, depth + 1)
        if result == "none":
            raise _PermError("redirect to a domain without SPF")
        return result
    return "neutral"
