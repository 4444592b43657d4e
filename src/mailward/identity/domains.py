"""Domain helpers: registrable domain (offline public suffix list), IDN decoding."""

from __future__ import annotations

from collections.abc import Container
from functools import lru_cache

from publicsuffixlist import PublicSuffixList


@lru_cache(maxsize=1)
def public_suffix_list() -> PublicSuffixList:
    """The process's one full public suffix list (ICANN and private sections): parsing
    it costs a tenth of a second, so every module that needs it shares this one."""
    return PublicSuffixList()


def to_unicode(domain: str) -> str:
    """Lower-case Unicode form of ``domain``; punycode labels decoded where valid."""
    domain = domain.strip().strip(".").lower()
    if "xn--" not in domain:
        return domain
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    return ".".join(labels)


@lru_cache(maxsize=4096)
def registrable(domain: str) -> str:
    """The registrable domain ("eTLD+1"); the domain itself when it has no known suffix."""
    domain = to_unicode(domain)
    if not domain:
        return ""
    found = public_suffix_list().privatesuffix(domain)
    return found or domain


@lru_cache(maxsize=4096)
def public_suffix(domain: str) -> str:
    domain = to_unicode(domain)
    return public_suffix_list().publicsuffix(domain) or domain.rsplit(".", 1)[-1]


def split_registrable(domain: str) -> tuple[str, str]:
    """("reuters", "com") for "mail.reuters.com"; ("bbc", "co.uk") for "bbc.co.uk"."""
    reg = registrable(domain)
    suffix = public_suffix(reg)
    if reg == suffix or not reg.endswith("." + suffix):
        head, _, tail = reg.partition(".")
        return head, tail
    return reg[: -len(suffix) - 1], suffix


def domain_of(address: str) -> str:
    return to_unicode(address.rpartition("@")[2]) if "@" in address else ""


def within(domain: str, parents: Container[str]) -> str:
    """The entry of ``parents`` that is ``domain`` or one of its parent domains, or ""."""
    domain = to_unicode(domain)
    while domain:
        if domain in parents:
            return domain
        _, _, domain = domain.partition(".")
    return ""
