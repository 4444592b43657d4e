"""Which brands the multilingual training set's mail is in the name of, by language and kind.

Every name and domain is in mailward's brand reference data (src/mailward/data/brands.yaml,
where each entry has its source); a test checks it. Wanted mail comes from the brand's
own domain (with SPF, DKIM and DMARC passing); scams only claim the name.
"""

from __future__ import annotations

# (name, the domain its own mail comes from), by language, for wanted mail
SERVICE_BRANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("Netflix", "netflix.com"), ("Vodafone", "vodafone.co.uk"), ("Spotify", "spotify.com")),
    "de": (("Vodafone", "vodafone.de"), ("Zalando", "zalando.de"), ("Netflix", "netflix.com")),
    "nl": (("Vodafone", "vodafone.nl"), ("Zalando", "zalando.nl"), ("Spotify", "spotify.com")),
    "pt": (("Vodafone", "vodafone.pt"), ("Netflix", "netflix.com"), ("Spotify", "spotify.com")),
    "es": (("Vodafone", "vodafone.es"), ("Decathlon", "decathlon.es"), ("Netflix", "netflix.com")),
    "fr": (("Decathlon", "decathlon.fr"), ("Zalando", "zalando.fr"), ("Spotify", "spotify.com")),
    "it": (("Vodafone", "vodafone.it"), ("Netflix", "netflix.com"), ("Spotify", "spotify.com")),
}
BANK_BRANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("Barclays", "barclays.co.uk"), ("HSBC", "hsbc.co.uk"), ("Lloyds Bank", "lloydsbank.co.uk")),
    "de": (("Sparkasse", "sparkasse.de"), ("ING", "ing.de"), ("Commerzbank", "commerzbank.de")),
    "nl": (("ING", "ing.nl"), ("Rabobank", "rabobank.nl"), ("ABN AMRO", "abnamro.nl")),
    "pt": (("Millennium bcp", "millenniumbcp.pt"), ("Nubank", "nubank.com.br"), ("Itaú", "itau.com.br")),
    "es": (("BBVA", "bbva.es"), ("CaixaBank", "caixabank.es"), ("ING", "ing.es")),
    "fr": (("BNP Paribas", "bnpparibas.fr"), ("Crédit Agricole", "credit-agricole.fr"), ("ING", "ing.fr")),
    "it": (("Intesa Sanpaolo", "intesasanpaolo.com"), ("UniCredit", "unicredit.it"), ("ING", "ing.it")),
}
CARRIER_BRANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("Royal Mail", "royalmail.com"), ("Evri", "evri.com"), ("DPD", "dpd.co.uk")),
    "de": (("DHL", "dhl.de"), ("GLS", "gls-pakete.de"), ("DPD", "dpd.de")),
    "nl": (("PostNL", "postnl.nl"), ("DHL", "dhl.nl"), ("DPD", "dpd.nl")),
    "pt": (("CTT", "ctt.pt"), ("Correios", "correios.com.br"), ("DPD", "dpd.com")),
    "es": (("Correos", "correos.es"), ("DHL", "dhl.es"), ("GLS", "gls-spain.es")),
    "fr": (("La Poste", "laposte.fr"), ("DPD", "dpd.fr"), ("GLS", "gls-france.com")),
    "it": (("Poste Italiane", "poste.it"), ("GLS", "gls-italy.com"), ("DHL", "dhl.it")),
}
TRAVEL_BRANDS: dict[str, tuple[tuple[str, str], ...]] = {
    lang: (("Booking.com", "booking.com"), ("Airbnb", "airbnb.com"), ("Ryanair", "ryanair.com"))
    for lang in ("en", "de", "nl", "pt", "es", "fr", "it")
}
# names the scams claim, by kind (any language) ...
SCAM_BRANDS: dict[str, tuple[str, ...]] = {
    "account": ("Netflix", "PayPal", "Microsoft", "Apple", "Santander", "Revolut", "Vodafone", "Spotify", "Amazon",
                "Instagram", "WhatsApp", "Google", "Facebook", "LinkedIn", "iCloud"),
    "delivery": ("DHL", "DPD", "UPS", "FedEx", "GLS"),
    "prize": ("Decathlon", "Zalando", "Booking.com", "Lidl", "Aldi", "Carrefour", "IKEA", "Amazon", "Shein", "Temu"),
    "refund": ("Vodafone", "Orange", "Engie", "E.ON", "Iberdrola", "Enel", "Amazon"),
    "mailbox": ("Microsoft 365", "Outlook", "Microsoft", "Office 365"),
    "invoice": ("DocuSign", "Adobe", "Microsoft", "Dropbox", "WeTransfer", "Intuit"),
    "crypto": ("Coinbase", "Binance", "MetaMask", "Trust Wallet", "Ledger", "Kraken"),
    "subscription": ("Netflix", "Disney+", "Spotify", "Prime Video", "Norton", "McAfee", "HBO Max", "Apple"),
}
# ... and by language for the kinds whose brand is local (banks, post, tax office)
LOCAL_SCAM_BRANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "bank": {"en": ("Barclays", "HSBC", "Lloyds Bank", "NatWest", "Santander", "Chase"),
             "de": ("Sparkasse", "Deutsche Bank", "Commerzbank", "Postbank", "ING", "Volksbank", "N26"),
             "nl": ("ING", "Rabobank", "ABN AMRO", "bunq", "SNS"),
             "pt": ("Bradesco", "Itaú", "Nubank", "Banco do Brasil", "Caixa Econômica Federal", "Millennium bcp",
                    "Caixa Geral de Depósitos", "Santander"),
             "es": ("BBVA", "CaixaBank", "Santander", "Banco Sabadell", "ING", "Bankinter"),
             "fr": ("BNP Paribas", "Crédit Agricole", "Société Générale", "La Banque Postale", "Crédit Mutuel", "LCL"),
             "it": ("Intesa Sanpaolo", "UniCredit", "Poste Italiane", "BPER", "Fineco")},
    "delivery": {"en": ("Royal Mail", "Evri", "DHL", "UPS"), "de": ("DHL", "Deutsche Post", "Hermes", "DPD"),
                 "nl": ("PostNL", "DHL", "DPD"), "pt": ("Correios", "CTT", "DHL"), "es": ("Correos", "SEUR", "DHL"),
                 "fr": ("La Poste", "Chronopost", "Colissimo", "DHL"), "it": ("Poste Italiane", "GLS", "DHL")},
    "tax": {"en": ("HMRC", "GOV.UK", "IRS"), "de": ("Finanzamt", "Bundeszentralamt für Steuern", "ELSTER"),
            "nl": ("Belastingdienst", "DigiD", "MijnOverheid"), "pt": ("Receita Federal", "gov.br", "Portal das Finanças"),
            "es": ("Agencia Tributaria", "Hacienda", "Seguridad Social"), "fr": ("DGFiP", "impots.gouv.fr", "Ameli"),
            "it": ("Agenzia delle Entrate", "INPS", "SPID")},
}
# display names of scams that claim no brand: a service desk, a department, nobody
GENERIC_SENDERS: dict[str, tuple[str, ...]] = {
    "mailbox": ("Webmail", "IT Service Desk", "Mail Administrator", "Email Support", "Postmaster"),
    "invoice": ("Billing", "Accounts", "Finance Department", "Invoices"),
}
PRIZES = ("iPhone 15", "Dyson", "PlayStation 5", "KitchenAid", "Samsung Galaxy", "Thermomix", "AirPods")
# brands whose staff and partners sign mail they send from elsewhere (a partner's domain,
# their own mailbox): "Account Manager | Salesforce" from an agency is wanted mail
SIGNING_BRANDS: tuple[tuple[str, str], ...] = (
    ("Microsoft", "microsoft.com"), ("Google", "google.com"), ("Salesforce", "salesforce.com"), ("Adobe", "adobe.com"),
    ("SAP", "sap.com"), ("Oracle", "oracle.com"), ("Dropbox", "dropbox.com"), ("Zoom", "zoom.us"),
    ("Slack", "slack.com"), ("Cisco", "cisco.com"), ("LinkedIn", "linkedin.com"), ("DocuSign", "docusign.com"))
