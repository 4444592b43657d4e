"""The order of analysis: message -> analysers -> facts -> rules -> verdict.

``ANALYSERS`` is the explicit list of analysers, run in that order. Each is a
function ``(message, context, found) -> output`` whose output lands in ``Found``
under its name; the facts builder (``mailward.facts.build.build_facts``) then
turns ``Found`` into the facts sections, and ``SECTION_OWNERS`` says which step
owns each section (one owner per section, checked by a test). The rules only
evaluate the facts (``mailward.rules.engine``); the policy turns rule hits into a
verdict (``mailward.rules.policy``).

``Analyser`` is built once per process (rules compiled, reference data loaded);
``Analyser.analyse(message)`` is a pure function of the message and that state.
``mailward.scan.Scanner`` wraps it with parsing, limits and error handling.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .beacons import find_beacons
from .config import Config, ConfigError
from .facts import message_cues
from .facts.build import IntelMatch, build_facts
from .identity import (
    IdentityReport,
    IdentitySettings,
    LookalikeMatch,
    Resolver,
    SenderHistory,
    analyse_identity,
    lookalike_of,
    prepare,
)
from .model import Message
from .result import Beacon, Finding, Verdict
from .rules.engine import RuleSet, default_ruleset, load_ruleset
from .rules.policy import Policy, summarise

if TYPE_CHECKING:  # numpy is imported only when a model is configured
    from .learn.model import ContentModel, ModelScore

__all__ = ["ANALYSERS", "ATTACHED", "OWN_VERDICT", "SECTION_OWNERS", "Analyser", "Analysis", "Context", "Found", "IntelLookup", "attached_view", "facts_at", "judge", "judge_tree"]


class IntelLookup(Protocol):
    """Indicator matches for one message (``mailward.share.matcher.intel_lookup``)."""

    def __call__(self, message: Message, /) -> Iterable[IntelMatch]: ...


@dataclass(frozen=True)
class Context:
    """What the analysers read besides the message: settings and the few I/O seams."""

    config: Config
    identity: IdentitySettings
    org_domains: tuple[str, ...]
    history: SenderHistory | None = None
    resolver: Resolver | None = None
    intel: IntelLookup | None = None
    lookalike: Callable[[str], LookalikeMatch | None] | None = None
    model: ContentModel | None = None


@dataclass
class Found:
    """The analysers' output for one message."""

    beacons: tuple[Beacon, ...] = ()
    identity: IdentityReport | None = None
    intel: tuple[IntelMatch, ...] = ()
    model: ModelScore | None = None


def _beacons(message: Message, context: Context, found: Found) -> None:
    found.beacons = tuple(find_beacons(message))


def _identity(message: Message, context: Context, found: Found) -> None:
    found.identity = analyse_identity(message, context.identity, context.history, context.resolver)


def _intel(message: Message, context: Context, found: Found) -> None:
    found.intel = tuple(context.intel(message)) if context.intel is not None else ()


AnalyserStep = Callable[[Message, Context, Found], None]

# The order of analysis. An analyser that fails leaves its output empty and adds a
# note to the result's reason instead of losing the whole message.
ANALYSERS: tuple[tuple[str, AnalyserStep], ...] = (
    ("beacons", _beacons),
    ("identity", _identity),
    ("intel", _intel),
)
# An attached message (message/rfc822) is analysed as a message of its own: at most this
# many in all per message, in order, and this deep (an attached message's attached
# message is depth 2; the beacons are collected as deep). A lure forwarded "as
# attachment" is read as the lure it is (``Analyser.analyse``).
MAX_ATTACHED_MESSAGES = 4
MAX_ATTACHED_DEPTH = 3
# The facts key that holds the attached messages' facts, ``[{"part", "facts"}]``: not a
# section the rules read; ``judge`` reads it, and a hunt stores it for ``mailward rescan``.
ATTACHED = "attached_messages"
# With attached messages, the verdict of the message on its own (the outer note): a
# colleague's forward "as attachment" is not the attacker's mail (``hunt.features``).
OWN_VERDICT = "own_verdict"

