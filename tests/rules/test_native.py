"""The Python translation of rule expressions gives CEL's value, or lets CEL decide."""

from __future__ import annotations

from typing import Any

import pytest

from mailward.parse import parse_message
from mailward.rules.celcore import cel
from mailward.rules.engine import FUNCTIONS, builtin_rules_dir, default_ruleset, load_ruleset
from mailward.rules.native import compile_native, plain
from mailward.rules.samples import iter_cases, sample_analyser

_CEL_ERROR = "error"


def _cel(expr: str, variables: dict[str, Any]) -> Any:
    try:
        return cel.compile(expr).execute(cel.Context(variables=variables, functions=FUNCTIONS))
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, ArithmeticError):
        return _CEL_ERROR


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types (map order aside: CEL hands maps back in hash order)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return repr(a) == repr(b)


def _native(expr: str, variables: dict[str, Any]) -> tuple[bool, Any]:
    """(decided, value): decided is False where the translation hands over to CEL."""
    program = compile_native(expr, FUNCTIONS)
    assert program is not None, f"{expr!r} is not translated"
    try:
        return True, plain(program(variables))
    except Exception:  # any error hands over to CEL
        return False, None


VARIABLES: dict[str, Any] = {
    "s": "Héllo wörld",
    "n": 7,
    "big": 2**62,
    "f": 2.5,
    "nan": float("nan"),
    "t": True,
    "empty": [],
    "names": ("alpha", "beta", "gamma"),
    "nums": [3, 1, 2],
    "floats": [float("nan"), 1.0],
    "mixed": ["a", 1],
    "rec": {"host": "example.org", "tags": ["x", "y"], "count": 2, "score": 1.5, "none": None},
    "links": [{"host": "a.example", "n": 1}, {"host": "b.example", "n": 2}],
}

