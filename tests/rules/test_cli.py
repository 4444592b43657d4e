"""``mailward rules lint|test|list`` and ``mailward explain``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from mailward.cli import cli
from mailward.rules.engine import builtin_rules_dir
from mailward.scan import Scanner

SAMPLES = builtin_rules_dir() / "samples"
RECON_HIT = SAMPLES / "RECON_BEACON_IMPERSONATED_OUTLET" / "hit" / "01.eml"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def operator_rules(tmp: Path) -> Path:
    """An operator's rules dir: one built-in rule copied with its samples."""
    shutil.copy(builtin_rules_dir() / "link_ip_address.yaml", tmp / "link_ip_address.yaml")
    shutil.copytree(SAMPLES / "LINK_IP_ADDRESS", tmp / "samples" / "LINK_IP_ADDRESS")
    return tmp


def test_rules_lint_builtin_ok() -> None:
    result = run("rules", "lint")
    assert result.exit_code == 0, result.output
    assert "rules OK" in result.output


def test_rules_lint_rejects(tmp_path: Path) -> None:
    rules = operator_rules(tmp_path)
    text = (rules / "link_ip_address.yaml").read_text().replace("link_summary.ip_hosts > 0", "link_summary.ip_hots > 0")
    (rules / "link_ip_address.yaml").write_text(text)
    result = run("rules", "lint", str(rules))
    assert result.exit_code == 1
    assert "unknown fact 'link_summary.ip_hots'" in result.output


def test_rules_test_operator_dir(tmp_path: Path) -> None:
    rules = operator_rules(tmp_path)
    result = run("rules", "test", str(rules), "-v")
    assert result.exit_code == 0, result.output
    assert "2/2 samples OK" in result.output
    # a miss sample that fires must fail the run
    shutil.copy(rules / "samples" / "LINK_IP_ADDRESS" / "hit" / "01.eml", rules / "samples" / "LINK_IP_ADDRESS" / "miss" / "02.eml")
    result = run("rules", "test", str(rules))
    assert result.exit_code == 1
    assert "FAIL LINK_IP_ADDRESS/miss/02.eml: must not fire" in result.output


def test_rules_list() -> None:
    result = run("rules", "list", "--json")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) >= 40
    assert {"name", "id", "severity", "score", "verdict", "attack"} <= set(rows[0])


def test_rules_list_with_overrides(tmp_path: Path) -> None:
    config = tmp_path / "mailward.toml"
    config.write_text('[rules]\ndisable = ["LINK_SHORTENER"]\n[rules.scores]\nLINK_IP_ADDRESS = 9.5\n')
    rows = {r["name"]: r for r in map(json.loads, run("rules", "list", "--json", "--config", str(config)).output.splitlines())}
    assert rows["LINK_SHORTENER"]["disabled"] is True
    assert rows["LINK_IP_ADDRESS"]["score"] == 9.5


def test_explain_text() -> None:
    result = run("explain", str(RECON_HIT))
    assert result.exit_code == 0, result.output
    assert "verdict: recon" in result.output
    assert "RECON_BEACON_IMPERSONATED_OUTLET [MW-0028]" in result.output
    assert "ATT&CK: T1598.003" in result.output
    assert "fact identity.claim_mismatch = true" in result.output


def test_explain_json_matches_scan() -> None:
    result = run("explain", "--json", str(RECON_HIT))
    data = json.loads(result.output)
    scanned = Scanner().scan_bytes(RECON_HIT.read_bytes(), source=str(RECON_HIT)).to_json()
    assert data["verdict"] == scanned["verdict"] == "recon"
    assert data["findings"] == scanned["findings"]
    assert data["facts"]["identity"]["claim"]["name"] == "Reuters"
    finding = scanned["findings"][0]
    assert finding["evidence"] and finding["attack"] and finding["id"]


def test_explain_unreadable(tmp_path: Path) -> None:
    result = run("explain", str(tmp_path / "nope.eml"))
    assert result.exit_code != 0
    assert "cannot read" in result.output


def test_scanner_uses_config_policy(tmp_path: Path) -> None:
    from mailward.config import load_config

    config = tmp_path / "mailward.toml"
    config.write_text('[rules]\ndisable = ["RECON_BEACON_IMPERSONATED_OUTLET"]\n')
    result = Scanner(load_config(config)).scan_bytes(RECON_HIT.read_bytes())
    assert "RECON_BEACON_IMPERSONATED_OUTLET" not in {f.rule for f in result.findings}
    assert result.verdict.value != "recon"


def test_scanner_never_raises_on_garbage() -> None:
    result = Scanner().scan_bytes(b"\x00\xff" * 50)
    assert result.verdict.value in {"clean", "unscannable", "suspicious"}


def test_rules_list_check_counts_evaluation_errors() -> None:
    result = run("rules", "list", "--json", "--check", str(SAMPLES / "LINK_IP_ADDRESS"))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    # every built-in rule evaluates on its own samples without an error
    assert [(r["name"], r["last_error"]) for r in rows if r["errors"]] == []
    assert all("errors" in r for r in rows)


def test_rules_list_check_says_which_inputs_it_could_not_read(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "LINK_IP_ADDRESS", tmp_path / "check")
    (tmp_path / "check" / "elsewhere.eml").symlink_to(next((tmp_path / "check" / "hit").iterdir()))
    result = run("rules", "list", "--json", "--check", str(tmp_path / "check"))
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'check' / 'elsewhere.eml'}: a symbolic link, not followed" in result.stderr
    assert all(json.loads(line)["errors"] == 0 for line in result.stdout.splitlines())