# The content model runs after them, on the facts they produced (``Analyser.score_model``):
# its features include the link, claim and lure shapes the facts hold.
MODEL_STEP = "model"

# Which step fills each facts section: an analyser above, or "message" (read from
# the parsed message by the facts builder) and "links" (the message's links, with
# the beacons' click trackers and the identity analyser's lookalike check).
SECTION_OWNERS: Mapping[str, str] = {
    "message": "message",
    "sender": "message",
    "auth": "identity",
    "identity": "identity",
    "history": "identity",
    "beacons": "beacons",
    "beacon_summary": "beacons",
    "links": "links",
    "link_summary": "links",
    "forms": "message",
    "attachments": "message",
    "mime": "message",
    "content": "message",
    "intel": "intel",
    "org": "message",
    "model": "model",
    "brand": "identity",
    "recon": "beacons",  # the beacons' shape read with the message's personal signs and history
}


def configured_model(config: Config) -> ContentModel | None:
    """The model named by ``[model] path`` (relative to the config file), or None."""
    path = config.section("model").get("path")
    if not path:
        return None
    from .learn.model import ContentModel, ModelError

    target = Path(path)
    if not target.is_absolute() and config.path is not None:
        target = config.path.parent / target
    try:
        return ContentModel.load(target)
    except ModelError as exc:
        raise ConfigError(f"{config.path or 'config'}: [model] path: {exc}") from None


def with_model(config: Config, path: str | None) -> Config:
    """``config`` with ``[model] path`` set to ``path`` (a command-line ``--model``), checked now
    so that a bad model file is a ``ConfigError`` before any message is read."""
    if path:
        config = config.with_section("model", path=str(Path(path).resolve()))
    configured_model(config)
    return config


def model_facts(score: ModelScore | None, model: ContentModel | None) -> dict[str, Any]:
    if score is None or model is None:
        return {"enabled": False, "score": 0, "threshold": 0, "top": []}
    return {
        "enabled": True,
        "score": round(score.probability * 1000),
        "threshold": round(model.threshold * 1000),
        "top": [f"{name} ({weight:+.2f})" for name, weight in score.top],
    }


@dataclass(frozen=True)
class Analysis:
    verdict: Verdict
    score: float
    findings: tuple[Finding, ...]
    beacons: tuple[Beacon, ...]
    facts: Mapping[str, Any]
    summary: str
    errors: tuple[str, ...] = field(default=())  # analysers that failed on this message


