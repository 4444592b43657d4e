"""Engine evaluation, summaries and the verdict policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailward.config import Config, ConfigError
from mailward.result import Verdict
from mailward.rules.engine import RuleSet, compile_rule, default_ruleset, render_summary
from mailward.rules.policy import Policy
from mailward.rules.rulefile import RuleSpec
from mailward.rules.schema import empty_facts


def spec(name: str, condition: str, *, score: float = 1.0, verdict: str = "suspicious", **kw) -> RuleSpec:
    return RuleSpec(id=name, name=name, description="d", severity="low", score=score, condition=condition,
                    summary=kw.pop("summary", "s"), verdict=verdict, evidence=kw.pop("evidence", {}),
                    path=Path(f"/x/{name.split('_')[0].lower()}_x.yaml"))


def ruleset(*specs: RuleSpec) -> RuleSet:
    return RuleSet(rules=tuple(compile_rule(s) for s in specs))


def facts(**sections) -> dict:
    out = empty_facts()
    for key, value in sections.items():
        if isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def test_default_ruleset_compiled_once() -> None:
    assert default_ruleset() is default_ruleset()
    assert len(default_ruleset()) >= 40


def test_evaluate_and_evidence() -> None:
    rs = ruleset(spec("LINK_IP", "link_summary.ip_hosts > 0",
                      evidence={"hosts": "links.filter(l, l.ip_host).map(l, l.host)"},
                      summary="Links to {hosts}."))
    f = facts(link_summary={"ip_hosts": 1}, links=[{"ip_host": True, "host": "203.0.113.7"}])
    hits = rs.evaluate(f)
    assert [h.rule.name for h in hits] == ["LINK_IP"]
    assert hits[0].summary == "Links to 203.0.113.7."
    assert rs.evaluate(facts()) == []


def test_rule_errors_do_not_raise() -> None:
    rs = ruleset(spec("LINK_BAD", "links[3].host == 'x'"), spec("LINK_OK", "true"))
    hits = rs.evaluate(facts())
    assert [h.rule.name for h in hits] == ["LINK_OK"]
    assert rs.errors == []  # load problems only
    [entry] = rs.error_counts()
    assert (entry.rule, entry.count) == ("LINK_BAD", 1)


def test_rule_errors_are_counted_per_rule_bounded_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    from mailward.rules.engine import MAX_ERROR_TEXT, rule_errors

    rs = ruleset(spec("LINK_BAD", "links[3].host == 'x'"), spec("LINK_OK", "true"))
    with caplog.at_level("WARNING", logger="mailward.rules.engine"):
        for _ in range(1000):
            rs.evaluate(facts())
    [entry] = rule_errors(rs)
    assert entry.rule == "LINK_BAD" and entry.count == 1000
    assert 0 < len(entry.last) <= MAX_ERROR_TEXT
    assert len(rs.evaluation_errors) == 1  # one entry per rule, however many messages
    logged = [r for r in caplog.records if "LINK_BAD" in r.getMessage()]
    assert 1 <= len(logged) <= 11  # the 1st, 2nd, 4th, ... 512th failure


def test_re2_functions() -> None:
    rs = ruleset(
        spec("CONTENT_RX", 'rx("(?i)pass(word)?", content.text)', evidence={"m": 'rx_find("(?i)pass\\\\w+", content.text)'},
             summary="{m}"),
        spec("CONTENT_ANY", 'any_rx("^verify", content.credential_phrases)'),
    )
    f = facts(content={"text": "Your PASSWORD expires", "credential_phrases": ["verify your account"]})
    hits = {h.rule.name: h for h in rs.evaluate(f)}
    assert set(hits) == {"CONTENT_RX", "CONTENT_ANY"}
    assert hits["CONTENT_RX"].summary == "PASSWORD"


def test_render_summary() -> None:
    assert render_summary("a {x} b {y} {z}", {"x": ["p", "q", "p"], "y": "", "z": True}) == "a p, q b - yes"
    assert render_summary("{x.__class__}", {"x": 1}) == "{x.__class__}"


def _hits(rs: RuleSet, f: dict):
    return rs.evaluate(f)


TRACK = spec("BEACON_T", "true", score=1.5, verdict="tracking")
TRACK2 = spec("BEACON_T2", "true", score=1.5, verdict="tracking")
SUSP = spec("AUTH_S", "true", score=4.0, verdict="suspicious")
RECON = spec("RECON_R", "true", score=5.0, verdict="recon")
IMP = spec("IMPERSONATION_I", "true", score=3.0, verdict="suspicious")
MAL = spec("ATTACHMENT_M", "true", score=8.0, verdict="malicious")
MACRO = spec("ATTACHMENT_W", "true", score=5.0, verdict="malicious")


def decide(policy: Policy, *specs: RuleSpec, f: dict | None = None) -> Verdict:
    rs = ruleset(*specs)
    verdict, _, _ = policy.decide(rs.evaluate(f or facts()), f or facts())
    return verdict


def test_verdicts() -> None:
    p = Policy()
    assert decide(p) is Verdict.CLEAN
    assert decide(p, TRACK) is Verdict.TRACKING
    assert decide(p, TRACK, TRACK2) is Verdict.TRACKING  # beacons alone are capped below suspicious
    assert decide(p, SUSP) is Verdict.SUSPICIOUS
    assert decide(p, RECON) is Verdict.SUSPICIOUS  # 5 < recon threshold 7
    assert decide(p, RECON, IMP) is Verdict.RECON
    assert decide(p, MAL) is Verdict.MALICIOUS
    assert decide(p, MACRO) is Verdict.SUSPICIOUS
    assert decide(p, MACRO, IMP) is Verdict.MALICIOUS


def test_policy_from_config() -> None:
    config = Config(data={
        "policy": {"thresholds": {"recon": 5.0}, "family_weights": {"attachment": 0.5},
                   "allow": {"domains": ["trusted.example"]}},
        "rules": {"disable": ["AUTH_S"], "scores": {"BEACON_T": 0.0}},
    })
    p = Policy.from_config(config)
    assert decide(p, RECON) is Verdict.RECON
    assert decide(p, SUSP) is Verdict.CLEAN
    assert decide(p, MAL) is Verdict.SUSPICIOUS  # 8 * 0.5 = 4
    rs = ruleset(TRACK)
    _, score, findings = p.decide(rs.evaluate(facts()), facts())
    assert score == 0.0 and findings[0].score == 0.0


def test_allow_list_needs_alignment() -> None:
    p = Policy.from_config(Config(data={"policy": {"allow": {"senders": ["news@outlet.example"]}}}))
    aligned = facts(sender={"address": "news@outlet.example", "domain": "outlet.example"}, auth={"aligned": True})
    spoofed = facts(sender={"address": "news@outlet.example", "domain": "outlet.example"}, auth={"aligned": False})
    assert decide(p, RECON, IMP, TRACK, f=aligned) is Verdict.TRACKING
    assert decide(p, RECON, IMP, TRACK, f=spoofed) is Verdict.RECON
    assert decide(p, MAL, f=aligned) is Verdict.MALICIOUS


@pytest.mark.parametrize("data", [
    {"policy": {"thresholds": {"doom": 1}}},
    {"policy": {"thresholds": {"recon": "high"}}},
    {"rules": {"disable": "AUTH_S"}},
    {"policy": {"allow": {"require_auth": "yes"}}},
])
def test_bad_policy_config(data: dict) -> None:
    with pytest.raises(ConfigError):
        Policy.from_config(Config(data=data))


def test_enabled_false_rule_is_linted_but_not_run(tmp_path: Path) -> None:
    from mailward.rules.engine import load_ruleset

    text = (Path(__file__).resolve().parents[2] / "src/mailward/rules/builtin/link_ip_address.yaml").read_text()
    (tmp_path / "link_ip_address.yaml").write_text(text + "enabled: false\n")
    (tmp_path / "link_other.yaml").write_text(text.replace("MW-0043", "T-1").replace("LINK_IP_ADDRESS", "LINK_OTHER"))
    rs = load_ruleset([tmp_path], include_builtin=False)
    assert sorted(r.name for r in rs.rules) == ["LINK_IP_ADDRESS", "LINK_OTHER"]  # listed, both linted
    f = facts(link_summary={"ip_hosts": 1}, links=[{"ip_host": True, "host": "203.0.113.7"}])
    assert [h.rule.name for h in rs.evaluate(f)] == ["LINK_OTHER"]  # the disabled one does not run
