"""The fictional world the demo mail lives in: the parliament, its people, the outlets.

Everything about the parliament is fictional and lives under the reserved
``.example`` TLD (RFC 2606). The news outlets are real organisations with their
real, official domains, because the point of the demo is to tell their genuine
mail apart from impostors. Which email service provider each outlet uses here is
made up for the demo; the URL shapes of the providers follow their public
documentation and ordinary mail seen from them.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

ORG_NAME = "Example Parliament"
ORG_ALIASES = ("Parliament of Example", "The Example Parliament")
ORG_DOMAIN = "parliament.example"
ORG_ALIAS_DOMAIN = "parl.example"
ORG_DOMAINS = (ORG_DOMAIN, ORG_ALIAS_DOMAIN)
GATEWAY = "mx.parliament.example"  # authserv-id of the receiving gateway
GATEWAY_IP = "192.0.2.25"
MAILSTORE = "mailstore.parliament.example"
SUBMISSION = "smtp.parliament.example"

FIRST_NAMES = (
    "Amelia", "Oliver", "Priya", "Tomasz", "Chloe", "Kwame", "Ingrid", "Mateo", "Aisha",
    "Henrik", "Siobhan", "Rafael", "Yuki", "Fatima", "Lukas", "Grace", "Dmitri", "Leila",
    "Niamh", "Samuel", "Hana", "Elias", "Maria", "Jonas", "Zara", "Patrick", "Aino",
    "Bilal", "Rosa", "Callum", "Sofia", "Arjun", "Eleanor", "Pieter", "Nadia", "Owen",
    "Katarzyna", "Malik", "Freya", "Diego", "Imogen", "Tariq", "Astrid", "Hugo", "Mei",
    "Benedict", "Ruth", "Nikolai", "Clara", "Emeka", "Helena", "Rhys", "Noor", "Anders",
    "Beatriz", "Declan", "Ines", "Jakub", "Layla", "Martin", "Olga", "Ravi", "Sinead",
    "Teodor", "Ursula", "Viktor", "Wanjiru", "Xavier", "Yasmin", "Zoltan", "Agnes", "Bruno",
    "Carmen", "Dafydd", "Esther", "Finn", "Greta", "Idris", "Julia", "Kenji",
)
LAST_NAMES = (
    "Whitcombe", "Adeyemi", "Kowalczyk", "Harrington", "Nakamura", "Lindqvist", "Okafor",
    "Fitzgerald", "Moreau", "Castellano", "Brennan", "Haddad", "Varga", "Thornbury",
    "Mensah", "Eriksen", "Delacroix", "Szabo", "Ashworth", "Rahman", "Kavanagh", "Novak",
    "Pemberton", "Ibrahim", "Holloway", "Jansen", "Marchetti", "Oyelaran", "Quinlan",
    "Rasmussen", "Sandoval", "Takahashi", "Underwood", "Vasquez", "Wakefield", "Yilmaz",
    "Zielinski", "Abernethy", "Bjornsson", "Carrick", "Dunmore", "Ellwood", "Fairbairn",
    "Gallagher", "Hartmann", "Iversen", "Jovanovic", "Kerrigan", "Lachance", "Mbeki",
    "Nordstrom", "Ogilvie", "Petrov", "Radcliffe", "Stirling", "Tanaka", "Ulrich",
    "Vance", "Winslow", "Achebe", "Blackwood", "Cardenas", "Drummond", "Eastwood",
    "Forsyth", "Grimaldi", "Hallworth", "Ishikawa", "Kilbride", "Lindgren", "McAllister",
    "Nwosu", "Ostrowski", "Pryce", "Rourke", "Sheridan", "Tremblay", "Vickers", "Wolff",
)
# constituents whose names need more than ASCII
ACCENTED_NAMES = ("José Martínez", "Zoë Brontë", "Łukasz Wójcik", "Søren Ødegaard",
                  "Ana Conceição", "Dorothée Lefèvre", "Jürgen Müller", "Siân Llŷr")
PLACES = (
    "Northfield", "Ashby Vale", "Kingsmoor", "Riverside East", "Harrowgate South",
    "Coldwater", "Linton and Fenwick", "Eastmarsh", "Bramley Heath", "Portholme",
    "Westbrook", "Oakhampton North", "Glenmere", "Saltcombe", "Millbridge",
    "Thornley Downs", "Redcastle", "Elmstead", "Fairhaven", "Strathcarron",
    "Bellmouth", "Cresswell", "Dunfield", "Hollins Cross", "Kirkby Lowe",
)
PLACE_SUFFIXES = ("", " North", " South", " East", " West", " Central")

MEMBER_DUTIES = (
    "Chair, Foreign Affairs Committee",
    "Member, Foreign Affairs Committee",
    "Co-chair, Inter-Parliamentary Alliance delegation",
    "Member, Intelligence and Security Committee",
    "Member, Defence Committee",
    "Shadow Minister for Trade",
    "Member, Human Rights Committee",
    "Member, Science and Technology Committee",
    "Member, Public Accounts Committee",
    "Member, Home Affairs Committee",
    "",
    "",
    "",
)
STAFF_ROLES = (
    "Chief of Staff to {m}",
    "Parliamentary Assistant to {m}",
    "Caseworker for {m}",
    "Researcher for {m}",
)
CENTRAL_ROLES = (
    "IT Security Officer",
    "Press Officer",
    "Clerk, Foreign Affairs Committee",
    "Head of Communications",
    "Clerk, Defence Committee",
    "Researcher, Library Service",
)


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters, digits, dots and hyphens only: for mailbox names."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded.lower() if c.isalnum() or c in ".-")


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in the parliament's roster (and one mailbox)."""

    name: str
    user: str  # mailbox name, also the local part of the main address
    addresses: tuple[str, ...]
    role: str
    kind: str  # "member" or "staff"

    @property
    def address(self) -> str:
        return self.addresses[0]

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def last(self) -> str:
        return self.name.split()[-1]


