"""MITRE ATT&CK technique names and references, for the exporters.

Names are the technique titles published at https://attack.mitre.org (Enterprise
matrix), for the techniques mailward's rules report. An id missing here is still
exported, named by its id.
"""

from __future__ import annotations

import re

# id -> technique name (source: attack.mitre.org/techniques/<id>/)
TECHNIQUES: dict[str, str] = {
    "T1598": "Phishing for Information",
    "T1598.002": "Spearphishing Attachment",
    "T1598.003": "Spearphishing Link",
    "T1598.004": "Spearphishing Voice",
    "T1566": "Phishing",
    "T1566.001": "Spearphishing Attachment",
    "T1566.002": "Spearphishing Link",
    "T1566.003": "Spearphishing via Service",
    "T1566.004": "Spearphishing Voice",
    "T1656": "Impersonation",
    "T1589": "Gather Victim Identity Information",
    "T1589.001": "Credentials",
    "T1589.002": "Email Addresses",
    "T1589.003": "Employee Names",
    "T1590": "Gather Victim Network Information",
    "T1590.005": "IP Addresses",
    "T1592": "Gather Victim Host Information",
    "T1592.002": "Software",
    "T1592.004": "Client Configurations",
    "T1583": "Acquire Infrastructure",
    "T1583.001": "Domains",
    "T1584": "Compromise Infrastructure",
    "T1584.004": "Server",
    "T1585": "Establish Accounts",
    "T1585.002": "Email Accounts",
    "T1586.002": "Email Accounts",
    "T1204.001": "Malicious Link",
    "T1204.002": "Malicious File",
    "T1036": "Masquerading",
    "T1036.007": "Double File Extension",
    "T1036.008": "Masquerade File Type",
    "T1027": "Obfuscated Files or Information",
    "T1059": "Command and Scripting Interpreter",
    "T1204": "User Execution",
    "T1553": "Subvert Trust Controls",
    "T1553.005": "Mark-of-the-Web Bypass",
    "T1534": "Internal Spearphishing",
    "T1608.005": "Link Target",
    "T1586": "Compromise Accounts",
    "T1027.006": "HTML Smuggling",
    "T1027.009": "Embedded Payloads",
    "T1027.017": "SVG Smuggling",
    "T1059.007": "JavaScript",
    "T1137": "Office Application Startup",
    "T1559": "Inter-Process Communication",
    "T1559.002": "Dynamic Data Exchange",
    "T1221": "Template Injection",
    "T1583.006": "Web Services",
    "T1056": "Input Capture",
    "T1056.003": "Web Portal Capture",
    "T1187": "Forced Authentication",
}

_ID_RE = re.compile(r"T\d{4}(?:\.\d{3})?")


def valid_id(technique: str) -> bool:
    return bool(_ID_RE.fullmatch(technique))


def name(technique: str) -> str:
    return TECHNIQUES.get(technique, technique)


def full_name(technique: str) -> str:
    """``T1598.003`` -> ``Phishing for Information: Spearphishing Link`` (the parent's name first)."""
    own = TECHNIQUES.get(technique)
    if own is None:
        return technique
    parent, dot, _sub = technique.partition(".")
    if dot and parent in TECHNIQUES:
        return f"{TECHNIQUES[parent]}: {own}"
    return own


def url(technique: str) -> str:
    """``T1598.003`` -> ``https://attack.mitre.org/techniques/T1598/003/``."""
    return "https://attack.mitre.org/techniques/" + technique.replace(".", "/") + "/"


def misp_galaxy_tag(technique: str) -> str:
    """The MISP galaxy tag: ``misp-galaxy:mitre-attack-pattern="Spearphishing Link - T1598.003"``."""
    return f'misp-galaxy:mitre-attack-pattern="{name(technique)} - {technique}"'
