"""The facts schema: the analysed message as rules see it.

Rules are CEL expressions over a plain dict of primitives, lists and maps built by
``mailward.facts.build.build_facts``. This module declares every field once, with
its type and meaning; the rule linter checks each rule's field paths against it and
``scripts/gen_rules_doc.py`` renders it into docs/rules.md.

Bump ``FACTS_VERSION`` when a field is removed or changes meaning; adding a field
does not need a bump (rules that do not use it are unaffected).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

FACTS_VERSION = 1

# primitive type names as CEL sees them
STRING, INT, BOOL = "string", "int", "bool"


@dataclass(frozen=True)
class Field:
    """One field: ``type`` is string/int/bool, ``list<string>``, ``object`` or ``list<object>``."""

    type: str
    doc: str
    fields: Mapping[str, Field] = field(default_factory=dict)

    @property
    def is_object(self) -> bool:
        return self.type == "object"

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list<")

    @property
    def element(self) -> Field:
        """The element of a list field."""
        inner = self.type[5:-1]
        return Field(inner, self.doc, self.fields)

    def example(self) -> Any:
        """A populated value of this type (used to type-check rules at load time)."""
        if self.type == STRING:
            return "x"
        if self.type == INT:
            return 1
        if self.type == BOOL:
            return True
        if self.type == "object":
            return {name: sub.example() for name, sub in self.fields.items()}
        if self.is_list:
            return [self.element.example()]
        raise ValueError(f"unknown type {self.type}")

    def empty(self) -> Any:
        """A fresh empty value: "", 0, False, [] or a map of empty fields. Made by a
        function compiled once per field (a dict display), not by walking the fields for
        every message: the facts builder asks for several sections' empties per scan."""
        entry = _EMPTY_MAKERS.get(id(self))
        if entry is None or entry[0] is not self:
            if len(_EMPTY_MAKERS) >= 256:
                _EMPTY_MAKERS.clear()
            code = compile(f"lambda: {self._empty_code()}", "<schema>", "eval")
            entry = _EMPTY_MAKERS[id(self)] = (self, eval(code, {"__builtins__": {}}))  # noqa: S307 - from field names only
        return entry[1]()

    def _empty_code(self) -> str:
        if self.type == STRING:
            return "''"
        if self.type == INT:
            return "0"
        if self.type == BOOL:
            return "False"
        if self.type == "object":
            return "{" + ", ".join(f"{str(name)!r}: {sub._empty_code()}" for name, sub in self.fields.items()) + "}"
        return "[]"


_EMPTY_MAKERS: dict[int, tuple[Field, Callable[[], Any]]] = {}


def _obj(doc: str, **fields: Field) -> Field:
    return Field("object", doc, fields)


def _list(doc: str, **fields: Field) -> Field:
    return Field("list<object>", doc, fields)


def _string(doc: str) -> Field:
    return Field(STRING, doc)


def _integer(doc: str) -> Field:
    return Field(INT, doc)


def _boolean(doc: str) -> Field:
    return Field(BOOL, doc)


def _strings(doc: str) -> Field:
    return Field("list<string>", doc)