# Each expression: the translation must give CEL's value, or hand over to CEL.
EXPRESSIONS = [
    "s.startsWith('Hé') && s.endsWith('rld') && s.contains('o w')",
    "size(s) == 11 && s.size() == 11 && size(names) == 3 && size(rec) == 5",
    "n + 1 == 8 && n - 10 == -3 && n * 3 == 21 && n / 2 == 3 && -n / 2 == -3 && n % 3 == 1 && -n % 3 == -1",
    "big * 4 > 0",  # int64 overflow: an error in CEL
    "f * 2.0 == 5.0 && f / 2.0 == 1.25 && -f < 0.0",
    "n == 7.0",  # int against double
    "nan <= 1.0 || nan >= 1.0 || nan == nan || nan < 1.0 || nan > 1.0",
    "nan != nan",
    "nan in [nan] || nan in floats",
    "n / 0 == 1",
    "'a' + 'b' == 'ab' && [1] + [2] == [1, 2]",
    "'a' + 1 == 'a1'",
    "t && 'x'",
    "'x' || t",
    "false && 'x'",
    "!t || !false",
    "n > 3 ? 'big' : 'small'",
    "n ? 1 : 2",
    "names.exists(x, x == 'beta') && names.all(x, size(x) > 3) && names.exists_one(x, x.startsWith('g'))",
    "names.filter(x, x != 'beta')",
    "names.map(x, x + '!')",
    "names.map(x, x != 'alpha', size(x))",
    "nums.map(x, x * 2).filter(y, y > 2)",
    "links.filter(l, l.n > 1).map(l, l.host)",
    "links.exists(l, l.missing == 1)",
    "links.exists(l, l.n == 2 || l.missing == 1)",
    "links.all(l, l.n == 1 || l.missing == 1)",
    "links.map(l, l)",
    "rec.tags",
    "rec",
    "has(rec.host) && !has(rec.nothing)",
    "rec.none == null",
    "rec.host == null",
    "rec.score > 1",
    "rec['host'] == 'example.org' && names[1] == 'beta'",
    "names[3] == 'x'",
    "names[-1] == 'gamma'",
    "'beta' in names && !('delta' in names) && 2 in nums && 'host' in rec",
    "'a' in mixed",
    "1 in mixed",
    "s in ['x', 'Héllo wörld']",
    "n in ['x', 'y']",
    "rx('(?i)WÖRLD', s) && rx_find('[a-z]+', s) == 'llo' && any_rx('^g', names)",
    "rx('(', s)",
    "rx('x', n)",
    "'\\x41\\u00e9\\101\\n' == 'Aé' + 'A' + '\\n'",
    "r'\\d+' == '\\\\d+' && '''tri'ple''' == \"tri'ple\" && \"\"\"a\nb\"\"\" == 'a\\nb'",
    "nothing == 1",
    "nothing == 1 || true",
    "[s, 'x'].exists(v, v == 'x')",
    "0x10 == 16 && 1e2 == 100.0 && .5 == 0.5",
    "links[0].host == 'a.example'  // a comment",
    "(((n)))  ==  7",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_translation_gives_cel_value_or_hands_over(expr: str) -> None:
    expected = _cel(expr, VARIABLES)
    decided, value = _native(expr, VARIABLES)
    if decided:
        assert expected is not _CEL_ERROR, f"CEL fails on {expr!r} but the translation gave {value!r}"
        assert _same(value, expected), f"{expr!r}: {value!r} != CEL's {expected!r}"


@pytest.mark.parametrize(
    "expr",
    [
        "'a' + 'b' == 'ab'",
        "names.exists(x, x == 'beta')",
        "links.filter(l, l.n > 1).map(l, l.host)",
        "has(rec.host) && size(names) == 3",
        "rx('^H', s)",
    ],
)
def test_common_expressions_are_decided_without_cel(expr: str) -> None:
    decided, value = _native(expr, VARIABLES)
    assert decided
    assert _same(value, _cel(expr, VARIABLES))


@pytest.mark.parametrize(
    "expr",
    ["{'a': 1}.size() == 1", "b'abc' == b'abc'", "1u == 1u", "int('1') == 1", "s.matches('x')", ".x", "'\\c'"],
)
def test_outside_the_subset_is_left_to_cel(expr: str) -> None:
    assert compile_native(expr, FUNCTIONS) is None


def test_most_builtin_rules_are_translated() -> None:
    rules = default_ruleset().rules
    translated = [rule for rule in rules if rule.native is not None]
    assert len(translated) >= 0.9 * len(rules)


def test_builtin_rules_agree_with_cel_on_every_sample() -> None:
    """Every built-in rule's condition and evidence, on the facts of every sample."""
    ruleset = default_ruleset()
    analyser = sample_analyser(builtin_rules_dir(), ruleset)
    compared = 0
    for case in iter_cases(ruleset, builtin_rules_dir()):
        facts = analyser.facts(parse_message(case.path.read_bytes()))
        variables = ruleset._project(facts)
        context = cel.Context(variables=variables, functions=FUNCTIONS)
        for rule in ruleset.rules:
            pairs = [(rule.program, rule.native), *zip((p for _, p in rule.evidence), rule.evidence_native, strict=True)]
            for program, native in pairs:
                if native is None:
                    continue
                try:
                    value = plain(native(variables))
                except Exception:  # handed over to CEL
                    continue
                try:
                    expected = program.execute(context)
                except (KeyError, TypeError, ValueError, RuntimeError, IndexError, ArithmeticError) as exc:
                    pytest.fail(f"{rule.name} on {case.label}: CEL fails ({exc}) but the translation gave {value!r}")
                assert _same(value, expected), f"{rule.name} on {case.label}: {value!r} != {expected!r}"
                compared += 1
    assert compared > 1000


def test_evaluate_falls_back_to_cel_for_untranslated_rules(tmp_path) -> None:
    rule = tmp_path / "content_map_literal.yaml"
    rule.write_text(
        "id: MW-9001\nname: CONTENT_MAP_LITERAL\ndescription: a map literal, outside the translated subset\n"
        "severity: low\nscore: 1.0\nverdict: suspicious\nattack: [T1566]\n"
        "condition: '{\"k\": sender.domain}.k == sender.domain'\nsummary: map literal\n",
        encoding="utf-8",
    )
    ruleset = load_ruleset([tmp_path], include_builtin=False, strict=False)
    assert [r.name for r in ruleset.rules] == ["CONTENT_MAP_LITERAL"], ruleset.errors
    assert ruleset.rules[0].native is None
    facts = sample_analyser(builtin_rules_dir(), default_ruleset()).facts(
        parse_message(b"From: a@example.org\r\nTo: b@example.net\r\nSubject: x\r\n\r\nhello\r\n")
    )
    assert [hit.rule.name for hit in ruleset.evaluate(facts)] == ["CONTENT_MAP_LITERAL"]


def test_arithmetic_errors_count_as_rule_errors(tmp_path) -> None:
    rule = tmp_path / "content_divide.yaml"
    rule.write_text(
        "id: MW-9002\nname: CONTENT_DIVIDE\ndescription: divides by a count that is zero here\n"
        "severity: low\nscore: 1.0\nverdict: suspicious\nattack: [T1566]\n"
        "condition: 'size(sender.domain) / (sender.from_count - 2) > 0'\nsummary: divide\n",
        encoding="utf-8",
    )
    ruleset = load_ruleset([tmp_path], include_builtin=False, strict=False)
    assert [r.name for r in ruleset.rules] == ["CONTENT_DIVIDE"], ruleset.errors
    facts = sample_analyser(builtin_rules_dir(), default_ruleset()).facts(
        parse_message(b"From: a@example.org, c@example.org\r\nTo: b@example.net\r\nSubject: x\r\n\r\nhello\r\n")
    )
    assert facts["sender"]["from_count"] == 2
    assert ruleset.evaluate(facts) == []  # not raised out of the scan
    [errors] = ruleset.error_counts()
    assert errors.rule == "CONTENT_DIVIDE" and "ZeroDivisionError" in errors.last


def test_lint_reports_a_condition_that_divides_by_zero(tmp_path) -> None:
    rule = tmp_path / "content_divide_zero.yaml"
    rule.write_text(
        "id: MW-9003\nname: CONTENT_DIVIDE_ZERO\ndescription: divides by zero on the example facts\n"
        "severity: low\nscore: 1.0\nverdict: suspicious\nattack: [T1566]\n"
        "condition: 'size(sender.domain) / (sender.from_count - sender.from_count) > 0'\nsummary: divide\n",
        encoding="utf-8",
    )
    ruleset = load_ruleset([tmp_path], include_builtin=False, strict=False)  # no traceback
    assert ruleset.rules == ()
    assert any("ZeroDivisionError" in problem for problem in ruleset.errors)
