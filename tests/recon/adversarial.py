"""An adversarial generator for reconnaissance beyond the reference lists (issue 15).

``build_cases(per_technique=5)`` writes, for every technique, attack messages and
their genuine counterparts (which must stay ``clean`` or ``tracking``). Everything is
deterministic and fictional apart from real organisation names used as the
impersonated identity. ``bench/recon_adversarial.py`` scans them and prints the
per-technique table; ``tests/recon/test_adversarial.py`` asserts on it.

The reader is Maria Keller of the Northland Parliament (the rule samples' config,
``src/mailward/rules/builtin/samples/mailward.toml``).
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import json
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import quote

READER = "maria.keller@northland-parliament.org"
READER_NAME = "Maria Keller"
AUTHSERV = "mx.northland-parliament.org"
OTHERS = ("jan.novak@northland-parliament.org", "ines.berg@northland-parliament.org",
          "tomas.lind@northland-parliament.org", "ana.ruiz@northland-parliament.org")


@dataclass(frozen=True)
class Case:
    technique: str
    label: str  # "attack" or "genuine"
    raw: bytes
    note: str
    token_expected: bool = True  # the attack carries the reader's address in some encoding
    batch_only: bool = False  # the per-recipient id shows only across copies


def _auth(domain: str, *, aligned: bool = True) -> str:
    if aligned:
        return (f"{AUTHSERV}; spf=pass smtp.mailfrom=bounce@{domain}; dkim=pass header.d={domain}; "
                f"dmarc=pass header.from={domain}")
    return f"{AUTHSERV}; spf=none smtp.mailfrom={domain}; dkim=none; dmarc=none"


def _message(
    *, sender: str, display: str, subject: str, text: str, html: str, to: str = READER, to_name: str = READER_NAME,
    auth_domain: str = "", aligned: bool = True, headers: dict[str, str] | None = None, n: int = 0,
) -> bytes:
    msg = EmailMessage()
    msg["Authentication-Results"] = _auth(auth_domain or sender.rsplit("@", 1)[1], aligned=aligned)
    msg["Received"] = f"from relay{n}.example.net ([192.0.2.{10 + n}]) by {AUTHSERV} with ESMTPS; Tue, 03 Mar 2026 09:15:00 +0000"
    msg["From"] = f'"{display}" <{sender}>' if display else sender
    msg["To"] = f"{to_name} <{to}>" if to_name else to
    msg["Subject"] = subject
    msg["Date"] = "Tue, 03 Mar 2026 09:15:00 +0000"
    msg["Message-ID"] = f"<adv-{hashlib.sha1((sender + subject + to + str(n)).encode()).hexdigest()[:16]}@example.net>"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def _html(body: str, pixel: str, *, hidden: str = "pixel") -> str:
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    if hidden == "pixel":
        img = f'<img src="{pixel}" width="1" height="1" alt="">'
    elif hidden == "style":
        img = f'<img src="{pixel}" style="display:none" alt="">'
    else:
        img = f'<img src="{pixel}" width="120" height="40" alt="logo">'
    return f"<html><body>{paras}{img}</body></html>"


def _b64(text: str, *, url: bool = True, pad: bool = False) -> str:
    out = (base64.urlsafe_b64encode if url else base64.b64encode)(text.encode()).decode()
    return out if pad else out.rstrip("=")


def _personal(n: int, greeting: str = "Dear Ms Keller,") -> str:
    topics = ("the committee's hearing on supply chains", "your remarks on export controls",
              "the inter-parliamentary delegation", "the draft report on foreign interference",
              "last week's debate on telecoms security", "the new sanctions regime")
    return (f"{greeting}\n\nI am preparing a piece on {topics[n % len(topics)]} and would be grateful "
            "for a short comment or a call this week.\n\nWith best regards")


# -- impersonation nobody listed ------------------------------------------------------

_PAPERS = ("Harrowgate Gazette", "Kelby Valley Herald", "Dunmore Chronicle", "Westfold Courier", "Ashby Tribune",
           "Lowmoor Observer", "Tarrant Evening Post")


def regional_paper(n: int) -> list[Case]:
    paper = _PAPERS[n % len(_PAPERS)]
    slug = paper.lower().replace(" ", "")
    domain = f"{slug}-news.co.uk"
    token = _b64(READER)
    attack = _message(
        sender=f"newsdesk@{domain}", display=f"Claire Dunn | {paper}", subject=f"{paper}: request for comment",
        text=_personal(n) + f"\nClaire Dunn\nPolitical reporter, {paper}",
        html=_html(_personal(n) + f"\n\nClaire Dunn<br>Political reporter, {paper}",
                   f"https://{domain}/img/spacer.gif?r={token}"), n=n)
    genuine = _message(
        sender=f"newsletter@{slug}.co.uk", display=paper, subject=f"{paper} morning briefing",
        text="Dear Maria,\n\nToday's headlines.\n\nUnsubscribe: https://example.net/u",
        html=_html("Dear Maria,\n\nToday's headlines.\n\n<a href='https://example.net/u'>Unsubscribe</a>",
                   f"https://{slug}.us3.list-manage.com/track/open.php?u=ab12&id=cd34&e={hashlib.md5(READER.encode()).hexdigest()[:10]}"),
        headers={"List-Unsubscribe": "<https://example.net/u>", "List-Id": f"<briefing.{slug}.co.uk>"}, n=n)
    return [Case("regional-paper", "attack", attack, f"{paper} on its own new domain, address pixel"),
            Case("regional-paper", "genuine", genuine, f"{paper} newsletter through Mailchimp", token_expected=False)]


_TANKS = (("Chatham House", "chathamhouse-research.org", True), ("Centre for Eastern Policy Studies", "ceps-east.org", False),
          ("Royal United Services Institute", "rusi-analysis.org", True), ("Baltic Institute for Strategic Dialogue", "bisd-baltic.org", False),
          ("Atlantic Council", "atlanticcouncil-eu.org", True), ("Foundation for Northern Security", "fns-policy.org", False))


def think_tank(n: int) -> list[Case]:
    name, domain, listed = _TANKS[n % len(_TANKS)]
    hashed = hashlib.sha256(READER.encode()).hexdigest()
    pixel = (f"https://{domain}/wp-content/uploads/pix.png?h={hashed}" if n % 2 else
             f"https://cdn-stat{n}.example-analytics.net/o/{hashed}.gif")
    text = (f"Dear Ms Keller,\n\nWe are convening a closed roundtable on parliamentary oversight of "
            "foreign investment and would be honoured by your participation.\n\nKind regards\nDr Anna Weiss\n"
            f"Senior Fellow, {name}")
    attack = _message(sender=f"anna.weiss@{domain}", display=f"Dr Anna Weiss, {name}", subject="Invitation: roundtable",
                      text=text, html=_html(text.replace("\n", "<br>"), pixel), n=n)
    # a real fellow writing from the organisation's own domain with a sales tracker
    real_domain = {"Chatham House": "chathamhouse.org", "Royal United Services Institute": "rusi.org",
                   "Atlantic Council": "atlanticcouncil.org"}.get(name, domain)
    genuine = _message(sender=f"anna.weiss@{real_domain}", display=f"Anna Weiss ({name})", subject="Roundtable follow-up",
                       text=text, html=_html(text.replace("\n", "<br>"),
                                             f"https://mailtrack.io/trace/mail/{hashlib.sha1(str(n).encode()).hexdigest()}.png?u=1234"),
                       n=n)
    note = "listed, lookalike domain" if listed else "unlisted, own new domain"
    return [Case("think-tank", "attack", attack, f"{name}: {note}, sha256 pixel"),
            Case("think-tank", "genuine", genuine, f"{name}: real fellow with Mailtrack", token_expected=False)]


_OUTLETS = ("the Financial Times", "The Guardian", "Reuters", "The Economist", "Le Monde", "The New York Times")


def freelance_own_domain(n: int) -> list[Case]:
    outlet = _OUTLETS[n % len(_OUTLETS)]
    person = ("Tom Reyes", "Lena Ortmann", "Sam Okafor", "Julia Berne", "Mark Hale", "Eva Lund")[n % 6]
    domain = person.lower().replace(" ", "") + "-media.com"
    cut = hashlib.sha256(READER.encode()).hexdigest()[:20]
    text = (f"Dear Ms Keller,\n\nI am a journalist and I write for {outlet}. I am working on a feature about "
            "foreign influence in parliaments and would value twenty minutes of your time.\n\nBest wishes\n"
            f"{person}")
    attack = _message(sender=f"{person.split()[0].lower()}@{domain}", display=person, subject="Interview request",
                      text=text, html=_html(text.replace("\n", "<br>"), f"https://{domain}/t/{cut}.png"), n=n)
    genuine = _message(sender=f"{person.split()[0].lower()}@{domain}", display=person, subject="Interview request",
                       text=text, html=_html(text.replace("\n", "<br>"),
                                             f"https://mailtrack.io/trace/mail/{hashlib.sha1(person.encode()).hexdigest()}.png?u=77"),
                       n=n)
    return [Case("freelance-own-domain", "attack", attack, f"writes for {outlet}, own domain, sha256[:20] pixel"),
            Case("freelance-own-domain", "genuine", genuine, "same freelancer with Mailtrack", token_expected=False)]


_ACCOUNTS = (("prof.lindgren", "uu.se"), ("h.meyer", "uni-hamburg.de"), ("j.clarke", "kcl.ac.uk"),
             ("a.novak", "cuni.cz"), ("p.ricci", "unibo.it"), ("m.tan", "nus.edu.sg"))


def compromised_account(n: int) -> list[Case]:
    local, domain = _ACCOUNTS[n % len(_ACCOUNTS)]
    b32 = base64.b32encode(READER.encode()).decode().rstrip("=").lower()
    if n % 2:
        pixel = f"https://www.bakery-{n}.example-shop.com/wp-content/plugins/gallery/p.php?u={b32}"
    else:
        pixel = f"https://bit.ly/3{hashlib.md5(READER.encode()).hexdigest()[:6]}?r={_b64(READER)}"
    text = ("Dear Maria,\n\nFollowing our conversation at the conference, please find the programme of "
            "the spring workshop below. Looking forward to seeing you.\n\nBest\n" + local)
    attack = _message(sender=f"{local}@{domain}", display="", subject="Spring workshop programme", text=text,
                      html=_html(text.replace("\n", "<br>"), pixel, hidden="style"), n=n)
    genuine = _message(sender=f"{local}@{domain}", display="", subject="Spring workshop programme", text=text,
                       html=_html(text.replace("\n", "<br>"), f"https://{domain}/images/logo.png", hidden="visible"), n=n)
    return [Case("compromised-account", "attack", attack, f"{domain} account, hidden token on a hacked site or shortener"),
            Case("compromised-account", "genuine", genuine, "same account, its own logo", token_expected=False)]


def newsletter_platform(n: int) -> list[Case]:
    outlet, person = (("Reuters", "Jane Doe"), ("BBC News", "Rob Hill"), ("The Washington Post", "Kate Moss"),
                      ("Bloomberg", "Ian Watt"), ("Financial Times", "Nora Field"), ("Der Spiegel", "Uwe Kahl"))[n % 6]
    platform = ("substack.com", "beehiiv.com")[n % 2]
    slug = person.lower().replace(" ", "")
    text = (f"Dear Ms Keller,\n\nAs {outlet}'s correspondent covering European security I would like to ask you "
            f"about the committee's findings.\n\nRegards\n{person}\nCorrespondent, {outlet}")
    pixel = (f"https://email.mg1.{platform}/o/{_b64(json.dumps({'e': READER, 'p': n}))}" if platform == "substack.com"
             else f"https://link.mail.{platform}/ss/o/{_b64(READER)}/{n}")
    headers = {"List-Unsubscribe": f"<https://{slug}.{platform}/action/disable_email>"}
    attack = _message(sender=f"{slug}@{platform}", display=person, subject="Question for you", text=text,
                      html=_html(text.replace("\n", "<br>"), pixel), headers=headers, auth_domain=platform, n=n)
    gtext = f"This week in European security.\n\nRead online.\n\n{person}\n\nUnsubscribe"
    genuine = _message(sender=f"{slug}@{platform}", display=f"{person}'s notes", subject="This week", text=gtext,
                       html=_html(gtext.replace("\n", "<br>"), pixel), headers=headers, auth_domain=platform,
                       to="undisclosed-recipients:;", to_name="", n=n)
    return [Case("newsletter-platform", "attack", attack, f"'{person} | {outlet}' through {platform}"),
            Case("newsletter-platform", "genuine", genuine, f"{person}'s own {platform} newsletter", token_expected=False)]


# -- token encodings --------------------------------------------------------------------

def _token_case(technique: str, n: int, url: str, note: str, *, token: bool = True, batch: bool = False,
                to: str = READER) -> Case:
    domain = ("policy-desk.net", "eu-affairs-review.org", "northern-briefing.com", "civic-ledger.org", "agora-notes.net")[n % 5]
    text = _personal(n)
    raw = _message(sender=f"editor@{domain}", display="Mark Ellis", subject="A question", text=text,
                   html=_html(text, url.replace("{domain}", domain)), to=to, n=n)
    return Case(technique, "attack", raw, note, token_expected=token, batch_only=batch)


def _genuine_esp(technique: str, n: int, url: str) -> Case:
    text = "Hello Maria,\n\nThis month's members' bulletin.\n\nUnsubscribe: https://example.org/u"
    raw = _message(sender="bulletin@members-association.org", display="Members' Association", subject="Bulletin",
                   text=text, html=_html(text, url), headers={"List-Unsubscribe": "<https://example.org/u>"}, n=n)
    return Case(technique, "genuine", raw, "association bulletin through an ESP", token_expected=False)


def _json_b64(n: int) -> str:
    blob = json.dumps({"cid": "x" * (n * 3 + 1), "email": READER, "ts": 1700000000 + n}).encode()
    return base64.urlsafe_b64encode(blob).decode().rstrip("=") if n % 2 else base64.urlsafe_b64encode(blob).decode()


TOKEN_TECHNIQUES = {
    "token-base32": lambda n: base64.b32encode(READER.encode()).decode().rstrip("=" if n % 2 else "").swapcase()
    if n % 3 == 0 else base64.b32encode(READER.encode()).decode().rstrip("=" if n % 2 else ""),
    "token-split-path": lambda n: "/".join(READER.split("@")) if n % 2 else "/".join(reversed(READER.split("@"))),
    "token-sha256-cut": lambda n: hashlib.sha256(READER.encode()).hexdigest()[: 16 + 2 * n],
    "token-base64url-json": _json_b64,
    "token-double-urlencoded": lambda n: quote(quote(READER, safe=""), safe=""),
    "token-reversed": lambda n: READER[::-1],
    "token-rot13": lambda n: codecs.encode(READER, "rot13"),
}


def token_cases(n: int) -> list[Case]:
    out = []
    for technique, make in TOKEN_TECHNIQUES.items():
        value = make(n)
        url = (f"https://{{domain}}/p/{value}/x.gif" if technique == "token-split-path"
               else f"https://{{domain}}/o.gif?u={value}")
        out.append(_token_case(technique, n, url, f"{technique} in the pixel URL"))
        out.append(_genuine_esp(technique, n, f"https://sendgrid.net/wf/open?upn={_b64('member-' + str(n) * 12)}"))
    # a token as a subdomain label: a digest (DNS labels are case-insensitive)
    label = hashlib.md5(READER.encode()).hexdigest()[: 16 + n] if n % 2 else base64.b32encode(READER.encode()).decode().rstrip("=").lower()[:60]
    label_url = f"https://{label}.t.{{domain}}/p.gif" if n % 2 else f"https://{label[:30]}.{label[30:]}.t.{{domain}}/p.gif"
    out.append(_token_case("token-subdomain-label", n, label_url, "token as a subdomain label"))
    out.append(_genuine_esp("token-subdomain-label", n, "https://images.members-association.org/logo.png"))
    return out


def numeric_id_copies(n: int) -> list[Case]:
    """One mailing, five copies: a short numeric id per recipient (visible only across copies)."""
    out = []
    for i, rcpt in enumerate((READER, *OTHERS)):
        url = f"https://{{domain}}/o.gif?c=spring&r={4100 + 17 * i + n}"
        case = _token_case("token-numeric-id", n, url, "short numeric id per recipient", batch=True, to=rcpt)
        out.append(case)
    return out


KNOWN_DOMAINS = frozenset(domain for _, domain in _ACCOUNTS)  # senders with history (the gateway's view)

_RECEIPT_PERSONAS = (("Reuters", "Reuters", "reuters-newsdesk.com", "reuters.com"),
                     ("Chatham House", "Chatham House", "chathamhouse-research.org", "chathamhouse.org"),
                     ("The Economist", "The Economist", "economist-briefings.com", "economist.com"),
                     ("Atlantic Council", "Atlantic Council", "atlanticcouncil-eu.org", "atlanticcouncil.org"),
                     ("the Financial Times", "Financial Times", "ft-correspondents.com", "ft.com"))


def read_receipt(n: int) -> list[Case]:
    """No image, no link: the lure asks the reader's mail client for a read receipt to
    another mailbox, which confirms the address and the time of reading as a pixel would
    and gets past image blocking. The genuine counterpart is the real organisation's
    person asking for a receipt to their own address."""
    name, display, fake, real = _RECEIPT_PERSONAS[n % len(_RECEIPT_PERSONAS)]
    person = ("Claire Dunn", "Anna Weiss", "Sam Okafor", "Lena Ortmann", "Mark Hale")[n % 5]
    local = person.lower().replace(" ", ".")
    text = _personal(n) + f"\n{person}\n{display}"
    html = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    attack = _message(sender=f"{local}@{fake}", display=f"{person} | {display}", subject=f"{display}: request for comment",
                      text=text, html=f"<html><body>{html}</body></html>", n=n,
                      headers={"Disposition-Notification-To": f"<receipts.{n}@{fake}>" if n % 2 else
                               f"opened.{person.split()[1].lower()}{n}@gmail.com"})
    genuine = _message(sender=f"{local}@{real}", display=f"{person} | {display}", subject=f"{display}: request for comment",
                       text=text, html=f"<html><body>{html}</body></html>", n=n,
                       headers={"Disposition-Notification-To": f"{person} <{local}@{real}>"})
    return [Case("read-receipt", "attack", attack, f"{name} on a lookalike domain, receipt to another mailbox, no image",
                 token_expected=False),
            Case("read-receipt", "genuine", genuine, f"{name}'s own person, receipt to their own address",
                 token_expected=False)]


# a 1x1 PNG: the genuine letter's logo, carried as a part of its multipart/related
_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def header_base(n: int) -> list[Case]:
    """The pixel is written as a relative name (``<img src="p.gif">``, which loads
    nothing) and the HTML part's MIME header names the base that makes it remote:
    ``Content-Base``, or ``Content-Location``, which Thunderbird writes into the page as
    its ``<base>``. The reader's address is in the base's path. The genuine counterpart
    is the real organisation's person sending a saved web letter (MHTML): the HTML part's
    Content-Location is their own site and the logo it names travels in the message."""
    name, display, fake, real = _RECEIPT_PERSONAS[n % len(_RECEIPT_PERSONAS)]
    person = ("Claire Dunn", "Anna Weiss", "Sam Okafor", "Lena Ortmann", "Mark Hale")[n % 5]
    local = person.lower().replace(" ", ".")
    text = _personal(n) + f"\n{person}\n{display}"
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    token = _b64(READER)
    base = (("Content-Base", f'"https://{fake}/o/{token}/"') if n % 2 else
            ("Content-Location", f"https://cdn{n}.static-pages.net/{token}/letter.html"))
    attack = _message(sender=f"{local}@{fake}", display=f"{person} | {display}", subject=f"{display}: request for comment",
                      text=text, html=f'<html><body>{paras}<img src="p.gif" width="1" height="1" alt=""></body></html>', n=n)
    attack = _with_html_header(attack, *base)
    genuine = EmailMessage()
    genuine["Authentication-Results"] = _auth(real)
    genuine["From"] = f'"{person} | {display}" <{local}@{real}>'
    genuine["To"] = f"{READER_NAME} <{READER}>"
    genuine["Subject"] = f"{display}: request for comment"
    genuine["Date"] = "Tue, 03 Mar 2026 09:15:00 +0000"
    genuine["Message-ID"] = f"<adv-mhtml-{n}@{real}>"
    genuine.set_content(f'<html><body>{paras}<img src="logo.png" width="120" height="40" alt="{display}"></body></html>',
                        subtype="html")
    genuine.make_related()
    genuine.get_payload()[0]["Content-Location"] = f"https://www.{real}/letters/comment.html"  # type: ignore[index]
    genuine.add_related(_PNG, maintype="image", subtype="png")
    genuine.get_payload()[1]["Content-Location"] = f"https://www.{real}/letters/logo.png"  # type: ignore[index]
    return [Case("header-base", "attack", attack, f"{name} on a lookalike domain, relative pixel, remote base in the part header"),
            Case("header-base", "genuine", genuine.as_bytes(), f"{name}'s own person, a saved web letter with its logo",
                 token_expected=False)]


def _with_html_header(raw: bytes, name: str, value: str) -> bytes:
    """``raw`` with the field ``name: value`` written as is (no encoded words, which the
    client would not decode) into the header of its HTML part."""
    marker = b'Content-Type: text/html; charset="utf-8"\n'
    assert raw.count(marker) == 1
    return raw.replace(marker, marker + f"{name}: {value}\n".encode())


IMPERSONATION = (regional_paper, think_tank, freelance_own_domain, compromised_account, newsletter_platform,
                 read_receipt, header_base)


def build_cases(per_technique: int = 5) -> list[Case]:
    cases: list[Case] = []
    for n in range(per_technique):
        for make in IMPERSONATION:
            cases.extend(make(n))
        cases.extend(token_cases(n))
    for n in range(per_technique):
        from tests.recon.adversarial_attachments import attachment_cases

        for technique, label, raw, note in attachment_cases(n):
            cases.append(Case(technique, label, raw, note, token_expected=label == "attack"))
    # the numeric-id technique: one mailing of five copies per round
    for n in range(per_technique):
        cases.extend(numeric_id_copies(n))
    return cases