SCHEMA: dict[str, Field] = {
    "message": _obj(
        "The message as a whole.",
        subject=_string("Subject, decoded."),
        message_id=_string("Message-ID without angle brackets."),
        size=_integer("Raw size in bytes."),
        part_count=_integer("Number of MIME parts."),
        has_html=_boolean("Has a text/html part."),
        has_text=_boolean("Has a text/plain part."),
        date_missing=_boolean("No parseable Date header."),
        message_id_missing=_boolean("No Message-ID header."),
        recipients=_strings("Who this copy was for (envelope, Delivered-To, To, Cc), lower case."),
        recipient_count=_integer("Number of recipients known."),
        limits_hit=_strings("Names of parse limits exceeded (analysis was truncated)."),
        received_count=_integer("Number of Received headers."),
        mailer=_string("X-Mailer or User-Agent, lower case."),
        list_unsubscribe=_boolean("Has a List-Unsubscribe header (bulk mail)."),
        subject_has_recipient=_boolean("The subject spells out a recipient's full address ('jane@example.org, your parcel')."),
        disguised_words=_strings("Words of the subject or From display name disguised against filters: another script's look-alike letters inside a Latin word, a digit or a letter of the other case for a letter ('Lоcаl', '0fficiaI', 'BiIIing'); at most 5."),
        list_id=_string("List-Id header value, lower case."),
        precedence=_string("Precedence header value, lower case."),
    ),
    "sender": _obj(
        "Who sent it: From and the other sender headers.",
        address=_string("First From address, lower case."),
        local=_string("Local part of the From address."),
        domain=_string("From domain (Unicode, lower case)."),
        domain_ascii=_string("From domain in ASCII/punycode."),
        registrable=_string("Registrable domain of the From address."),
        display_name=_string("From display name."),
        from_count=_integer("Number of From addresses."),
        free_mail=_boolean("From domain is a free-mail or disposable-mail provider."),
        display_name_address=_string("An address written inside the display name that is not the From address, else ''."),
        reply_to=_strings("Reply-To addresses, lower case."),
        reply_to_registrable=_strings("Registrable domains of the Reply-To addresses."),
        reply_to_elsewhere=_boolean("A Reply-To points to another registrable domain than From."),
        reply_to_free_mail=_boolean("A Reply-To is on free mail while From is not the same address."),
        reply_to_free_other=_boolean("From is on free mail and a Reply-To is another free-mail mailbox (another provider, or another address at the same one)."),
        return_path=_string("Return-Path address, lower case."),
        return_path_registrable=_string("Registrable domain of Return-Path."),
        sender_header=_string("Sender header address, lower case."),
        receipt_to=_strings("Addresses a read receipt is asked for (Disposition-Notification-To, Return-Receipt-To, X-Confirm-Reading-To), lower case."),
        receipt_elsewhere=_boolean("A read receipt is asked for to another mailbox than the From address."),
        receipt_other_domain=_boolean("A read receipt is asked for to a mailbox on another registrable domain than From."),
        domain_invalid=_boolean("The From address has no usable domain (no dot, no public suffix: 'parcelas@correios')."),
        hosting=_string("The From domain is on a hosting service anyone can use (data/hosting.yaml: free-hosting, cloud-bucket, ...), else ''."),
        address_obfuscated=_boolean("The From field is written to dodge filters: a space before the closing '>' or a chain of one-letter labels (a.b.c.d.host.com)."),
    ),
    "auth": _obj(
        "Authentication results trusted by this installation (Authentication-Results from configured authserv-ids, or live checks).",
        present=_boolean("Trusted authentication results were found."),
        spf=_string("SPF result: pass, fail, softfail, neutral, none, temperror, permerror, or '' when unknown."),
        dkim=_string("Best DKIM result ('pass' when any signature passed)."),
        dmarc=_string("DMARC result."),
        spf_domain=_string("The SPF-authenticated MAIL FROM domain."),
        dkim_domains=_strings("d= domains of DKIM signatures that passed."),
        spf_aligned=_boolean("SPF domain aligned with the From domain (relaxed)."),
        dkim_aligned=_boolean("A passing DKIM domain aligned with the From domain (relaxed)."),
        aligned=_boolean("DMARC alignment holds (SPF or DKIM aligned and passing)."),
    ),
    "identity": _obj(
        "Who the message claims to be, and whether that holds up.",
        claim=_obj(
            "The claimed identity, when there is one.",
            kind=_string("outlet, organisation, person, or '' when nothing is claimed."),
            name=_string("Name of the claimed outlet, organisation or person."),
            where=_string("Where the claim is made: display_name, subject, signature, local_part."),
            text=_string("The text that makes the claim."),
            official_domains=_strings("Official domains of the claimed identity."),
            status=_string("holds, unverified, spoofed, lookalike, free-mail, unrelated-domain (or '')."),
            journalist=_boolean("The claim is a journalist of the outlet (a person named with it)."),
            person=_string("For journalist claims: the person named alongside the outlet."),
        ),
        claimed=_boolean("Something is claimed (claim.kind != '')."),
        claim_holds=_boolean("The claim is backed by the sending identity (aligned, official domain). True when nothing is claimed."),
        claim_mismatch=_boolean("A claim is made and the sending domain is not one of the claimed identity's."),
        protected_person=_boolean("The claim names a protected person of this organisation."),
        own_organisation=_boolean("The claim is this organisation (its own domains)."),
        lookalike=_obj(
            "Lookalike domain found among From, Reply-To, Return-Path or DKIM domains.",
            kind=_string("typo, homoglyph, mixed_script, combosquat, tld_swap, subdomain, or ''."),
            domain=_string("The lookalike domain."),
            target=_string("The real domain it imitates."),
            brand=_string("The outlet or organisation it imitates."),
            header=_string("Where the lookalike domain appears: from, reply_to, return_path, dkim, link."),
            variant=_string("The analyser's finer kind (keyboard, doubled-letter, missing-letter, transposition, ...)."),
            detail=_string("Plain words on how the domain imitates the target."),
            own=_boolean("The imitated domain is one of this organisation's own."),
        ),
        findings=_strings("Names of the identity analyser's own findings, for reference."),
        summary=_string("The identity analyser's plain-words explanation."),
    ),
    "brand": _obj(
        "Brands and services the message claims to be (data/brands.yaml), and this organisation's own IT services; the most telling failing claim first.",
        claimed=_boolean("A brand or own service is claimed."),
        name=_string("Name of the claimed brand ('Microsoft', 'DHL'), or of the organisation's IT services."),
        kind=_string("Brand kind (idp, saas, bank, payment, delivery, postal, tax, government, telecom, crypto, security, retailer, ...) or 'own-service'."),
        where=_string("Where the claim is made: display_name, local_part, subject, signature, logo (an image's alt text)."),
        text=_string("The text that makes the claim."),
        official_domains=_strings("A few official domains of the claimed brand (the organisation's own for own-service)."),
        official_sites=_strings("The registrable domains of all the claimed brand's official domains (the organisation's own for own-service): a link here goes to the brand's own site."),
        status=_string("holds, unverified, spoofed, lookalike, free-mail, unrelated-domain (or '')."),
        mismatch=_boolean("A claim is made and the From domain is not one of the brand's (or the organisation's, for own-service)."),
        own_service=_boolean("The claim is this organisation's own IT services ('IT Service Desk', 'Mail Administrator')."),
        names=_strings("Every brand claimed, failing claims first (at most 10)."),
        sender_brand=_string("A brand written into the From domain, which is not the brand's ('paypal-secure.com'), else ''."),
        sender_official=_string("The brand whose official domain the From domain is ('Microsoft' for accountprotection.microsoft.com), whether or not the message claims it, else ''."),
    ),
    "history": _obj(
        "Sender history for this recipient/organisation.",
        known=_boolean("History was available for this message."),
        first_contact=_boolean("Neither this sender address nor its domain wrote here before (False when history is unknown)."),
        sender_seen=_integer("Earlier messages from this address."),
        domain_seen=_integer("Earlier messages from this registrable domain."),
    ),
    "beacons": _list(
        "Remote loads and tracked links (from the beacon analyser): one entry per distinct kind, host, tracker and token kind, at most 40; beacon_summary counts them all.",
        url=_string("The URL."),
        kind=_string("pixel, hidden, remote, css, stylesheet, font, frame, media, link, ..."),
        host=_string("Host of the URL."),
        registrable=_string("Registrable domain of the host."),
        operator=_string("Tracker service name, else the registrable domain."),
        tracker=_string("Tracker registry service name, '' when not a known service."),
        per_recipient=_boolean("The URL carries a token tied to the recipient."),
        token_encoding=_string("How the token encodes the recipient (raw, base64url, sha256(lower), opaque, batch, ...)."),
        token_confidence=_string("high, medium, low, or ''."),
        leaks=_strings("What opening/clicking leaks: ip, location, device, mail-client, open-time, identity, click."),
        evidence=_string("Why this is a beacon, in words."),
        sender_aligned=_boolean("The beacon host's registrable domain is the sender's registrable domain."),
        part=_string("MIME part path the beacon was found in."),
        in_attachment=_boolean("Found in an attachment the analysis opened (HTML page, calendar, Office, PDF, SVG, shortcut)."),
    ),
    "beacon_summary": _obj(
        "Counts over beacons.",
        count=_integer("All beacons."),
        loads=_integer("Beacons that load on open (every kind but link)."),
        pixels=_integer("Tiny images (kind pixel)."),
        hidden=_integer("Hidden remote loads (kind hidden)."),
        per_recipient=_integer("Beacons with a per-recipient token."),
        per_recipient_high=_integer("Per-recipient tokens that decode to the recipient's address."),
        unknown_operator_loads=_integer("Loads on open whose operator is not a known tracking service."),
        in_attachments=_integer("Beacons found in attachments."),
        operators=_strings("Distinct operators."),
        description=_string("One sentence saying what opening the message leaks and to whom."),
    ),
    "links": _list(
        "Links the reader can click (http, https and bare): one entry per distinct host, shown domain and tracker, at most 40; link_summary counts them all.",
        url=_string("The href as written."),
        scheme=_string("URL scheme, lower case."),
        host=_string("Host, lower case ('' when none)."),
        registrable=_string("Registrable domain of the host."),
        text=_string("Visible link text."),
        text_domain=_string("A domain shown in the visible text ('' if none)."),
        text_mismatch=_boolean("The text shows a domain whose registrable domain differs from the href's (or the href is a raw IP address)."),
        text_is_url=_boolean("text_mismatch, and the text is itself a URL (http://, https://, www.)."),
        ip_host=_boolean("The host is a raw IP address (dotted, integer or hex form)."),
        shortener=_boolean("The host is a URL shortener."),
        tracker=_string("Click-tracking service when the href is a known redirector, else ''."),
        destination=_string("The real destination carried by a click redirector, else ''."),
        login_words=_boolean("Link text, host or URL path speaks of logging in, verifying or resetting an account."),
        lookalike=_string("Lookalike kind when the host imitates an outlet or own domain, else ''."),
        lookalike_target=_string("The domain the host imitates, else ''."),
        own_brand=_boolean("The host is not one of this organisation's domains but contains one written differently (parliament-example.evil.net, parliamentexample.com, parliament.example.evil.net)."),
        source=_string("html or text."),
        brand_host=_string("A brand written into the host (or the unwrapped destination's host), which is not the brand's: login.microsoftonline.com.evil.net, paypal-secure.com; else ''."),
        brand_path=_string("A brand's official domain or name written into the URL path of an unrelated host ('/www.paypal.com/signin'), else ''."),
        hosting=_string("free-hosting, cloud-bucket, form, ipfs, dynamic-dns, tunnel or file-share when the host (or unwrapped destination) is such a service (data/hosting.yaml), else ''."),
        hosting_service=_string("The hosting service's name, else ''."),
        punycode=_boolean("The host has an IDNA (xn--) label."),
        redirect_host=_string("Host of the destination an open redirector or redirect parameter carries (decoded from the URL), else ''."),
        host_encoded=_boolean("The host was written with percent escapes (%70aypal.%63om); host and registrable are the decoded name."),
        action_text=_boolean("The visible text asks the reader to act on an account: click here, update, renew, verify, log in (six languages)."),
    ),
    "link_summary": _obj(
        "Counts over links.",
        count=_integer("All links."),
        hosts=_strings("Distinct hosts (at most 40)."),
        ip_hosts=_integer("Links to raw IP addresses."),
        shorteners=_integer("Links through URL shorteners."),
        text_mismatches=_integer("Links whose text shows another domain."),
        url_text_mismatches=_integer("Links whose text is a URL of another domain."),
        lookalikes=_integer("Links to lookalike domains."),
        own_brand=_integer("Links to foreign hosts that contain this organisation's domain name."),
        brand_hosts=_integer("Links whose host carries a brand it does not belong to."),
        brand_paths=_integer("Links whose path carries a brand the host does not belong to."),
        hosting=_integer("Links to free hosting, cloud buckets, forms, IPFS, dynamic DNS, tunnels or file shares."),
        hosting_kinds=_strings("Distinct hosting kinds linked to."),
        punycode=_integer("Links to hosts with an IDNA (xn--) label."),
        redirects=_integer("Links through an open redirector or redirect parameter to another host."),
        script_links=_integer("javascript:, data: or vbscript: links."),
        brands=_strings("Brands written into link hosts or paths (at most 10)."),
        encoded_hosts=_integer("Links whose host is written with percent escapes."),
    ),
    "forms": _list(
        "HTML forms in the message.",
        action=_string("Form action URL."),
        action_host=_string("Host of the action URL."),
        has_password=_boolean("Has a password input."),
    ),
    "attachments": _list(
        "Attachments, including inline parts with a file name.",
        filename=_string("Declared file name."),
        ext=_string("Last extension, lower case, without the dot."),
        exts=_strings("Every extension in the name (double extensions), lower case."),
        declared_type=_string("Declared content type."),
        sniffed_type=_string("Content type from magic bytes ('' when unknown)."),
        size=_integer("Size in bytes."),
        category=_string("executable, script, macro_office, html, archive, disk_image, shortcut, office, pdf, image, other."),
        type_mismatch=_boolean("Declared type or extension disagrees with the magic bytes in a way that matters."),
        encrypted=_boolean("A password-protected archive."),
        members=_strings("File names inside an archive (when readable)."),
        member_categories=_strings("Categories of the archive members."),
        part=_string("MIME part path of the attachment."),
        format=_string("Format the attachment analysis opened it as ('' when its type called for none): html, svg, "
                 "calendar, pdf, ooxml, odf, ole, rtf, archive, image, url-file, webloc, lnk, disk-image, onenote."),
        signals=_strings("What the analysis found, stable UPPER_SNAKE names (docs/attachments.md), e.g. "
                  "OOXML_EXTERNAL_TEMPLATE, VBA_MACRO, PDF_OPEN_URI, HTML_SCRIPT_REDIRECT, QR_URL."),
        signal_details=_strings("'SIGNAL: detail' lines (URL, member, object), at most 20."),
        remote_loads=_strings("URLs (http(s), ftp, UNC) the file loads when it is opened, at most 20."),
        link_count=_integer("Links found in the file (PDF links, calendar URLs, QR codes, ...)."),
        qr_urls=_strings("URLs decoded from QR codes in the file."),
        organizer=_string("Calendar: the ORGANIZER address."),
        organizer_registrable=_string("Calendar: registrable domain of the organizer."),
        organizer_elsewhere=_boolean("Calendar: the organizer's registrable domain differs from the sender's."),
        analysis_defects=_strings("Why the analysis was incomplete: ATTACHMENT_UNPARSABLE, ATTACHMENT_LIMIT, ATTACHMENT_TIME_LIMIT."),
    ),
    "mime": _obj(
        "MIME structure and defects.",
        defects=_strings("Defect kinds recorded by the parser (UPPER_SNAKE)."),
        defect_count=_integer("Number of defects."),
        evasion_defects=_strings("Defects that mail filters are known to disagree on (used to hide content)."),
        header_bases=_strings("Remote base URLs named in an HTML part's MIME header (Content-Base, else "
                              "Content-Location) that make relative URLs of the markup load or link there, "
                              "where the markup has no remote <base> of its own."),
    ),
    "content": _obj(
        "Text content (plain text and HTML text, truncated).",
        text=_string("Subject plus body text, at most 20,000 characters."),
        credential_phrases=_strings("Credential-phishing phrases found (lower case)."),
        urgency_phrases=_strings("Pressure phrases found (lower case)."),
        newsroom_words=_boolean("Speaks of an interview, article, story, comment request, or press."),
        contact_elsewhere=_string("A free-mail address other than the sender's that the body asks the reader to write to ('write to my private e-mail: ...'), lower case, else ''."),
        lure_topics=_strings("What the text asks for, by topic: credential, payment, delivery, prize, crypto, advance_fee, extortion, deadline (English, Portuguese, German, Spanish, French, Dutch)."),
        lure_phrases=_strings("The lure phrases found (lower case, at most 12)."),
        ad_footer=_string("A bulk-advertising footer ('This is an advertisement', 'the advertiser does not manage your subscription'), lower case, else ''."),
        body_chars=_integer("Characters of body text (without the subject), not counting spaces and line breaks."),
        phone_numbers=_integer("Phone numbers in the text (up to 10)."),
        amounts=_integer("Money amounts in the text ($499.99, 120 EUR; up to 10)."),
        order_words=_boolean("The text speaks of an invoice, order, receipt, subscription, renewal or purchase (six languages)."),
    ),
    "intel": _list(
        "Matches against imported threat intelligence (mailward intel import; empty when nothing is imported).",
        indicator=_string("The matching indicator value."),
        kind=_string("domain, url, email, ipv4, ipv6, sha256."),
        matched=_string("What in the message matched (host, address, URL, IP, hash)."),
        source=_string("Where the indicator came from (feed, file, CERT)."),
        confidence=_integer("0-100."),
        location=_string("Where it matched: from, reply-to, return-path, sender, receipt-to (a read-receipt request), envelope-from, link, beacon, resource, form, received, client-ip, attachment, message."),
    ),
    "recon": _obj(
        "Behaviour: a personal message that tags its one reader with a hidden or per-recipient load, whoever it claims to be (mailward.facts.recon).",
        personal=_boolean("One visible recipient, a salutation by name or role, and no bulk markers."),
        visible_recipients=_integer("Distinct To and Cc addresses."),
        salutation=_string("name, role, generic, or '' (no greeting in the first lines)."),
        salutation_text=_string("The greeting line as written."),
        bulk_markers=_strings("Why it looks like bulk mail: list-unsubscribe, list-id, feedback-id, precedence, role-sender, unsubscribe-text, mail-service, ..."),
        protected_recipient=_string("Name of the protected person this copy is for, else ''."),
        load_host=_string("Host of the strongest per-recipient (or hidden, opaque-token) load on open, else ''."),
        load_token=_string("address (decodes to the reader's address), identifier (a service's subscriber id), copies (an id that differs per recipient across the stored copies of one mailing: hunt only), opaque (a hidden load with an opaque id), or ''."),
        load_hiding=_string("hidden (pixel, hidden image), styled (CSS, font, frame), visible, or ''."),
        load_operator=_string("Who runs that load: sales_tool, mail_service, own_domain, shortener, third_party, or ''."),
        load_tracker=_string("Tracker registry name of that load's service, else ''."),
        new_load_host=_string("new / seen: whether this aligned known sender's earlier mail loaded from that host (only when the history records load hosts), else ''."),
        aligned_known_sender=_boolean("DMARC-aligned sender that wrote here before (history)."),
        org_claim=_obj(
            "An organisation claimed beyond the outlet list: think tank, NGO, university, international organisation, parliament, government, or an unlisted name with an organisation word (mailward.identity.organisations).",
            name=_string("Name as listed, or as written when unlisted."),
            kind=_string("think-tank, ngo, university, igo, parliament, government, news (bylines), unlisted, or ''."),
            where=_string("display_name, signature, byline."),
            text=_string("The text that makes the claim."),
            listed=_boolean("The organisation is in the reference data."),
            status=_string("holds, free-mail, lookalike, unrelated-domain, same-name (the listed name under another suffix: a national chapter or a TLD swap), name-in-domain (unlisted, the domain carries its name), or ''."),
            official_domains=_strings("The listed organisation's domains."),
        ),
        correspondent_lookalike=_obj(
            "The From domain imitates a domain this site already corresponds with (sender history or [recon] correspondents).",
            domain=_string("The From domain's registrable domain."),
            target=_string("The known correspondent's domain it imitates, else ''."),
        ),
    ),
    "org": _obj(
        "This installation's organisation (from the config).",
        domains=_strings("Own domains."),
        inbound_from_own=_boolean("The From domain is one of the own domains."),
    ),
    "model": _obj(
        "The learned content model (`scan --model` or [model] path; docs/model.md). All zero without a model.",
        enabled=_boolean("A content model scored this message."),
        score=_integer("The model's phishing probability in per mille (0-1000)."),
        threshold=_integer("The model's own threshold in per mille (set when it was trained)."),
        top=_strings("The features that pushed the score most (e.g. `b:password`), strongest first."),
    ),
}


