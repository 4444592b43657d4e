"""Analyst labels in the store, on SQLite and on the real PostgreSQL of the store tests."""

from __future__ import annotations

import hashlib

import pytest

from mailward.config import Config
from mailward.store import MessageRecord, StoreError, open_store

KEEP = Config({"store": {"keep_bodies": True}})


def _raw(n: int) -> bytes:
    return f"From: a@example.org\r\nSubject: message {n}\r\n\r\nbody {n}\r\n".encode()


def _fill(store) -> list[str]:  # type: ignore[no-untyped-def]
    digests = [hashlib.sha256(_raw(n)).hexdigest() for n in range(3)]
    store.write_batch([
        MessageRecord(source="a/0", sha256=digests[0], verdict="phishing", verdict_rank=4, body=_raw(0)),
        MessageRecord(source="b/0", sha256=digests[0], verdict="phishing", verdict_rank=4, body=_raw(0)),
        MessageRecord(source="a/1", sha256=digests[1], verdict="clean", verdict_rank=0, body=_raw(1)),
        MessageRecord(source="a/2", sha256=digests[2], verdict="clean", verdict_rank=0),
    ])
    return digests


def _exercise(store) -> None:  # type: ignore[no-untyped-def]
    phish, ham, bodiless = _fill(store)
    done = store.set_label(phish.upper(), "phishing", analyst="  ana ", note="reported by the MP's office")
    assert (done.sha256, done.label, done.analyst, done.copies, done.has_body) == (phish, "phishing", "ana", 2, True)
    store.set_label(ham, "phishing", analyst="ana")
    relabelled = store.set_label(ham, "ham", analyst="bo")  # a second opinion replaces the first
    assert (relabelled.label, relabelled.analyst, relabelled.note) == ("ham", "bo", "")
    store.set_label(bodiless, "ham", analyst="bo")
    assert {x.sha256 for x in store.labels(label="ham")} == {ham, bodiless}
    assert store.label(bodiless) is not None and store.label(bodiless).has_body is False  # type: ignore[union-attr]
    assert sorted(store.labelled_bodies()) == sorted(
        [(phish, "phishing", _raw(0)), (ham, "ham", _raw(1)), (bodiless, "ham", None)]
    )
    assert store.info()["counts"]["labels"] == 3
    with pytest.raises(StoreError, match="no stored message"):
        store.set_label("0" * 64, "ham", analyst="ana")  # a typo never becomes training data
    with pytest.raises(StoreError, match="not a SHA-256"):
        store.set_label("abc", "ham", analyst="ana")
    with pytest.raises(StoreError, match="unknown label"):
        store.set_label(phish, "spam", analyst="ana")
    with pytest.raises(StoreError, match="analyst"):
        store.set_label(phish, "ham", analyst=" ")
    assert store.clear_label(bodiless) is True and store.clear_label(bodiless) is False
    assert store.label(bodiless) is None and len(store.labels()) == 2


def test_labels_on_sqlite(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}", config=KEEP)
    try:
        _exercise(store)
    finally:
        store.close()


@pytest.mark.integration
def test_labels_on_postgres(postgres):
    store = open_store(postgres.create_database("store_labels"), config=KEEP)
    try:
        assert store.dialect == "postgresql"
        _exercise(store)
    finally:
        store.close()
