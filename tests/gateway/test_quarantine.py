"""The quarantine store, the audit log, settings and the quarantine CLI (no network)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailward.config import Config, ConfigError, load_config
from mailward.gateway.audit import AuditLog
from mailward.gateway.cli import quarantine
from mailward.gateway.quarantine import (
    Entry,
    FileQuarantine,
    QuarantineError,
    new_entry_id,
    now_iso,
)
from mailward.gateway.settings import Action, load_settings
from mailward.result import Verdict

RAW = b"From: a@example.org\r\nSubject: held\r\n\r\nbody \xff\x00 bytes\r\n"


def entry(store: FileQuarantine, raw: bytes = RAW, **over: object) -> Entry:
    digest = store.put_bytes(raw)
    values: dict[str, object] = dict(id=new_entry_id(), sha256=digest, size=len(raw), stored_at=now_iso(),
                                     action="quarantine", status="held", verdict="recon",
                                     rcpt_to=("<alice@test.local>",), mail_from="<x@example.org>")
    values.update(over)
    return store.add(Entry(**values))  # type: ignore[arg-type]


def test_put_is_content_addressed_verified_and_private(tmp_path: Path) -> None:
    store = FileQuarantine(tmp_path / "q")
    digest = store.put_bytes(RAW)
    assert digest == hashlib.sha256(RAW).hexdigest()
    path = tmp_path / "q" / "objects" / digest[:2] / digest
    assert path.read_bytes() == RAW
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "q").stat().st_mode & 0o777 == 0o700
    assert store.put_bytes(RAW) == digest  # stored once
    assert [p.name for p in path.parent.iterdir()] == [digest]  # no temporary files left
    assert store.get_bytes(digest) == RAW


def test_corruption_is_detected_and_repaired_on_put(tmp_path: Path) -> None:
    store = FileQuarantine(tmp_path / "q")
    digest = store.put_bytes(RAW)
    path = tmp_path / "q" / "objects" / digest[:2] / digest
    os.chmod(path, 0o600)
    path.write_bytes(b"tampered")
    with pytest.raises(QuarantineError, match="corrupt"):
        store.get_bytes(digest)
    assert store.put_bytes(RAW) == digest  # a bad copy is rewritten, not trusted
    assert store.get_bytes(digest) == RAW


def test_unwritable_store_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(QuarantineError):
        FileQuarantine(blocker / "q").put_bytes(RAW)


def test_bad_ids_are_refused(tmp_path: Path) -> None:
    store = FileQuarantine(tmp_path / "q")
    for bad in ("../x", ".hidden", "", "a/b"):
        with pytest.raises(QuarantineError):
            store.get(bad)
    with pytest.raises(QuarantineError):
        store.get_bytes("../../etc/passwd")


def test_delete_keeps_objects_still_in_use(tmp_path: Path) -> None:
    store = FileQuarantine(tmp_path / "q")
    first = entry(store)
    second = entry(store)
    store.delete(first.id)
    assert store.get_bytes(second.sha256) == RAW  # shared object survives
    store.delete(second.id)
    with pytest.raises(QuarantineError):
        store.get_bytes(second.sha256)
    assert list(store.entries()) == []


def test_audit_log_appends_json_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("stored", id="x", note="line\nbreak")
    log.record("released", id="x")
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["stored", "released"]
    assert (tmp_path / "audit.jsonl").stat().st_mode & 0o777 == 0o600


def test_settings_from_config(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[mailward]\ndata_dir = "{tmp_path}"\n[gateway]\non_failure = "accept"\n'
                    '[gateway.actions]\nrecon = "reject"\nunscannable = "fail"\n')
    settings = load_settings(load_config(path))
    assert settings.action_for(Verdict.RECON) is Action.REJECT
    assert settings.action_for(Verdict.TRACKING) is Action.DEFUSE  # default kept
    assert settings.resolve(Action.FAIL) is Action.DELIVER
    assert settings.quarantine_dir == tmp_path / "quarantine"


@pytest.mark.parametrize("section", [
    {"on_failure": "maybe"},
    {"actions": {"recon": "explode"}},
    {"actions": {"nonsense": "deliver"}},
    {"workers": -1},
    {"timeout": "soon"},
    {"unknown_key": 1},
    {"reject_reply": "250 fine"},
    {"reject_reply": "550 4.7.1 mismatched"},
    {"tempfail_reply": "451 try later"},
])
def test_bad_settings_are_clear_errors(section: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=r"\[gateway"):
        load_settings(Config(data={"gateway": section}))


def test_quarantine_cli_list_show_delete(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[gateway]\nquarantine_dir = "{tmp_path / "q"}"\naudit_log = "{tmp_path / "a.jsonl"}"\n')
    store = FileQuarantine(tmp_path / "q")
    held = entry(store, subject="Interview request")
    runner = CliRunner()
    listed = runner.invoke(quarantine, ["list", "--config", str(config)])
    assert listed.exit_code == 0 and held.id in listed.output and "Interview request" in listed.output
    as_json = runner.invoke(quarantine, ["list", "--config", str(config), "--format", "json"])
    assert json.loads(as_json.output.splitlines()[0])["sha256"] == held.sha256
    raw = runner.invoke(quarantine, ["show", held.id, "--raw", "--config", str(config)])
    assert raw.exit_code == 0 and raw.stdout_bytes == RAW
    missing = runner.invoke(quarantine, ["show", "nope", "--config", str(config)])
    assert missing.exit_code == 1 and "no quarantine entry nope" in missing.output
    no_defused = runner.invoke(quarantine, ["release", held.id, "--defused", "--config", str(config)])
    assert no_defused.exit_code == 1 and "no defused version" in no_defused.output
    deleted = runner.invoke(quarantine, ["delete", held.id, "--yes", "--config", str(config)])
    assert deleted.exit_code == 0
    assert list(store.entries()) == []
    events = [json.loads(line)["event"] for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert events == ["viewed", "deleted"]


def test_release_to_a_dead_next_hop_fails_clearly(tmp_path: Path) -> None:
    from .postfix_instance import free_port

    config = tmp_path / "c.toml"
    config.write_text(f'[gateway]\nquarantine_dir = "{tmp_path / "q"}"\naudit_log = "{tmp_path / "a.jsonl"}"\n'
                      f"release_port = {free_port()}\n")
    held = entry(FileQuarantine(tmp_path / "q"))
    result = CliRunner().invoke(quarantine, ["release", held.id, "--config", str(config)])
    assert result.exit_code == 1 and "did not take" in result.output
    assert FileQuarantine(tmp_path / "q").get(held.id).status == "held"
    events = [json.loads(line)["event"] for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert events == ["release-failed"]


@pytest.mark.parametrize("fail_at", ["fsync", "replace"])
def test_failed_write_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str) -> None:
    import errno

    from mailward.gateway import quarantine as q

    def boom(*_args: object, **_kw: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    store = FileQuarantine(tmp_path / "q")
    monkeypatch.setattr(q.os, fail_at, boom)
    with pytest.raises(QuarantineError, match="cannot store message"):
        store.put_bytes(RAW)
    monkeypatch.undo()
    leftovers = [p for p in (tmp_path / "q").rglob("*") if p.is_file()]
    assert leftovers == []  # no object, no temporary file
    assert store.put_bytes(RAW) == hashlib.sha256(RAW).hexdigest()  # and the next write works


def test_verification_failure_is_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FileQuarantine(tmp_path / "q")
    monkeypatch.setattr(FileQuarantine, "_verify", staticmethod(lambda path, data: False))
    with pytest.raises(QuarantineError, match="does not read back intact"):
        store.put_bytes(RAW)
    assert not [p for p in (tmp_path / "q").rglob("*") if p.is_file()]  # the bad copy is not left behind


def test_milter_command_reports_start_problems_clearly(tmp_path: Path) -> None:
    from mailward.gateway.cli import milter

    config = tmp_path / "c.toml"
    config.write_text(f'[gateway]\nscanner = "no_such_module:Scanner"\nquarantine_dir = "{tmp_path / "q"}"\n'
                      f'audit_log = "{tmp_path / "a.jsonl"}"\n')
    result = CliRunner().invoke(milter, ["--config", str(config), "--workers", "0"])
    assert result.exit_code == 1
    assert "cannot build the scanner 'no_such_module:Scanner': ModuleNotFoundError" in result.output
    bad = CliRunner().invoke(milter, ["--config", str(config), "--listen", "tcp:nowhere"])
    assert bad.exit_code == 1 and "listen address must be" in bad.output


def test_cli_release_goes_only_to_recorded_recipients(tmp_path: Path) -> None:
    from tests.web.smtp_sink import SmtpSink

    sink = SmtpSink()
    config = tmp_path / "c.toml"
    config.write_text(f'[gateway]\nquarantine_dir = "{tmp_path / "q"}"\naudit_log = "{tmp_path / "a.jsonl"}"\n'
                      f"release_port = {sink.port}\n")
    store = FileQuarantine(tmp_path / "q")
    held = entry(store, rcpt_to=("<alice@test.local>", "<bob@Test.Local>"))
    runner = CliRunner()
    outside = runner.invoke(quarantine, ["release", held.id, "--to", "anyone@outside.example", "--config", str(config)])
    assert outside.exit_code == 1 and "recorded recipients" in outside.output
    assert sink.received == [] and store.get(held.id).status == "held"
    # a subset of the recorded recipients needs no confirmation (the domain is case-insensitive)
    one = runner.invoke(quarantine, ["release", held.id, "--to", "bob@test.local", "--config", str(config)])
    assert one.exit_code == 0, one.output
    assert sink.received[-1][1] == ("<bob@test.local>",)
    other = entry(store)
    confirmed = runner.invoke(quarantine, ["release", other.id, "--to", "soc@outside.example",
                                           "--confirm-other-recipients", "--config", str(config)])
    assert confirmed.exit_code == 0, confirmed.output
    assert sink.received[-1][1] == ("<soc@outside.example>",)
    events = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["release-refused", "released", "release-other-recipients", "released"]
    assert events[0]["other_recipients"] == ["anyone@outside.example"] and events[0]["by"].startswith("cli")
    assert events[-1]["other_recipients"] == ["soc@outside.example"]
    sink.stop()


def _keep_entry(digests: list[str]) -> Entry:
    return Entry(id=new_entry_id(), sha256=digests[0], size=len(RAW), stored_at=now_iso(), action="defuse",
                 status="delivered", defused_sha256=digests[1] if len(digests) > 1 else "")


@pytest.mark.parametrize("filler", [0, 300_000])  # small: hashed in the calling thread; big: in the pool
def test_keep_stores_objects_and_names_the_entry(tmp_path: Path, filler: int) -> None:
    store = FileQuarantine(tmp_path / "q")
    rewritten = RAW.replace(b"held", b"defused") + b"x" * filler
    kept = store.keep([RAW, rewritten], _keep_entry)
    store.close()
    again = FileQuarantine(tmp_path / "q")
    assert again.get(kept.id) == kept
    assert again.get_bytes(kept.sha256) == RAW
    assert again.get_bytes(kept.defused_sha256) == rewritten
    assert not [p for p in (tmp_path / "q").rglob(".tmp-*")]  # no temporary file left


def test_keep_leaves_no_entry_when_an_object_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from mailward.gateway import quarantine as q

    real_fsync = os.fsync
    sizes: dict[int, int] = {}

    def failing_fsync(fd: int) -> None:  # the rewritten object's fsync fails
        sizes[fd] = os.fstat(fd).st_size
        if sizes[fd] == len(RAW) + 3:
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    store = FileQuarantine(tmp_path / "q")
    monkeypatch.setattr(q.os, "fsync", failing_fsync)
    with pytest.raises(QuarantineError, match="cannot store message"):
        store.keep([RAW, RAW.replace(b"held", b"defused")], _keep_entry)
    monkeypatch.undo()
    assert list(store.entries()) == []
    left = sorted(p.name for p in (tmp_path / "q").rglob("*") if p.is_file())
    assert left == [hashlib.sha256(RAW).hexdigest()]  # the original (kept, harmless); no entry, no temporary file
    store.close()


def test_an_object_found_in_place_is_synced_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another write of the same bytes may have named its file before its fsync: a second
    writer returns only after making it durable itself."""
    from mailward.gateway import quarantine as q

    store = FileQuarantine(tmp_path / "q")
    digest = store.put_bytes(RAW)
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(q.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    assert store.put_bytes(RAW) == digest
    assert len(synced) == 2  # the object and its directory


def test_a_failed_write_leaves_a_concurrent_copy_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writes of the same bytes at once: when ours fails after another has put its
    copy under the name, the other copy stays (its entry may already name it)."""
    import errno

    from mailward.gateway import quarantine as q

    digest = hashlib.sha256(RAW).hexdigest()
    path = tmp_path / "q" / "objects" / digest[:2] / digest
    real_fsync = os.fsync

    def other_writer_then_fail(fd: int) -> None:
        if os.fstat(fd).st_size == len(RAW):  # our object's fsync: the other copy lands first
            other = path.with_name(".other")
            other.write_bytes(RAW)
            os.replace(other, path)
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    store = FileQuarantine(tmp_path / "q")
    monkeypatch.setattr(q.os, "fsync", other_writer_then_fail)
    with pytest.raises(QuarantineError, match="cannot store message"):
        store.put_bytes(RAW)
    monkeypatch.undo()
    assert path.read_bytes() == RAW


def test_keep_names_the_entry_only_after_the_objects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While any object is still being written the entry is not there under its name."""
    store = FileQuarantine(tmp_path / "q")
    made: list[Entry] = []
    seen: list[bool] = []
    real_put = FileQuarantine._put

    def entry_for(digests: list[str]) -> Entry:
        made.append(_keep_entry(digests))
        return made[-1]

    def watching_put(self: FileQuarantine, data: bytes, digest: str) -> str:
        out = real_put(self, data, digest)  # the object is on disk ...
        seen.append((tmp_path / "q" / "entries" / f"{made[0].id}.json").exists())  # ... the entry not yet
        return out

    monkeypatch.setattr(FileQuarantine, "_put", watching_put)
    kept = store.keep([RAW, RAW + b"defused"], entry_for)
    store.close()
    assert seen == [False, False]
    assert store.get(kept.id) == kept
