"""Text pools for the demo messages. All of it is fiction written for the demo.

Placeholders are ``str.format`` fields: {member} (full name), {member_last},
{first} (the writer's first name), {name} (the writer's full name), {place},
{outlet}, {topic}, {day}.
"""

from __future__ import annotations

CONSTITUENT = (
    ("Pothole on {street}",
     "Dear {member},\n\nI am writing about the state of {street} in {place}. The potholes near "
     "the primary school have been reported to the council three times since the autumn and "
     "nothing has been done. Last week a cyclist came off her bike there.\n\nCould your office "
     "raise this with the council? I would be grateful for any help.\n\nYours sincerely,\n{name}"),
    ("Housing repair - urgent help needed",
     "Dear {member},\n\nMy family has lived in a housing association flat on {street} for six "
     "years. Since November there has been damp and mould in both bedrooms and my youngest "
     "has asthma. The landlord keeps cancelling appointments.\n\nI have attached photos and "
     "the letters I sent them. Please can you help?\n\nKind regards,\n{name}"),
    ("Visa application for my mother",
     "Dear {member},\n\nMy mother applied for a visitor visa on {day} so that she can attend my "
     "daughter's graduation. The application reference is {ref}. It has now been eleven weeks "
     "and we have heard nothing.\n\nWould your caseworkers be able to make an enquiry?\n\n"
     "Thank you,\n{name}"),
    ("Concerns about the Online Safety Bill",
     "Dear {member},\n\nAs your constituent in {place} I want to share my concerns about "
     "clause 12 of the Online Safety Bill. Weakening encryption would put journalists, "
     "activists and ordinary people at risk.\n\nI would like to know how you intend to vote "
     "at third reading.\n\nBest wishes,\n{name}"),
    ("Invitation: {place} community festival",
     "Hello {member_first},\n\nThe {place} residents' association would be delighted if you "
     "could open our community festival on Saturday {day}. It runs from 11am on the green "
     "and there will be stalls from local schools and charities.\n\nPlease let me know if "
     "your diary allows.\n\nWarm regards,\n{name}\nSecretary, {place} Residents' Association"),
    ("Bus route 42 cuts",
     "Dear {member},\n\nThe proposal to cut the 42 bus to one an hour would leave many older "
     "people in {place} unable to get to the hospital. Please oppose it.\n\n{name}"),
    ("School funding in {place}",
     "Dear {member},\n\nI am a governor at {place} Primary. Our budget for next year is "
     "down by four per cent in real terms while energy bills have doubled. We will have "
     "to lose two teaching assistants.\n\nI hope you can raise this with the minister.\n\n"
     "Yours faithfully,\n{name}"),
    ("Thank you",
     "Dear {member_first},\n\nJust a short note to thank you and your team for your help with "
     "my pension case. The back payment arrived yesterday.\n\nWith gratitude,\n{name}"),
    ("Planning application {ref}",
     "Dear {member},\n\nI object to planning application {ref} for 240 flats on the old "
     "dairy site in {place}. The roads cannot take the traffic and there is no new GP "
     "surgery planned.\n\nRegards,\n{name}"),
    ("Question about the China audit",
     "Dear {member},\n\nI read that the Foreign Affairs Committee will publish its audit of "
     "relations with China. Will it cover universities' research partnerships? My son works "
     "in a lab in {place} and researchers there are worried.\n\nBest,\n{name}"),
)
STREETS = ("Mill Lane", "Station Road", "Church Street", "Victoria Avenue", "Park Road",
           "High Street", "Orchard Close", "Queens Drive", "Elm Grove", "Harbour Way")

