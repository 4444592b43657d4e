"""The tracker registry: data quality, the compiled matcher, redirect destinations."""

from __future__ import annotations

import pytest

from mailward.trackers import (
    RegistryError,
    load_registry,
    real_destination,
    registry,
    tracker_for_host,
    tracker_for_url,
)


def test_registry_is_large_and_every_entry_says_where_it_comes_from() -> None:
    reg = registry()
    assert len(reg.trackers) >= 150
    for tracker in reg.trackers:
        assert tracker.source.split(":", 1)[0] in ("observed", "documented", "recalled"), tracker.name
        assert tracker.domains, tracker.name
    names = {t.name for t in reg.trackers}
    for expected in (
        "Mailchimp", "Twilio SendGrid", "Mailgun", "Klaviyo", "HubSpot", "Salesforce Marketing Cloud (ExactTarget)",
        "Adobe Marketo Engage", "Constant Contact", "Campaign Monitor", "Brevo (Sendinblue)", "CleverReach",
        "Inxmail", "GetResponse", "Kit (ConvertKit)", "Mailjet", "Amazon SES", "Postmark", "SparkPost",
        "Substack", "Beehiiv", "Yesware", "Mailtrack (Mailsuite)", "Streak", "HubSpot Sales (Sidekick)",
        "Superhuman", "Mixmax", "Outreach", "Salesloft", "Cirrus Insight", "Bananatag (Staffbase Email)",
        "ContactMonkey", "Litmus Email Analytics",
    ):
        assert expected in names


def test_registry_is_compiled_once() -> None:
    assert registry() is registry()


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("schreibsuchti.us3.list-manage.com", "Mailchimp"),
        ("list-manage.com", "Mailchimp"),
        ("trk.klclick1.com", "Klaviyo"),
        ("t.yesware.com", "Yesware"),
        ("LIST-MANAGE.COM.", "Mailchimp"),
    ],
)
def test_tracker_for_host(host: str, name: str) -> None:
    tracker = tracker_for_host(host)
    assert tracker is not None and tracker.name == name


@pytest.mark.parametrize("host", ["example.com", "notlist-manage.com", "list-manage.com.evil.example", ""])
def test_unknown_hosts(host: str) -> None:
    assert tracker_for_host(host) is None


@pytest.mark.parametrize(
    ("url", "name", "role", "via"),
    [
        ("https://acme.us3.list-manage.com/track/open.php?u=a1&id=b2&e=c3", "Mailchimp", "open", "host"),
        ("https://acme.us3.list-manage.com/track/click?u=a1&id=b2&e=c3", "Mailchimp", "click", "host"),
        ("https://acme.us3.list-manage.com/unsubscribe?u=a1&id=b2", "Mailchimp", "", "host"),
        # SendGrid link branding: a customer's own host, recognised by the URL shape
        ("https://url4812.news.example/ls/click?upn=abc-2Bdef", "Twilio SendGrid", "click", "shape"),
        ("https://url4812.news.example/wf/open?upn=abc", "Twilio SendGrid", "open", "shape"),
        ("https://go.news.example/pub/cc?_ri_=X0Gzc2X", "Oracle Responsys", "click", "shape"),
        ("https://info.example.com/some/page?mkt_tok=NzQ0LUFBQi0", "Adobe Marketo Engage", "click", "shape"),
        ("//r.news.example/tr/cl/abcdef", "Brevo (Sendinblue)", "click", "shape"),
    ],
)
def test_tracker_for_url(url: str, name: str, role: str, via: str) -> None:
    info = tracker_for_url(url)
    assert info.tracker is not None and info.tracker.name == name
    assert (info.role, info.via) == (role, via)


def test_ordinary_urls_are_not_trackers() -> None:
    for url in ("https://www.example.com/ls/other", "https://www.example.com/", "cid:logo", "data:image/gif;base64,R0lGOD", "/relative/path.png"):
        assert tracker_for_url(url).tracker is None


def test_path_scoped_entries() -> None:
    assert tracker_for_url("https://www.google.com/url?q=https://example.org/").tracker is not None
    assert tracker_for_url("https://www.google.com/search?q=x").tracker is None


@pytest.mark.parametrize(
    ("url", "destination"),
    [
        ("https://www.google.com/url?q=https://example.org/a%3Fb&sa=D", "https://example.org/a?b"),
        ("https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.org%2Fx&data=05", "https://example.org/x"),
        ("https://urldefense.proofpoint.com/v2/url?u=https-3A__example.com_path&d=DwM", "https://example.com/path"),
        ("https://urldefense.com/v3/__https://example.com/p__;!!abc$", "https://example.com/p"),
        ("https://a1.r.us-east-1.awstrack.me/L0/https:%2F%2Fexample.org%2Fnews/1/0100018e-x/abc=", "https://example.org/news"),
        (
            "https://click.convertkit-mail4.com/p9unqonzo5iqumomk5uq/6qheh8hprod6d4so/aHR0cHM6Ly96ZWl0enVsZWJlbi5kZS9uZXdzbGV0dGVyLw==",
            "https://zeitzuleben.de/newsletter/",
        ),
        ("https://click.icptrack.com/icp/relay.php?r=1&msgid=2&destination=http%3A%2F%2Fexample.org%2F", "http://example.org/"),
        ("https://mailtrack.io/trace/link/abc123?url=https%3A%2F%2Fexample.org%2F&userId=1", "https://example.org/"),
    ],
)
def test_real_destination(url: str, destination: str) -> None:
    assert real_destination(url) == destination


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.us3.list-manage.com/track/click?u=a1&id=b2&e=c3",  # destination kept server-side
        "https://www.example.com/?url=https://elsewhere.example/",  # not a known redirector
        "https://www.google.com/url?q=javascript:alert(1)",  # not a web destination
        "not a url",
    ],
)
def test_no_real_destination(url: str) -> None:
    assert real_destination(url) is None


def test_invalid_registry_data_is_reported_clearly() -> None:
    with pytest.raises(RegistryError, match="source"):
        load_registry("trackers:\n- {name: X, kind: esp, domains: [x.example]}\n")
    with pytest.raises(RegistryError, match="bad URL shape"):
        load_registry("trackers:\n- {name: X, kind: esp, domains: [x.example], open: ['(('], source: 'recalled: t'}\n")
    with pytest.raises(RegistryError, match="kind"):
        load_registry("trackers:\n- {name: X, kind: nope, domains: [x.example], source: 'recalled: t'}\n")
    with pytest.raises(RegistryError, match="twice"):
        load_registry("trackers:\n- {name: X, kind: esp, domains: [a.example], source: 'recalled: t'}\n- {name: X, kind: esp, domains: [b.example], source: 'recalled: t'}\n")


def test_redirect_destinations_are_decoded_in_one_place() -> None:
    """``trackers.as_destination`` serves the tracker registry and the rules' link facts."""
    from mailward.trackers import as_destination

    assert as_destination("https%3A%2F%2Fx.example%2Fa") == "https://x.example/a"
    bing = "a1aHR0cHM6Ly9ldmlsLmV4YW1wbGUvbG9naW4"
    assert as_destination(bing) is None
    assert as_destination(bing, bing_base64=True) == "https://evil.example/login"
    assert as_destination("ftp://x.example") is None