def empty_facts() -> dict[str, Any]:
    """Facts with every field present and empty."""
    return {name: f.empty() for name, f in SCHEMA.items()}


def example_facts() -> dict[str, Any]:
    """Facts with every field populated (type-checks rules at load time)."""
    return {name: f.example() for name, f in SCHEMA.items()}


def iter_fields(
    fields: Mapping[str, Field] = SCHEMA, prefix: str = ""
) -> list[tuple[str, Field]]:
    """Every field path in order, lists shown as ``links[].host``."""
    out: list[tuple[str, Field]] = []
    for name, f in fields.items():
        path = f"{prefix}{name}"
        out.append((path, f))
        if f.fields:
            sub = f"{path}[]." if f.is_list else f"{path}."
            out.extend(iter_fields(f.fields, sub))
    return out


_PY_TYPES: dict[str, type] = {STRING: str, INT: int, BOOL: bool}


def fill_missing(facts: dict[str, Any], fields: Mapping[str, Field] = SCHEMA) -> int:
    """Give ``facts`` every field of the schema it lacks, as that field's empty value
    ("", 0, false, [] or an object of empties), in place; return how many were added.
    ``filler`` makes the same as a function built once, for many messages (and for only
    the fields a rule set reads).

    Facts stored by an older mailward (a hunt's ``rule_facts``, judged again by
    ``mailward rescan``) lack the fields added since. A rule that reads one would fail
    to evaluate on them; with the empty value it reads what the older analysis could not
    tell (a fact it did not have is false, zero or empty)."""
    return filler(fields)(facts)


