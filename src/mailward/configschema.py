"""The configuration file's shape: one pydantic model per TOML section.

``Config`` validates its data against ``SECTIONS`` once, when it is built: an
unknown section or key, or a value of the wrong type, is a ``ConfigError`` that
names the file and the key. The validated values (``organisation.domains`` may be one bare
string; domains lower case without dots at the ends)
are what every subsystem then reads through ``Config.section``; keys the file
does not set stay absent, so each subsystem keeps its documented default.

A new section is one model class here and one entry in ``SECTIONS``.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, field_validator

from .parse import Limits

StringList = list[str]


def _domain_list(value: Any) -> Any:
    """A bare string is a list of one (``domains = "parliament.example"``); each
    domain lower case without dots at the ends."""
    value = [value] if isinstance(value, str) else value
    if isinstance(value, list):
        return [v.strip().strip(".").lower() if isinstance(v, str) else v for v in value]
    return value


DomainList = Annotated[list[str], BeforeValidator(_domain_list)]


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


Number = Annotated[float, BeforeValidator(_number)]  # TOML writes 3 and 3.0; both are numbers
NonNegative = Annotated[float, Field(ge=0)]


class Section(BaseModel):
    """A TOML table: unknown keys are errors, TOML types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MailwardSection(Section):
    data_dir: str | None = None


class PersonSection(Section):
    name: str = Field(default="", validate_default=True)
    addresses: StringList = []
    role: str = ""

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a protected person needs a name")
        return value


class OrganisationSection(Section):
    name: str = ""
    aliases: StringList = []
    service_names: StringList = []  # the organisation's own IT services, as claims (docs/phishing.md)
    domains: DomainList = []
    people: list[PersonSection] = []


class AuthSection(Section):
    trusted_authserv_ids: StringList = []
    live: bool = False
    dns_timeout: Annotated[Number, Field(gt=0)] = 3.0


class ThresholdsSection(Section):
    suspicious: Number = 4.0
    recon: Number = 7.0
    phishing: Number = 7.0
    malicious: Number = 8.0


class AllowSection(Section):
    senders: StringList = []
    domains: StringList = []
    require_auth: bool = True


class PolicySection(Section):
    tracking_cap: Number = 1.5
    thresholds: ThresholdsSection = ThresholdsSection()
    family_weights: dict[str, Number] = {}
    allow: AllowSection = AllowSection()


class RulesSection(Section):
    dirs: StringList = []
    disable: StringList = []
    scores: dict[str, Number] = {}


# [limits]: one non-negative integer per field of ``mailward.parse.Limits``, and the
# scan time budget in seconds (``time_budget``, read by the time-budget guard; 0: none)
LimitsSection: type[Section] = create_model(  # type: ignore[call-overload]
    "LimitsSection",
    __base__=Section,
    time_budget=(Annotated[Number, Field(ge=0)], 30.0),
    **{f.name: (Annotated[int, Field(ge=0)], f.default) for f in dataclasses.fields(Limits)},
)


class StoreSection(Section):
    url: str = ""
    keep_bodies: bool = False


class WebSection(Section):
    secure_cookies: bool = False
    preview_from_source: bool = True
    scan_workers: Annotated[int, Field(ge=0, le=64)] = 1  # processes that parse, scan and render previews
    login_account_failures: Annotated[int, Field(ge=0)] = 5  # free failures per account before backoff
    login_address_failures: Annotated[int, Field(ge=0)] = 20  # free failures per client address
    login_max_lock: Annotated[Number, Field(ge=0)] = 900.0  # longest backoff, seconds


class ShareSection(Section):
    tlp: str = "amber"
    misp_distribution: Annotated[int, Field(ge=0, le=5)] = 0


class IntelSection(Section):
    refresh_seconds: Annotated[Number, Field(gt=0)] = 300.0
    sketch_threshold: Annotated[Number, Field(gt=0, le=1)] = 0.8  # body-sketch similarity (retro-match)


class ReconSection(Section):
    correspondents: DomainList = []  # domains this site corresponds with (docs/recon.md)


class ModelSection(Section):
    path: str = ""  # a model file from `mailward learn`; relative to the config file


class PassThrough(BaseModel):
    """A section its subsystem validates itself (``[gateway]``:
    ``mailward.gateway.settings.load_settings`` rejects unknown keys and bad values)."""

    model_config = ConfigDict(extra="allow", frozen=True)


SECTIONS: dict[str, type[BaseModel]] = {
    "mailward": MailwardSection,
    "organisation": OrganisationSection,
    "auth": AuthSection,
    "policy": PolicySection,
    "rules": RulesSection,
    "limits": LimitsSection,
    "store": StoreSection,
    "web": WebSection,
    "share": ShareSection,
    "intel": IntelSection,
    "model": ModelSection,
    "recon": ReconSection,
    "gateway": PassThrough,
    # checked by their own loaders when read: mailward.alerts.channels, mailward.alerts.smtp,
    # mailward.notify.notices (each raises ConfigError naming the key)
    "alerts": PassThrough,
    "smtp": PassThrough,
    "notify": PassThrough,
}