class Analyser:
    """Everything that turns a parsed message into findings and a verdict."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        history: SenderHistory | None = None,
        resolver: Resolver | None = None,
        intel: IntelLookup | None = None,
        ruleset: RuleSet | None = None,
        model: ContentModel | None = None,
    ) -> None:
        self.config = config or Config()
        self.explain_model = False  # name the model's top features for every message, not only when its rule fires
        self.policy = Policy.from_config(self.config)
        if ruleset is not None:
            self.ruleset = ruleset
        elif self.policy.rule_dirs:
            self.ruleset = load_ruleset(self.policy.rule_dirs)
        else:
            self.ruleset = default_ruleset()
        settings = IdentitySettings.from_config(self.config)
        prepare(settings)  # reference data loaded at start-up, not on the first message
        message_cues.shortener_domains()

        @functools.lru_cache(maxsize=8192)
        def lookalike(domain: str) -> LookalikeMatch | None:
            return lookalike_of(domain, settings)

        from .facts.recon_extra import ReconExtra

        self.recon = ReconExtra(self.config, settings, history)
        self.context = Context(
            config=self.config,
            identity=settings,
            org_domains=settings.domains,
            history=history,
            resolver=resolver,
            intel=intel,
            lookalike=lookalike,
            model=model if model is not None else configured_model(self.config),
        )
        self._attached_context = replace(self.context, resolver=None)  # attached messages: no live DNS

    @property
    def org_domains(self) -> tuple[str, ...]:
        return self.context.org_domains

    def run(self, message: Message, errors: list[str] | None = None, *, context: Context | None = None) -> Found:
        """Run ``ANALYSERS`` in order on ``message`` (with ``context``, else the analyser's)."""
        notes = errors if errors is not None else []
        found = Found()
        context = context or self.context
        for name, step in ANALYSERS:
            try:
                step(message, context, found)
            except Exception as exc:  # one analyser's bug must not lose the message
                notes.append(f"{name} analysis failed: {type(exc).__name__}: {exc}"[:300])
        return found

    def facts(self, message: Message, errors: list[str] | None = None, *, model: bool = True) -> dict[str, Any]:
        """The facts of ``message`` (see ``mailward.rules.schema.SCHEMA``); ``model=False``
        leaves the content model out (its section stays empty)."""
        return self.facts_from(message, self.run(message, errors), errors, model=model)

    def facts_from(self, message: Message, found: Found, errors: list[str] | None = None, *,
                   model: bool = True) -> dict[str, Any]:
        """The facts of ``message`` from the analysers' output, then the content model's
        score on them (``score_model``) unless ``model`` is false."""
        facts = build_facts(
            message,
            beacons=found.beacons,
            identity=found.identity,
            intel=found.intel,
            org_domains=self.context.org_domains,
            domain_lookalike=self.context.lookalike,
            protected=self.recon.protected,
            history=self.context.history,
            recon_extra=self.recon,
        )
        if model:
            self.score_model(message, facts, found, errors)
        return facts

    def score_model(self, message: Message, facts: dict[str, Any], found: Found,
                    errors: list[str] | None = None) -> None:
        """The content model's score on ``facts`` (their text and shapes) into ``found.model``
        and ``facts["model"]``; a failure leaves the section empty and adds a note."""
        if self.context.model is None:
            return
        try:
            model = self.context.model
            found.model = model.score(message, facts, top=5, top_from=0.0 if self.explain_model else model.threshold)
        except Exception as exc:  # the model must not lose the message
            found.model = None
            if errors is not None:
                errors.append(f"{MODEL_STEP} analysis failed: {type(exc).__name__}: {exc}"[:300])
        facts["model"] = model_facts(found.model, self.context.model)

    def analyse(self, message: Message) -> Analysis:
        """Findings and verdict of ``message``, and of the messages attached to it
        (``attached_facts``, ``judge``)."""
        errors: list[str] = []
        found = self.run(message, errors)
        facts = self.facts_from(message, found, errors)
        if any(a.message is not None for a in message.attachments):
            facts[ATTACHED] = self.attached_facts(message, errors, depth=0, budget=[MAX_ATTACHED_MESSAGES])
        own, (verdict, score, findings) = judge_tree(self.ruleset, self.policy, facts)
        if ATTACHED in facts:
            facts[OWN_VERDICT] = str(own)
        return Analysis(
            verdict=verdict,
            score=score,
            findings=findings,
            beacons=found.beacons,
            facts=facts,
            summary=summarise(verdict, findings),
            errors=tuple(errors),
        )

    def attached_facts(self, message: Message, errors: list[str], *, depth: int,
                       budget: list[int]) -> list[dict[str, Any]]:
        """The facts of the messages attached to ``message`` (message/rfc822), each as a
        message of its own, as ``{"part": ..., "facts": ...}``: at most ``budget[0]`` in the
        whole tree (``MAX_ATTACHED_MESSAGES``), at most ``MAX_ATTACHED_DEPTH`` deep.

        An attached message's transport headers are whatever its sender wrote: it is
        analysed without its Authentication-Results and Received headers, and without
        live DNS checks (``attached_view``)."""
        out: list[dict[str, Any]] = []
        if depth >= MAX_ATTACHED_DEPTH:
            return out
        for attachment in message.attachments:
            if attachment.message is None:
                continue
            if budget[0] <= 0:
                break
            budget[0] -= 1
            inner = attached_view(attachment.message)
            notes: list[str] = []
            facts = self.facts_from(inner, self.run(inner, notes, context=self._attached_context), notes)
            if any(a.message is not None for a in inner.attachments):
                facts[ATTACHED] = self.attached_facts(inner, notes, depth=depth + 1, budget=budget)
            errors.extend(f"in the attached message (part {attachment.part}): {note}" for note in notes)
            out.append({"part": attachment.part, "facts": facts})
        return out


def attached_view(message: Message) -> Message:
    """An attached message as it is analysed: its Authentication-Results and Received
    headers are its sender's words, not a receiving server's, so they are left out (an
    attacker writes ``dmarc=pass`` for the brand into the .eml they attach)."""
    return replace(message, auth_results=(), received=(), envelope=None)


def judge(ruleset: RuleSet, policy: Policy, facts: Mapping[str, Any],
          fill: Callable[[dict[str, Any]], Any] | None = None) -> tuple[Verdict, float, tuple[Finding, ...]]:
    """The rules and the policy on ``facts``, then on the facts of each attached message
    (``facts[ATTACHED]``): the verdict is raised to an attached message's worst (a lure
    sent as an attached .eml behind "please see the attached message" is the lure), and
    its findings join, named as found in the attachment, where this message's own do not
    already name the rule. Mail from a sender on the allow list keeps its own verdict
    unless an attached message is ``malicious``, as ``Policy.decide`` caps it. ``fill``
    completes stored facts of an older mailward (``mailward rescan``)."""
    return judge_tree(ruleset, policy, facts, fill)[1]


def judge_tree(ruleset: RuleSet, policy: Policy, facts: Mapping[str, Any],
               fill: Callable[[dict[str, Any]], Any] | None = None,
               ) -> tuple[Verdict, tuple[Verdict, float, tuple[Finding, ...]]]:
    """``judge``, with the verdict of ``facts`` on their own (without the attached
    messages) first."""
    hits = ruleset.evaluate(facts, skip=policy.disabled)
    decided = policy.decide(hits, facts)
    attached = facts.get(ATTACHED)
    if not attached or not isinstance(attached, list):
        return decided[0], decided
    verdict, score, findings = decided
    named = {f.rule for f in findings}
    added: list[Finding] = []
    for entry in attached:
        if not isinstance(entry, Mapping):
            continue  # stored facts are read back from the database: take nothing on trust
        inner_facts, part = entry.get("facts"), str(entry.get("part", ""))
        if not isinstance(inner_facts, dict):
            continue
        if fill is not None:
            fill(inner_facts)
        inner_verdict, inner_score, inner_findings = judge(ruleset, policy, inner_facts, fill)
        if inner_verdict.rank > verdict.rank:
            verdict = inner_verdict
        score = max(score, inner_score)
        for finding in inner_findings:
            if finding.rule in named:
                continue
            named.add(finding.rule)
            deeper = finding.evidence.get("attached_message")  # the part path through the attached messages
            added.append(replace(
                finding, summary=f"In the attached message (part {part}): {finding.summary}",
                evidence={**finding.evidence, "attached_message": f"{part}/{deeper}" if deeper else part}))
    if verdict is not Verdict.MALICIOUS and verdict.rank > decided[0].rank and policy.allowed(facts):
        verdict = decided[0]
    if added:
        findings = tuple(sorted((*findings, *added), key=lambda f: -f.score))
    return decided[0], (verdict, score, findings)


def facts_at(facts: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """The facts of the attached message at ``path`` (a finding's ``attached_message``,
    "2" or "2/2"), or ``facts`` itself for "" (or when nothing is attached there)."""
    for part in path.split("/") if path else ():
        entries = facts.get(ATTACHED) or ()
        found = next((e.get("facts") for e in entries if isinstance(e, Mapping) and e.get("part") == part), None)
        if not isinstance(found, Mapping):
            return facts
        facts = found
    return facts