def filler(
    fields: Mapping[str, Field] = SCHEMA, only: Mapping[str, Any] | None = None
) -> Callable[[dict[str, Any]], int]:
    """``fill_missing`` over ``fields`` as a function: the names, empty values and nested
    fillers are looked up once, as ``rules.engine.projector`` does. ``only`` (a rule set's
    projection: name -> sub-projection, None for the whole value) limits it to the
    fields some rule reads."""
    entries = []
    for name, sub in only.items() if only is not None else ((n, None) for n in fields):
        f = fields.get(name)
        if f is not None:
            entries.append((name, f.empty, filler(f.fields, sub) if f.fields else None))
    table = tuple(entries)
    names = frozenset(name for name, _, _ in table)
    nested = tuple((name, inner) for name, _, inner in table if inner is not None)

    def fill(facts: dict[str, Any]) -> int:
        added = 0
        if not facts.keys() >= names:  # one set comparison in C when nothing is missing
            for name, empty, _ in table:
                if name not in facts:
                    facts[name] = empty()
                    added += 1
        for name, inner in nested:
            value = facts[name]
            if isinstance(value, dict):
                added += inner(value)
            elif value and isinstance(value, list) and isinstance(value[0], dict):
                # the items of a list were written by one version of the code: when the
                # first lacks nothing, neither does the rest
                first = inner(value[0])
                if first:
                    added += first + sum(inner(item) for item in value[1:] if isinstance(item, dict))
        return added

    return fill