def roster_size(messages: int) -> tuple[int, int]:
    """(members, staff) for a mail set of ``messages`` messages: about 80 messages a mailbox."""
    members = max(24, min(650, messages // 120))
    staff = max(12, members // 2)
    return members, staff


def build_roster(rng: random.Random, members: int, staff: int) -> list[Person]:
    """Members first, then staff; unique names and mailbox names."""
    names: list[str] = []
    seen: set[str] = set()
    total = members + staff
    capacity = len(FIRST_NAMES) * len(LAST_NAMES)
    if total > capacity:
        raise ValueError(f"roster of {total} exceeds the {capacity} name combinations")
    while len(names) < total:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    people: list[Person] = []
    places: list[str] = []
    for suffix in PLACE_SUFFIXES:
        places.extend(p + suffix for p in PLACES)
    for index, name in enumerate(names[:members]):
        first, last = name.split()
        user = ascii_fold(f"{first}.{last}")
        duty = rng.choice(MEMBER_DUTIES)
        place = places[index % len(places)]
        if index >= len(places):
            place = f"{place} ({index // len(places) + 1})"
        role = f"Member of Parliament for {place}" + (f"; {duty}" if duty else "")
        addresses = (
            f"{user}@{ORG_DOMAIN}",
            f"{ascii_fold(last)}.{ascii_fold(first)[0]}.mp@{ORG_DOMAIN}",
            f"{user}@{ORG_ALIAS_DOMAIN}",
        )
        people.append(Person(name, user, addresses, role, "member"))
    central = 0
    for index, name in enumerate(names[members:]):
        first, last = name.split()
        user = ascii_fold(f"{first}.{last}")
        if index < members and index % 4 != 3:
            boss = people[index]
            role = STAFF_ROLES[index % len(STAFF_ROLES)].format(m=boss.name)
        else:  # the central services, in order: there is always a press and a security officer
            role = CENTRAL_ROLES[central % len(CENTRAL_ROLES)]
            central += 1
        staff_addresses = (f"{user}@{ORG_DOMAIN}", f"{user}@{ORG_ALIAS_DOMAIN}")
        people.append(Person(name, user, staff_addresses, role, "staff"))
    return people


# -- the outside world ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outlet:
    """A real news organisation and its official domains (facts), with demo-only choices.

    ``esp`` (which email service provider sends its newsletters) and the newsletter
    and journalist names are invented for the demo.
    """

    name: str
    domain: str  # main official domain
    newsletter: str
    news_from: str  # newsletter From address, on an official domain
    journalist_domain: str  # where its staff have their mailboxes (official)
    esp: str
    source: str


OUTLETS: tuple[Outlet, ...] = (
    Outlet("Reuters", "reuters.com", "Reuters Daily Briefing", "newsletters@reuters.com",
           "thomsonreuters.com", "sfmc", "reuters.com; staff addresses on thomsonreuters.com"),
    Outlet("BBC News", "bbc.co.uk", "BBC News Daily", "newsletters@bbc.co.uk",
           "bbc.co.uk", "ses", "bbc.co.uk"),
    Outlet("The Guardian", "theguardian.com", "First Edition", "newsletters@theguardian.com",
           "theguardian.com", "mailgun", "theguardian.com"),
    Outlet("Financial Times", "ft.com", "Europe Express", "newsletters@ft.com",
           "ft.com", "sendgrid", "ft.com"),
    Outlet("The Economist", "economist.com", "The Economist Espresso",
           "newsletters@economist.com", "economist.com", "sfmc", "economist.com"),
    Outlet("POLITICO Europe", "politico.eu", "Brussels Playbook", "playbook@politico.eu",
           "politico.eu", "mailchimp", "politico.eu"),
    Outlet("Le Monde", "lemonde.fr", "La Matinale du Monde", "newsletters@lemonde.fr",
           "lemonde.fr", "mailchimp", "lemonde.fr"),
    Outlet("DER SPIEGEL", "spiegel.de", "Die Lage am Morgen", "newsletter@spiegel.de",
           "spiegel.de", "ses", "spiegel.de"),
    Outlet("South China Morning Post", "scmp.com", "SCMP Today", "newsletters@scmp.com",
           "scmp.com", "sendgrid", "scmp.com"),
    Outlet("The New York Times", "nytimes.com", "The Morning", "nytdirect@nytimes.com",
           "nytimes.com", "sfmc", "nytimes.com"),
    Outlet("DW", "dw.com", "DW Top Stories", "newsletter@dw.com", "dw.com", "createsend",
           "dw.com (Deutsche Welle)"),
    Outlet("Nikkei Asia", "nikkei.com", "Nikkei Asia Editor's Picks", "newsletter@nikkei.com",
           "nikkei.com", "mailgun", "asia.nikkei.com"),
    Outlet("The Associated Press", "ap.org", "AP Morning Wire", "morningwire@ap.org",
           "ap.org", "createsend", "apnews.com; staff addresses on ap.org"),
    Outlet("The Washington Post", "washingtonpost.com", "Today's WorldView",
           "email@washingtonpost.com", "washpost.com", "ses",
           "washingtonpost.com; staff addresses on washpost.com"),
    Outlet("EL PAÍS", "elpais.com", "Lo mejor de EL PAÍS", "newsletter@elpais.com",
           "elpais.com", "mailchimp", "elpais.com"),
)

FREEMAIL = ("gmail.com", "outlook.com", "yahoo.co.uk", "icloud.com", "hotmail.com", "gmx.de",
            "proton.me", "btinternet.com")
# free-mail providers: (outbound host pattern, DKIM selector). IPs in the demo are
# always from the documentation ranges (RFC 5737), never the providers' real ones.
ISP_HOSTS = {
    "gmail.com": ("mail-{x}.google.com", "20161025"),
    "outlook.com": ("mail-{x}.outbound.protection.outlook.com", "selector1"),
    "hotmail.com": ("mail-{x}.outbound.protection.outlook.com", "selector1"),
    "yahoo.co.uk": ("sonic{x}.consmr.mail.ir2.yahoo.com", "s2048"),
    "icloud.com": ("qs51p00im-{x}.me.com", "1a1hai"),
    "gmx.de": ("mout.gmx.net", "badeba3b8450"),
    "proton.me": ("mail-{x}.protonmail.ch", "protonmail3"),
    "btinternet.com": ("re-prd-rgout-{x}.btmx-prd.synchronoss.net", "btmx201904"),
}

# other legitimate senders of newsletters: think tanks and NGOs (real, official domains;
# the ESP each uses is invented), and the parliament's own bulletin (fictional)
THINK_TANKS: tuple[Outlet, ...] = (
    Outlet("Chatham House", "chathamhouse.org", "Chatham House Weekly",
           "newsletters@chathamhouse.org", "chathamhouse.org", "createsend", "chathamhouse.org"),
    Outlet("European Council on Foreign Relations", "ecfr.eu", "ECFR Weekly",
           "newsletter@ecfr.eu", "ecfr.eu", "mailchimp", "ecfr.eu"),
    Outlet("Human Rights Watch", "hrw.org", "The Daily Brief", "hrwpress@hrw.org", "hrw.org",
           "sfmc", "hrw.org"),
    Outlet("RUSI", "rusi.org", "RUSI Newsbrief", "newsletters@rusi.org", "rusi.org", "mailgun",
           "rusi.org (Royal United Services Institute)"),
)
ORG_BULLETIN = Outlet(ORG_NAME, ORG_DOMAIN, "Parliament This Week",
                      f"bulletin@news.{ORG_DOMAIN}", ORG_DOMAIN, "mailchimp",
                      "fictional: the demo organisation's own bulletin")
NEWSLETTER_SENDERS: tuple[Outlet, ...] = (*OUTLETS, *THINK_TANKS, ORG_BULLETIN)
