"""The learned content model: content-only features, training, the model file, the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from mailward.learn.features import (
    DEFAULT_BODY_CHARS,
    FEATURE_VERSION,
    MAX_CHARS,
    NOT_WORDS,
    FeatureVector,
    fact_features,
    feature_hash,
    features,
    scan_facts,
    words_of,
)
from mailward.learn.model import (
    DEFAULT_THRESHOLD,
    ContentModel,
    ModelError,
    _matrix,
    ham_allowance,
    ham_threshold,
    threshold_and_recall,
    train,
)
from mailward.parse import parse_message
from tests.mwcli import mailward

PHISH = [
    ("Your mailbox is almost full", "Verify your account now to avoid suspension. Click here to log in and "
     "confirm your password within 24 hours.", "https://mail-verify.example.net/login"),
    ("Action required: password expiry", "Your password expires today. Sign in to keep your account active "
     "and verify your identity.", "https://secure-update.example.com/signin"),
    ("Unusual sign-in activity", "We detected unusual activity. Confirm your account details and password "
     "immediately or access will be suspended.", "https://account-check.example.org/verify"),
    ("Invoice payment failed", "Your payment could not be processed. Update your billing details and log in "
     "to verify your card now.", "https://billing-login.example.info/account"),
]
HAM = [
    ("Committee minutes, Tuesday", "Please find the minutes of Tuesday's committee meeting. The next session "
     "is on the budget amendments.", "https://parliament.example/committees/minutes"),
    ("Re: constituency surgery", "Thank you for your letter about the bus route. The councillor will attend "
     "the surgery on Friday.", "https://council.example/transport"),
    ("Weekly newsletter: local news", "This week: the library reopens, the football club wins the cup, and "
     "a new bakery opens on the high street.", "https://news.example/weekly"),
    ("Lunch on Thursday?", "Are you free for lunch on Thursday? The new place near the station has good "
     "reviews.", "https://maps.example/place"),
]


def _raw(subject: str, body: str, url: str, to: str = "phishing@pot") -> bytes:
    return (
        f"From: Sender <sender@example.org>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"<html><head><style>.x{{color:red}}</style></head><body><p>Dear phishing,</p><p>{body}</p>"
        f"<a href=\"{url}\">{url}</a><p>Write to phishing@pot.</p></body></html>\r\n"
    ).encode()


def _features(items: list[tuple[str, str, str]], *, words: bool = True) -> list[FeatureVector]:
    return [features(parse_message(_raw(*item)), words=words) for item in items]


def test_features_leave_out_recipients_addresses_and_dates() -> None:
    names = features(parse_message(_raw(*PHISH[0]))).names()
    assert "b:verify" in names and "s:mailbox" in names and "b:password" in names
    assert "l:p:login" in names and "f:lure:credential" in names and "f:links:1" in names
    assert not [n for n in names if n.startswith(("s2:", "b2:"))]  # no word pairs since version 3
    # the recipient's local part ("phishing"), every address and host name are never features
    assert not [n for n in names if "phishing" in n or "pot" == n.split(":")[-1] or "@" in n]
    assert not [n for n in names if "example" in n or "verify." in n or n.endswith(":net")]
    assert not [n for n in names if "2026" in n or "dec" == n.split(":")[-1]]
    assert not [n for n in names if "color" in n]  # <style> text is not visible text


def test_feature_hashes_name_back_and_match_strings() -> None:
    vector = features(parse_message(_raw(*PHISH[1])))
    names = vector.names()
    assert len(names) == len(vector) and isinstance(vector, FeatureVector)
    assert all(int(vector.hashes[i]) == feature_hash(n) for i, n in enumerate(names))
    # the facts a scan already built give the same features as building them again
    message = parse_message(_raw(*PHISH[1]))
    assert features(message, scan_facts(message)).names() == names


def test_words_are_letters_only_and_skip_hosts_addresses_and_numbers() -> None:
    text = ("Verify your ACCOUNT, now! Visit example.com/login or https://x.example/a, write to ana@example.org; "
            "code 24h 12345. “Bitte” bestätigen Sie Ihr Konto (jetzt). Ein e-mail a b")
    words = words_of(text)
    assert words[:4] == ["verify", "your", "account", "now"]
    assert "bitte" in words and "bestätigen" in words and "jetzt" in words and "konto" in words
    assert not [w for w in words if "example" in w or "ana" == w or "24h" == w or w.isdigit()]
    assert "e" not in words and "a" not in words and "mail" in words  # a hyphen splits, single letters go
    assert words_of(text, NOT_WORDS | {"verify"})[0] == "your"
    assert len(words_of("word " * 5000)) == 250 and words_of("") == []


def test_urls_in_the_text_give_no_words() -> None:
    # feature version 5: a URL's path and query string are not body words
    words = words_of("Open https://x.example/login?user=ana&token=secret now or www.example.org/reset?step=confirm")
    assert words == ["open", "now"]
    assert words_of("HTTPS://X.EXAMPLE/a?Session=Expired please") == ["please"]


def test_function_words_name_the_language_and_are_never_features() -> None:
    words = words_of("Der Newsletter und die Termine für Sie: bitte lesen Sie Ihr Konto. The list of the events for you today.")
    assert {"der", "und", "die", "für", "the", "of"}.isdisjoint(words)
    # the words that address the reader stay: they carry the lure ("verify your account")
    assert {"sie", "ihr", "you", "newsletter", "konto", "termine", "bitte"} <= set(words)
    assert {"de", "la", "het", "een", "und", "el", "il", "le"} <= NOT_WORDS
    assert {"your", "votre", "uw", "seu", "su", "du", "je", "we", "nous"}.isdisjoint(NOT_WORDS)


def test_function_word_data_is_checked() -> None:
    from mailward.learn.features import FunctionWordsError, parse_function_words

    assert parse_function_words("languages: [{language: en, words: the of, source: grammar}]") == {"the", "of"}
    for bad in ("languages: []", "languages: [{language: en, words: the}]",
                "languages: [{language: en, words: The, source: s}]", "[1, 2]",
                "languages: [{language: en, words: 'a.b', source: s}]"):
        with pytest.raises(FunctionWordsError):
            parse_function_words(bad)


def test_fact_features_are_shapes_and_conjunctions() -> None:
    facts = {
        "link_summary": {"count": 3, "hosts": ["a", "b"], "hosting": 1, "hosting_kinds": ["free-hosting"],
                         "text_mismatches": 1},
        "brand": {"claimed": True, "kind": "idp", "status": "unrelated-domain", "where": "display_name",
                  "mismatch": True, "own_service": False, "sender_brand": ""},
        "identity": {"claim_mismatch": False, "lookalike": {"kind": "typo"}},
        "sender": {"free_mail": True, "display_name_address": ""},
        "content": {"lure_topics": ["credential"], "credential_phrases": ["verify your account"],
                    "urgency_phrases": [], "amounts": 0, "body_chars": 450},
        "forms": [{"has_password": True}],
    }
    shapes = fact_features(facts)
    for expected in ("links:2-4", "hosts:2-4", "link:hosting", "link:text_mismatches", "hosting:free-hosting",
                     "brand:idp", "brand:status:unrelated-domain", "brand:where:display_name", "brand:mismatch",
                     "brand:mismatch:display_name",
                     "claim:lookalike:typo", "sender:free-mail", "lure:credential", "credential:1", "urgency:0",
                     "chars:<1000", "form:password", "claim-mismatch+lure:credential", "hosting+lure:credential",
                     "text-mismatch+lure"):
        assert expected in shapes, expected
    # the mismatch by where the brand was named: a signature's is a feature of its own
    signature = fact_features({"brand": {**facts["brand"], "where": "signature"}})  # type: ignore[dict-item]
    assert "brand:mismatch:signature" in signature and "brand:mismatch:display_name" not in signature
    assert not [s for s in fact_features({"brand": {**facts["brand"], "mismatch": False}})  # type: ignore[dict-item]
                if s.startswith("brand:mismatch")]
    quiet = fact_features({})
    assert quiet == ["links:0", "hosts:0", "credential:0", "urgency:0", "chars:0"]
    assert not [s for s in shapes if "." in s or "@" in s]  # no host name or address


def test_the_deadline_topic_is_the_feature_it_was_before_it_had_a_name() -> None:
    # "within 24 hours" was an extortion phrase until December 2026: models trained then
    # have one column for both, and must score the same messages the same way
    def lures(*topics: str) -> list[str]:
        return [s for s in fact_features({"content": {"lure_topics": list(topics)}}) if s.startswith("lure:")]

    assert lures("credential", "deadline") == ["lure:credential", "lure:extortion"]
    assert lures("extortion", "deadline") == ["lure:extortion"]


def test_a_model_of_shapes_only_has_no_words(tmp_path: Path) -> None:
    message = parse_message(_raw(*PHISH[0]))
    names = features(message, words=False).names()
    assert names and not [n for n in names if n.startswith(("s:", "b:", "fn:"))]
    assert "f:lure:credential" in names
    model = train(_features(PHISH, words=False), _features(HAM, words=False), bits=12, words=False)
    model.save(tmp_path / "shapes.npz")
    loaded = ContentModel.load(tmp_path / "shapes.npz")
    assert loaded.words is False and loaded.meta["words"] is False
    scored = loaded.score(message, top=5, top_from=0.0)
    assert scored.top and not [n for n, _ in scored.top if n.startswith(("s:", "b:", "fn:"))]


def test_top_features_are_named_only_from_the_given_probability() -> None:
    model = train(_features(PHISH), _features(HAM), bits=12)
    vector = _features([HAM[0]])[0]
    low = model.score_vector(vector, top=5, top_from=0.0)
    assert len(low.top) == 5 and len({name for name, _ in low.top}) == 5
    strengths = [abs(w) for _, w in low.top]
    assert strengths == sorted(strengths, reverse=True)  # strongest first
    assert model.score_vector(vector, top=5, top_from=low.probability + 0.01).top == ()
    assert model.score_vector(vector, top=5, top_from=low.probability).probability == low.probability


def test_train_separates_and_round_trips(tmp_path: Path) -> None:
    model = train(_features(PHISH), _features(HAM), bits=14)
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = ContentModel.load(path)
    assert loaded.bits == 14 and np.array_equal(loaded.weights, model.weights)
    phish = parse_message(_raw("Verify your password", "Log in to verify your account password now.",
                               "https://x.example/login"))
    ham = parse_message(_raw("Committee lunch", "The committee meeting and lunch on Thursday.",
                             "https://parliament.example/committees"))
    high, low = loaded.score(phish, top=5), loaded.score(ham, top=5)
    assert loaded.score(phish).top == ()  # named only when asked
    assert high.probability > low.probability
    drivers = dict(high.top)
    assert drivers["f:lure:credential"] > 0 and drivers["b:verify"] > 0  # a lure shape and a word pushed it up
    assert all(isinstance(name, str) for name, _ in high.top)


def test_model_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a mailward model file"):
        ContentModel.load(bad)
    with pytest.raises(ModelError, match="no such model file"):
        ContentModel.load(tmp_path / "missing.npz")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, weights=np.array([object()], dtype=object), meta=np.array("{}"))
    with pytest.raises(ModelError):
        ContentModel.load(pickled)  # object arrays need pickle, which loading refuses
    wrong = tmp_path / "wrong.npz"
    model = train(_features(PHISH), _features(HAM), bits=12)
    model.meta["feature_version"] = 0
    model.save(wrong)
    data = dict(np.load(wrong, allow_pickle=False))
    data["meta"] = np.array(str(data["meta"]).replace(f'"feature_version": {FEATURE_VERSION}', '"feature_version": 0'))
    np.savez(wrong, **data)
    with pytest.raises(ModelError, match="train it again"):
        ContentModel.load(wrong)
    older = tmp_path / "v2.npz"  # a model of the previous feature version (word pairs, no facts)
    data["meta"] = np.array(str(data["meta"]).replace('"feature_version": 0', '"feature_version": 2'))
    np.savez(older, **data)
    with pytest.raises(ModelError, match=rf"made for feature version 2, this mailward uses {FEATURE_VERSION}: train it again"):
        ContentModel.load(older)


def test_threshold_is_chosen_on_training_ham_only() -> None:
    few = train(_features(PHISH), _features(HAM), bits=12, threshold=None)
    assert few.threshold == DEFAULT_THRESHOLD and "default" in few.meta["threshold_from"]
    pos, neg = _features(PHISH * 4), _features(HAM * 4)
    x = _matrix(pos + neg, 12)
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    strict = ham_threshold(x, y, 1.0, ham_rate=0.0)
    loose = ham_threshold(x, y, 1.0, ham_rate=0.5)
    assert 0.5 <= loose <= strict <= 0.999
    # no ham message, scored by a model that did not see it, reaches the strict threshold
    for k in range(3):
        rows = np.flatnonzero(np.arange(len(y)) % 3 != k)
        fitted = train([pos[i] for i in rows if y[i]], [neg[i - len(pos)] for i in rows if not y[i]], bits=12)
        held = [neg[i - len(pos)] for i in np.flatnonzero(np.arange(len(y)) % 3 == k) if not y[i]]
        assert all(fitted.score_vector(v).probability < strict for v in held)


def test_training_recall_is_the_out_of_fold_phishing_share_at_the_threshold() -> None:
    # two ham messages labelled phishing: a model that did not see them scores them as ham
    pos, neg = _features(PHISH * 4 + HAM[:2]), _features(HAM * 4)
    x = _matrix(pos + neg, 12)
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    threshold, recall = threshold_and_recall(x, y, 1.0)
    assert threshold == ham_threshold(x, y, 1.0)
    # the same five folds by hand: each phishing message scored by a model trained without it
    above = total = 0
    for k in range(5):
        rows = np.flatnonzero(np.arange(len(y)) % 5 != k)
        fitted = train([pos[i] for i in rows if y[i]], [neg[i - len(pos)] for i in rows if not y[i]], bits=12)
        held = [pos[i] for i in np.flatnonzero(np.arange(len(y)) % 5 == k) if y[i]]
        above += sum(fitted.score_vector(v).probability >= threshold for v in held)
        total += len(held)
    assert recall == above / total and 0 < recall < 1
    # ham only: no fold has two classes to fit, so nothing is chosen and nothing measured
    assert threshold_and_recall(x, np.zeros(len(y)), 1.0) == (DEFAULT_THRESHOLD, None)


def test_ham_allowance_holds_the_rate_for_new_ham() -> None:
    # with the threshold just above the k-th highest of n scores, new ham from the same
    # source is above it with probability k / (n + 1): k = allowance + 1 keeps that at or
    # under the rate, and one more would not
    for n in (150, 999, 1015, 1999, 5000):
        for rate in (0.001, 0.01, 0.05):
            k = ham_allowance(n, rate) + 1
            assert k == 1 or k / (n + 1) <= rate < (k + 1) / (n + 1)
    assert ham_allowance(1015, 0.001) == 0  # about 1,000 ham: the highest sets the threshold
    assert ham_allowance(2999, 0.001) == 2
    # the same, simulated: scores of 149 ham and one new message, 40,000 times (seeded)
    rng = np.random.default_rng(7)
    scores = rng.random((40_000, 150))
    training, new = np.sort(scores[:, :149], axis=1), scores[:, 149]
    def above(allowed: int) -> float:
        return float(np.mean(new > training[:, 149 - allowed - 1]))
    assert above(ham_allowance(149, 0.01)) <= 0.01  # 1 in 150 expected
    assert above(int(149 * 0.01)) > 0.01  # allowing int(n * rate) = 1: 2 in 150 expected


def test_training_needs_both_classes() -> None:
    with pytest.raises(ModelError, match="at least one"):
        train(_features(PHISH), [])


def _write(directory: Path, items: list[tuple[str, str, str]]) -> None:
    directory.mkdir()
    for n, item in enumerate(items):
        (directory / f"{n}.eml").write_bytes(_raw(*item))


def test_learn_command(tmp_path: Path) -> None:
    _write(tmp_path / "phish", PHISH)
    _write(tmp_path / "ham", HAM)
    model = tmp_path / "model.npz"
    cmd = ["learn", "--model", str(model), "--bits", "14",
           "--phishing", str(tmp_path / "phish"), "--ham", str(tmp_path / "ham")]
    done = mailward(*cmd)
    assert done.returncode == 0, done.stderr
    assert "4 phishing and 4 ham messages" in done.stdout
    assert ContentModel.load(model).bits == 14 and ContentModel.load(model).words
    assert model.stat().st_size < 20 * 1024 * 1024
    shapes = tmp_path / "shapes.npz"
    only = mailward(*cmd[:2], str(shapes), *cmd[3:], "--no-words")
    assert only.returncode == 0, only.stderr
    assert ContentModel.load(shapes).words is False
    assert ContentModel.load(model).body_chars == DEFAULT_BODY_CHARS  # what learn reads unless told
    longer = tmp_path / "longer.npz"
    assert mailward(*cmd[:2], str(longer), *cmd[3:], "--body-chars", "3000").returncode == 0
    assert ContentModel.load(longer).body_chars == 3000 == ContentModel.load(longer).meta["body_chars"]
    missing = mailward(*cmd[:-1], str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_scan_and_explain_with_a_model(tmp_path: Path) -> None:
    _write(tmp_path / "phish", PHISH)
    _write(tmp_path / "ham", HAM)
    model = tmp_path / "model.npz"
    trained = train(_features(PHISH), _features(HAM), bits=14, threshold=0.6)
    trained.save(model)
    lure = tmp_path / "lure.eml"
    lure.write_bytes(_raw("Verify your password now", "Log in to verify your account password or it is suspended.",
                          "https://x.example/login", to="reader@example.org"))
    done = mailward("scan", "--format", "json", "--model", str(model), str(lure))
    assert done.returncode == 0, done.stderr
    assert "CONTENT_MODEL_PHISHING" in done.stdout
    plain = mailward("scan", "--format", "json", str(lure))
    assert "CONTENT_MODEL_PHISHING" not in plain.stdout  # no model, no model rule
    explained = mailward("explain", "--model", str(model), str(lure))
    assert explained.returncode == 0, explained.stderr
    assert "content model: phishing probability" in explained.stdout
    assert "b:password" in explained.stdout or "b:verify" in explained.stdout
    quiet = tmp_path / "quiet.eml"
    quiet.write_bytes(_raw(*HAM[3], to="reader@example.org"))
    below = mailward("scan", "--format", "json", "--model", str(model), str(quiet))
    assert below.returncode == 0 and "CONTENT_MODEL_PHISHING" not in below.stdout
    explained = mailward("explain", "--model", str(model), str(quiet))
    assert explained.returncode == 0, explained.stderr
    # explain names the drivers below the threshold too: here words that pulled the score down
    assert re.search(r"\n  [bsf]:\S+ \(-[0-9.]+\)\n", explained.stdout), explained.stdout
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"junk")
    refused = mailward("scan", "--model", str(bad), str(lure))
    assert refused.returncode == 2 and "not a mailward model file" in refused.stderr
    assert "Traceback" not in refused.stderr
    config = tmp_path / "mailward.toml"
    config.write_text('[model]\npath = "model.npz"\n')
    configured = mailward("scan", "--format", "json", "--config", str(config), str(lure))
    assert "CONTENT_MODEL_PHISHING" in configured.stdout  # [model] path, relative to the config file


def test_the_model_scores_the_scans_facts_and_a_failure_is_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    from mailward.pipeline import Analyser

    model = train(_features(PHISH), _features(HAM), bits=12, threshold=0.6)
    analyser = Analyser(model=model)
    message = parse_message(_raw("Verify your password now", "Log in to verify your account password.",
                                 "https://x.example/login", to="reader@example.org"))
    analysis = analyser.analyse(message)
    assert analysis.facts["model"]["enabled"] and analysis.facts["model"]["score"] >= 600
    assert analysis.facts["model"]["top"]  # the rule fired, so its evidence names the drivers
    assert "CONTENT_MODEL_PHISHING" in {f.rule for f in analysis.findings}
    assert analyser.facts(message, model=False)["model"]["enabled"] is False

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(model, "score", broken)
    failed = analyser.analyse(message)
    assert failed.errors == ("model analysis failed: RuntimeError: boom",)
    assert failed.facts["model"]["enabled"] is False
    assert "CONTENT_MODEL_PHISHING" not in {f.rule for f in failed.findings}


def _long_message(word: str, at: int) -> bytes:
    return (f"From: a@example.org\r\nTo: b@example.net\r\nSubject: Note\r\n\r\n"
            f"hello {'1234 ' * (at // 5)}{word}\r\n").encode()  # numbers are not words: the word limit stays far


def test_a_model_reads_the_body_characters_it_was_trained_on(tmp_path: Path) -> None:
    """A word past ``body_chars`` characters is no feature; a model records its number and
    scores with it; a file from before the number was kept reads MAX_CHARS."""
    message = parse_message(_long_message("zanzibar", 1500))
    assert "b:zanzibar" in features(message)  # the default is MAX_CHARS (2,000)
    assert "b:zanzibar" not in features(message, body_chars=1000)
    assert "b:zanzibar" in features(parse_message(_long_message("zanzibar", 500)), body_chars=1000)
    assert words_of("abc xyz ghi", chars=6) == ["abc", "xy"]
    model = train(_features(PHISH), _features(HAM), bits=12, body_chars=1000)
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = ContentModel.load(path)
    assert loaded.body_chars == 1000
    column = int(features(message).masked(12)[features(message).names().index("b:zanzibar")])
    loaded.weights[column] = 50.0  # the far word would decide the score if it were read
    assert loaded.score(message).probability < 0.99
    assert ContentModel(weights=loaded.weights, intercept=loaded.intercept, bits=12).score(message).probability > 0.99
    data = dict(np.load(path, allow_pickle=False))
    older = tmp_path / "older.npz"  # saved before models kept the number
    np.savez(older, weights=data["weights"], meta=np.array(str(data["meta"]).replace('"body_chars": 1000, ', "")))
    assert ContentModel.load(older).body_chars == MAX_CHARS
    for bad in ('"body_chars": 5', '"body_chars": "many"', '"body_chars": true'):
        broken = tmp_path / "broken.npz"
        np.savez(broken, weights=data["weights"], meta=np.array(str(data["meta"]).replace('"body_chars": 1000', bad)))
        with pytest.raises(ModelError, match="body_chars"):
            ContentModel.load(broken)


def test_cached_recipients_and_link_shapes_give_the_same_features() -> None:
    """The caches (dropped words by recipients, shapes by link URL) never carry one
    message's features into another's."""
    first = features(parse_message(_raw(*PHISH[0], to="ana.silva@parliament.example")))
    assert "b:phishing" in first.names()  # "phishing" is not this recipient's word
    again = features(parse_message(_raw(*PHISH[0], to="ana.silva@parliament.example")))
    assert again.names() == first.names() and np.array_equal(again.hashes, first.hashes)
    other = features(parse_message(_raw(*PHISH[0])))  # to phishing@pot: now it is dropped
    assert "b:phishing" not in other.names()
    # a link's URL seen before as a web link and as text: the same shapes; a mailto link
    # whose text is a URL gives its scheme, never "url-text"
    raw = (b"From: a@example.org\r\nTo: b@example.net\r\nSubject: links\r\nContent-Type: text/html\r\n\r\n"
           b"<a href=\"https://x.example/account/login\">https://x.example/account/login</a>"
           b"<a href=\"mailto:help@example.org\">https://help.example.org</a>\r\n")
    for _ in range(2):
        names = features(parse_message(raw)).names()
        assert [n for n in names if n.startswith("l:")] == ["l:p:account", "l:p:login", "l:url-text", "l:mailto"]