INTERNAL = (
    ("Diary: {day}",
     "Hi {member_first},\n\nFor {day}: 9:30 committee pre-brief (room 14), 11:00 "
     "constituency surgery by phone, 14:30 division expected, 17:00 meeting with the "
     "ambassador's office. Papers are in the shared folder.\n\n{first}"),
    ("Draft questions for the Foreign Affairs session",
     "Hi all,\n\nAttached are the draft questions for Thursday's evidence session on "
     "supply-chain security. Comments by 6pm tomorrow please.\n\nThanks,\n{first}"),
    ("Re: press line on the sanctions vote",
     "Proposed line: \"I voted for the amendment because parliament must be able to "
     "scrutinise sanctions decisions.\" Happy to tweak.\n\n{first}"),
    ("Casework update - {ref}",
     "Hi {member_first},\n\nQuick update on {ref}: the Home Office has acknowledged our letter "
     "and promised a decision within 20 working days. I will chase on {day}.\n\n{first}"),
    ("Security reminder: report suspicious email",
     "Dear colleagues,\n\nWe continue to see emails that pretend to come from journalists or "
     "news outlets. If a message asks you to open a link or looks unusual, forward it to "
     "the IT security team before you click anything.\n\nIT Security\n{name}"),
    ("Lunch on {day}?",
     "Are you free for lunch on {day}? The new place by the river does a decent soup.\n\n{first}"),
    ("Committee papers for {day}",
     "Dear Members,\n\nPlease find attached the papers for the meeting on {day}, including "
     "the draft report on foreign interference. The papers are restricted until "
     "publication.\n\n{name}\nCommittee Clerk"),
)

HEADLINES = (
    "Parliamentarians call for review of foreign investment in critical infrastructure",
    "EU and UK weigh new export controls on surveillance technology",
    "Inter-parliamentary group warns of pressure on Hong Kong press freedom",
    "Semiconductor supply chains: what the new trade deal means",
    "Security services raise alarm over state-backed cyber espionage",
    "Ministers face questions over university research partnerships",
    "Analysis: the quiet race for undersea cable control",
    "Human rights groups urge sanctions over forced labour reports",
    "Defence committee to examine drone procurement",
    "Central bank signals pause as inflation eases",
    "Leaders gather for summit on Indo-Pacific security",
    "Election watchdog reviews data breach response",
    "Opinion: why parliaments must protect their own inboxes",
    "Trade talks stall over agricultural standards",
    "Energy ministers agree joint gas purchasing",
    "Court ruling puts pressure on data-sharing agreement",
)
PARAGRAPHS = (
    "Lawmakers from eleven countries said on {day} that they would coordinate their "
    "responses to what they described as growing pressure on elected officials who speak "
    "out on human rights.",
    "The committee's chair said the review would examine whether existing rules on foreign "
    "ownership were fit for purpose, and would take evidence from industry and the "
    "security services.",
    "Officials familiar with the discussions, who asked not to be named because the talks "
    "are private, said a draft text could be ready within weeks.",
    "Critics argue the measures do not go far enough. \"Words are not enough; we need "
    "enforcement,\" one campaigner told reporters outside parliament.",
    "The government said it did not comment on intelligence matters but that it took the "
    "protection of democratic institutions extremely seriously.",
    "Trade figures published last month showed imports of components rising by almost a "
    "fifth, with much of the growth concentrated in a handful of suppliers.",
    "Several members of the inter-parliamentary alliance have reported unusual approaches "
    "by people claiming to represent think tanks and media organisations.",
    "Analysts said the announcement was likely to be welcomed by markets, although the "
    "details of the timetable remain unclear.",
    "The opposition called for an urgent statement in the chamber and said ministers had "
    "been slow to act on warnings that were first raised two years ago.",
    "A spokesperson for the embassy rejected the allegations as groundless and said they "
    "were politically motivated.",
    "Universities say they have strengthened their due-diligence processes but warn that "
    "overly broad rules could damage legitimate scientific collaboration.",
    "The report, due to be published in the spring, is expected to make more than thirty "
    "recommendations.",
)