def schema_problems(facts: Mapping[str, Any], fields: Mapping[str, Field] = SCHEMA, prefix: str = "") -> list[str]:
    """Where ``facts`` departs from the schema (missing, extra or mistyped fields)."""
    problems: list[str] = []
    for name in facts:
        if name not in fields:
            problems.append(f"{prefix}{name}: not in the schema")
    for name, f in fields.items():
        path = f"{prefix}{name}"
        if name not in facts:
            problems.append(f"{path}: missing")
            continue
        value = facts[name]
        if f.type in _PY_TYPES:
            expected = _PY_TYPES[f.type]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                problems.append(f"{path}: expected {f.type}, got {type(value).__name__}")
        elif f.type == "object":
            if not isinstance(value, Mapping):
                problems.append(f"{path}: expected object")
            else:
                problems.extend(schema_problems(value, f.fields, path + "."))
        elif f.type == "list<string>":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{path}: expected list<string>")
        elif f.type == "list<object>":
            if not isinstance(value, list):
                problems.append(f"{path}: expected list")
            else:
                for i, item in enumerate(value):
                    if not isinstance(item, Mapping):
                        problems.append(f"{path}[{i}]: expected object")
                    else:
                        problems.extend(schema_problems(item, f.fields, f"{path}[{i}]."))
    return problems
