"""A smoke run of the benchmark harness and of ``mailward eval`` on a tiny corpus, no peers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailward.cli import cli

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from results import HAND_MARKER, kept_sections  # noqa: E402  (bench/ is not a package)

HAM = b"""From: Ana Lopez <ana@example.org>\r
To: bob@example.net\r
Subject: Minutes of Tuesday\r
Message-ID: <m1@example.org>\r
Date: Tue, 03 Mar 2026 10:00:00 +0000\r
\r
Here are the minutes.\r
"""

NEWSLETTER = b"""From: News <news@list.example.com>\r
To: bob@example.net\r
Subject: This week\r
Message-ID: <m2@list.example.com>\r
Date: Tue, 03 Mar 2026 10:00:00 +0000\r
MIME-Version: 1.0\r
Content-Type: text/html; charset=utf-8\r
\r
<html><body><p>Our news</p>\r
<img src="https://track.example.com/open.gif?u=bob%40example.net" width="1" height="1" style="display:none">\r
</body></html>\r
"""

BROKEN = (
    b"Subject: broken\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
    b"--zz\r\nContent-Type: text/html; charset=x-unknown\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"!!not base64\xff\xfe<img src=\r\n"
)


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "1.eml").write_bytes(HAM)
    (corpus / "2.eml").write_bytes(NEWSLETTER)
    (corpus / "3.eml").write_bytes(BROKEN)
    return corpus


def test_bench_run_smoke(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    out, results = tmp_path / "out", tmp_path / "RESULTS.md"
    # a results file with a section added by hand: the run rewrites the generated part only
    results.write_text("# old generated part\n\n" + HAND_MARKER + "\n\n## Measured by hand\n\nkeep me\n")
    argv = [
        sys.executable, "bench/run.py", "--no-peers", "--corpus-only", "--shared-corpus", "none",
        "--set", f"{corpus}:ham", "--scratch", str(tmp_path / "work"), "--out", str(out),
        "--results", str(results), "--no-others", "--profile-limit", "10", "--startup-runs", "0", "--eval-jobs", "1",
    ]
    res = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    report = json.loads((out / "bench.json").read_text())

    [entry] = report["throughput"]
    assert entry["messages"] == 3
    runs = {r["tool"]: r for r in entry["runs"]}
    assert set(runs) == {"mailward --jobs 1", "mailward --jobs 2"}  # no peers asked for
    for run in runs.values():
        assert "error" not in run, run
        assert run["messages"] == 3 and run["cpu_s"] > 0 and run["wall_s"] > 0
        assert run["peak_rss_largest_mib"] > 10

    profile = report["profile"]["corpus"]
    assert "error" not in profile, profile
    assert profile["messages"] == 3
    stages = {row["stage"]: row for row in profile["stages"]}
    assert stages["parse"]["ms_per_msg_estimated"] > 0
    assert "output" in stages

    [evalset] = report["eval"]["sets"]
    [mailward] = evalset["tools"]
    assert mailward["tool"] == "mailward" and mailward["messages"] == 3
    assert sum(mailward["categories"].values()) == 3
    assert mailward["trackers"] >= 1  # the newsletter's hidden pixel

    text = results.read_text()
    assert "## Throughput" in text and "| mailward --jobs 2 | 3 |" in text
    assert f"{report['machine']['nproc']} cores" in text
    assert "mailward scan --format json --jobs 1" in text  # the exact commands are recorded
    assert "# old generated part" not in text
    assert text.count(HAND_MARKER) == 1 and text.index(HAND_MARKER) < text.index("## Measured by hand\n\nkeep me")


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("attachments_bench.py", ["formats", "{c}/phishing_pot", "{c}/sa_ham"]),
        ("phishing_eval.py", ["--corpus", "{c}", "--out", "{out}"]),
        ("model_eval.py", ["--corpus", "{c}", "--out", "{out}"]),
        ("beacons_eval.py", ["{c}/phishing_pot", "{c}/sa_ham"]),
        # the adversarial generators take nothing (their --json is a flag, not a file)
        ("phishing_adversarial.py", []),
        ("recon_adversarial.py", []),
    ],
)
def test_other_scripts_get_the_arguments_they_need(script: str, expected: list[str], tmp_path: Path) -> None:
    """`make bench` runs every other bench script: those that read a corpus get it (they
    ended with argparse's usage error, exit 2, before)."""
    import run  # bench/run.py

    corpus = [tmp_path / "phishing_pot", tmp_path / "sa_ham"]
    out = tmp_path / "out.json"
    args = run.parse_args([])
    got = run.script_options(REPO / "bench" / script, out, args, corpus)
    assert got == [e.format(c=tmp_path, out=out) for e in expected]
    # with only a synthetic set there is no folder of sets: the evaluations are skipped
    synthetic = [tmp_path / "demo" / "maildir"]
    skipped = run.script_options(REPO / "bench" / script, out, args, synthetic)
    assert (skipped is None) == (script in run.CORPUS_DIR_SCRIPTS)
    # the content model's supplements go to model_eval.py only
    with_extra = run.script_options(REPO / "bench" / script, out, args, corpus, ["--extra-ham", "W"])
    assert with_extra == got + (["--extra-ham", "W"] if script == "model_eval.py" else [])


def test_model_evaluation_gets_the_supplements_docs_model_md_trains_with(tmp_path: Path) -> None:
    """`make bench` runs model_eval.py with the plans and training sets of docs/model.md's
    table: the demo's wanted mail and a `mailward demo training` set, generated once."""
    import json

    import others  # bench/others.py

    argv = others.model_supplements(tmp_path, messages=100)
    wanted, training = Path(argv[1]), Path(argv[3]).parent
    assert argv == ["--extra-ham", str(wanted), "--extra-ham", str(training / "wanted"),
                    "--extra-phishing", str(training / "phishing"),
                    "--plan", "nazario+ham+extra+xphish", "--plan", "pot+ham+extra+xphish"]
    labels = [json.loads(line) for line in (tmp_path / "model-demo-100" / "labels.jsonl").read_text().splitlines()]
    kinds = {label["kind"] for label in labels}
    assert {"ham", "phishing", "recon"} <= kinds  # the demo holds unwanted mail too ...
    expected = sum(label["kind"] in ("ham", "newsletter", "journalist") for label in labels)
    assert 0 < len(list(wanted.iterdir())) == expected  # ... and only the wanted mail is kept
    assert all(link.read_bytes() for link in wanted.iterdir())
    assert any((training / "phishing").iterdir()) and any((training / "wanted").iterdir())
    marker = tmp_path / ".model-training-100.done"
    assert marker.exists()
    before = (training / "labels.jsonl").stat().st_mtime_ns
    assert others.model_supplements(tmp_path, messages=100) == argv  # generated once, then reused
    assert (training / "labels.jsonl").stat().st_mtime_ns == before


def test_results_without_a_marker_keep_the_whole_previous_file() -> None:
    assert "old figures" in kept_sections("# results\n\nold figures\n")
    assert kept_sections("") == ""
    assert kept_sections("generated\n" + HAND_MARKER + "\n\nby hand\n") == "by hand\n"


def test_eval_command_without_peers(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    result = CliRunner().invoke(cli, ["eval", "--no-peers", "--format", "json", f"{corpus}:ham"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    [entry] = report["sets"]
    assert entry["label"] == "ham" and entry["goal"] == "flag < 1%"
    [tool] = entry["tools"]
    assert tool["messages"] == 3 and tool["trackers"] >= 1
    assert tool["flagged"] == sum(tool["categories"].get(v, 0) for v in ("suspicious", "recon", "phishing", "malicious"))


def test_eval_labelled_directory_counts_expected_verdicts(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "labels.jsonl").write_text(
        json.dumps({"path": "1.eml", "kind": "ham", "verdict": "clean", "acceptable": ["clean"]}) + "\n"
        + json.dumps({"path": "2.eml", "kind": "newsletter", "verdict": "tracking", "acceptable": ["tracking", "clean"]}) + "\n"
    )
    result = CliRunner().invoke(cli, ["eval", "--no-peers", "--format", "json", str(corpus)])
    assert result.exit_code == 0, result.output
    sets = {s["label"]: s["tools"][0] for s in json.loads(result.stdout)["sets"]}
    assert set(sets) == {"ham", "newsletter"}
    assert sets["ham"]["messages"] == 1 and sets["newsletter"]["messages"] == 1
    assert 0 <= sets["ham"]["as_expected"] <= 1


def test_eval_reports_an_unreachable_peer(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(
        cli, ["eval", "--peers", "rspamd", "--rspamd", f"127.0.0.1:{port}", "--no-cache", f"{corpus}:ham"]
    )
    assert result.exit_code == 0, result.output
    assert "not run: rspamd not reachable" in result.stdout
    assert "mailward" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/dir:ham"], "no such file"),
        (["--peers", "clamav", "."], "unknown peer"),
    ],
)
def test_eval_bad_arguments_give_clear_errors(args: list[str], message: str, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    args = [a if a != "." else f"{corpus}:ham" for a in args]
    result = CliRunner().invoke(cli, ["eval", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_eval_sa_limit_adds_a_matching_mailward_row(tmp_path: Path) -> None:
    """With --sa-limit, SpamAssassin sees the first N messages and mailward is shown on the same N."""
    corpus = _corpus(tmp_path)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    import threading

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    if data.startswith(b"PING"):
                        break
                reply = b"SPAMD/1.5 0 PONG\r\n" if data.startswith(b"PING") else (
                    b"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 9.0 / 5.0\r\n\r\nX")
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    try:
        result = CliRunner().invoke(cli, [
            "eval", "--peers", "spamassassin", "--spamd", f"127.0.0.1:{port}", "--no-cache",
            "--sa-limit", "2", "--format", "json", f"{corpus}:ham",
        ])
    finally:
        listener.close()
    assert result.exit_code == 0, result.output
    tools = {t["tool"]: t for t in json.loads(result.stdout)["sets"][0]["tools"]}
    assert tools["mailward"]["messages"] == 3
    assert tools["mailward [first 2]"]["messages"] == 2
    assert tools["spamassassin"]["messages"] == 2 and tools["spamassassin"]["flagged"] == 2


def test_the_adversarial_generators_run_in_make_bench() -> None:
    import others  # bench/others.py

    assert {"phishing_adversarial.py", "recon_adversarial.py"} <= set(others.other_benches())