JOURNALIST = (
    ("Media enquiry: {topic}",
     "Dear {member},\n\nI am a {beat} at {outlet} and I am working on a piece about {topic}. "
     "Would you be available for a short interview by phone this week, or could your office "
     "send a comment?\n\nOur deadline is {day} at 5pm.\n\nMany thanks,\n{name}\n{beat_title}, "
     "{outlet}\n{phone}"),
    ("Request for comment - {topic}",
     "Hello,\n\n{outlet} will publish a story on {topic} on {day}. It mentions the "
     "committee's recent letter to the minister. Does {member} wish to comment?\n\nBest "
     "regards,\n{name}\n{outlet}\n{phone}"),
    ("Interview request",
     "Dear {member_first},\n\nWe met briefly at the press gallery reception last month. I am "
     "preparing a long read on {topic} and would value your perspective. Thirty minutes, on "
     "or off the record as you prefer.\n\nKind regards,\n{name}\n{beat_title}, {outlet}"),
)
TOPICS = ("foreign interference in elections", "the sanctions regime", "export controls on "
          "surveillance technology", "Hong Kong press freedom", "MPs' cyber security",
          "the defence procurement review", "supply-chain security", "the China audit")
BEATS = (("political correspondent", "Political Correspondent"),
         ("reporter on the foreign desk", "Foreign Affairs Reporter"),
         ("security correspondent", "Security Correspondent"),
         ("Europe editor", "Europe Editor"))

PHISHING = (
    ("Action required: your mailbox storage is full",
     "Your {org} mailbox has reached 98% of its storage quota. Incoming messages will be "
     "rejected after {day}.\n\nSign in to the mailbox portal to keep your messages:\n{link}\n\n"
     "{org} IT Service Desk"),
    ("Password expiry notice for {addr}",
     "The password for {addr} expires today. To keep using your account, confirm your current "
     "password here:\n{link}\n\nIf you do not confirm within 24 hours your account will be "
     "locked.\n\nIT Service Desk, {org}"),
    ("[Secure] A document has been shared with you",
     "{sender} has shared \"Committee draft report - RESTRICTED.pdf\" with you.\n\nOpen the "
     "document:\n{link}\n\nYou will be asked to sign in with your {org} account."),
    ("Action required: re-register your multi-factor authentication",
     "Microsoft 365\n\nYour organisation has updated its security defaults. Multi-factor "
     "authentication will be disabled for {addr} on {day} unless you re-register your MFA "
     "methods.\n\nRe-register now:\n{link}\n\nMicrosoft account team"),
    ("You have a new voicemail (0:47)",
     "Microsoft Teams\n\nYou have 1 new voicemail from +44 20 7946 0321.\n\nSign in to listen "
     "to the voice message:\n{link}\n\nThis message was sent by the Teams voicemail service."),
    ("4 messages are held in quarantine",
     "Email Quarantine\n\n4 incoming messages for {addr} were held by the mail filter on "
     "{day}. Release your pending messages before they are deleted:\n{link}\n\nMessages "
     "are deleted after 72 hours."),
    ("{sender} shared \"Supplier invoice Q2.pdf\" with you",
     "{sender} has shared a document with you.\n\nSupplier invoice Q2.pdf\n\nSign in to view "
     "the document:\n{link}\n\nSharePoint Online"),
    ("Mailbox quota exceeded",
     "Your mailbox has exceeded its storage quota and incoming messages are held. Sign in "
     "to restore full access before {day}:\n{link}\n\nIT Service Desk, {org}"),
)

SPAM = (
    ("You have been selected for an exclusive reward",
     "Congratulations! Your email was selected in our monthly draw. Claim your gift card "
     "now before it expires: {link}"),
    ("Boost your website ranking today",
     "Hello,\n\nWe noticed your website is not on the first page of search results. Our "
     "SEO experts can fix that for a one-time fee. Reply for a free audit: {link}"),
    ("Crypto opportunity - 300% returns",
     "Dear investor, a unique opportunity to join a private trading pool with guaranteed "
     "returns. Limited places: {link}"),
    ("Invoice overdue?? Cheap office supplies",
     "Printer toner, paper and more at wholesale prices. Order today: {link}"),
    ("Meet singles in {place}",
     "Thousands of singles near {place} are waiting. Join free: {link}"),
)
