"""What a phishing or scam message asks for, by topic, in English, Portuguese, German,
Spanish, French and Dutch.

Topics: ``credential`` (log in, verify, password, mailbox), ``payment`` (card declined,
invoice overdue, update billing), ``delivery`` (parcel held, customs fee, redelivery),
``prize`` (you have won, claim your reward, gift card), ``crypto`` (wallet, seed phrase,
airdrop, withdrawal) and ``advance_fee`` (inheritance, beneficiary, compensation fund,
consignment).

The phrases are specific on purpose: a newsletter that mentions a "password" or a
"parcel" does not match; one that says "your parcel is held until you pay the customs
fee" does. One RE2 pass over the text (linear time, no backtracking) finds every topic:
each topic is a capture group of one alternation.
"""

from __future__ import annotations

import re2

_OPTIONS = re2.Options()
_OPTIONS.max_mem = 64 << 20
_OPTIONS.case_sensitive = False

_W = r"[\s\xa0]+"  # one or more spaces, including non-breaking ones

TOPICS: dict[str, tuple[str, ...]] = {
    "credential": (
        # English
        r"verify (?:your|the) (?:account|identity|e-?mail|mailbox|wallet|login|information|details)",
        r"confirm (?:your|the) (?:account|password|identity|e-?mail|mailbox|login|credentials|details)",
        r"(?:your )?password (?:will )?expires?\b", r"password (?:has )?expired", r"reset your password",
        r"update your (?:account|password|payment|billing) (?:details|information|method)",
        r"(?:account|mailbox|access) (?:has been |will be |is |was )?(?:temporarily )?(?:suspended|locked|disabled|deactivated|restricted|limited|blocked|on hold|terminated)",
        r"unusual (?:sign-?in|login|log-in) activity", r"unusual activity", r"suspicious (?:sign-?in|login|activity)",
        r"(?:mailbox|e-?mail|storage) (?:is )?(?:almost )?(?:full|quota)", r"storage quota", r"exceeded (?:its|your|the) (?:storage|quota)",
        r"validate your (?:account|mailbox|e-?mail)", r"re-?activate your (?:account|mailbox)",
        r"(?:sign|log) ?in to (?:view|access|read|continue|review|download|restore)",
        r"(?:shared|sent) (?:a |an )?(?:document|file|folder|fax|voice ?mail|voice message) with you",
        r"enter your (?:password|credentials|login)", r"keep (?:the )?same password", r"re-?register (?:your )?(?:mfa|multi-factor|2fa|authenticator)",
        r"multi-?factor authentication (?:will|has|is|must)", r"(?:pending|held|quarantined) (?:incoming )?(?:messages|e-?mails)",
        r"release (?:your )?(?:pending|held|quarantined) (?:messages|e-?mails)", r"messages? (?:are|were|have been) (?:held|quarantined|blocked)",
        r"you have (?:\d+ )?(?:new |unread )?voice ?mail", r"new voice ?mail (?:message|received)",
        r"(?:failed|undelivered) (?:incoming )?messages", r"restore (?:full )?access", r"regain (?:full )?access",
        r"avoid (?:service )?(?:interruption|suspension|deactivation)", r"security (?:check|verification) (?:required|needed)",
        # Portuguese
        r"(?:verifique|confirme|atualize|valide) (?:seus|os seus|sua|a sua|seu|o seu) (?:dados|cadastro|conta|identidade|senha|acesso)",
        r"sua conta (?:foi|ser[aá]|est[aá]) (?:bloqueada|suspensa|desativada|restrita|limitada)",
        r"sua senha (?:expira|expirou|ir[aá] expirar)", r"acesso (?:foi )?bloqueado", r"novo acesso (?:a|[aà]) sua conta",
        r"dispositivo n[aã]o (?:reconhecido|autorizado)", r"token (?:de seguran[cç]a )?(?:expirado|vencido|desatualizado)",
        r"atualiza[cç][aã]o cadastral", r"regularize (?:seu|sua|o seu|a sua) (?:cadastro|conta|acesso|cpf|situa[cç][aã]o)",
        # German
        r"best[äa]tigen sie ihr(?:e)? (?:konto|identit[äa]t|e-mail|daten|kontoinformationen|zugangsdaten)",
        r"ihr konto wurde (?:vor[üu]bergehend )?(?:gesperrt|eingeschr[äa]nkt|deaktiviert)", r"ihr passwort l[äa]uft (?:heute )?ab",
        r"konto (?:verifizieren|best[äa]tigen|entsperren)", r"ihr postfach ist (?:voll|fast voll)", r"verifizieren sie ihr(?:e)? (?:konto|identit[äa]t|daten)",
        r"aktualisieren sie ihre (?:daten|kontodaten|zahlungsdaten|informationen)", r"ungew[öo]hnliche (?:anmelde)?aktivit[äa]t",
        # Spanish
        r"verifique su (?:cuenta|identidad|correo|informaci[oó]n)", r"su cuenta (?:ha sido|ser[aá]|est[aá]) (?:suspendida|bloqueada|desactivada|restringida)",
        r"su contrase[nñ]a (?:caducar[aá]|ha caducado|expira)", r"confirme su (?:cuenta|identidad|informaci[oó]n)",
        r"actualice su (?:cuenta|informaci[oó]n|m[eé]todo de pago)", r"actividad (?:inusual|sospechosa)",
        # French
        r"v[ée]rifie[zr] votre (?:compte|identit[ée]|adresse)", r"votre compte (?:a [ée]t[ée]|sera|est) (?:suspendu|bloqu[ée]|d[ée]sactiv[ée]|restreint|limit[ée])",
        r"votre mot de passe (?:expire|a expir[ée])", r"confirme[zr] votre (?:identit[ée]|compte|adresse)", r"mettre [àa] jour vos (?:informations|coordonn[ée]es)",
        r"activit[ée] (?:inhabituelle|suspecte)", r"votre bo[iî]te (?:mail|aux lettres) est pleine",
        # Dutch
        r"verifieer uw (?:account|identiteit|gegevens)", r"uw account is (?:tijdelijk )?(?:geblokkeerd|opgeschort|beperkt)",
        r"uw wachtwoord verloopt", r"bevestig uw (?:gegevens|identiteit|account)", r"ongebruikelijke (?:inlog)?activiteit",
        r"werk uw gegevens bij",
    ),
    "payment": (
        r"payment (?:was |has been )?(?:declined|failed|unsuccessful|rejected)", r"(?:card|payment method) (?:was |has been )?(?:declined|expired)",
        r"unable to (?:process|charge) your (?:payment|card)", r"update your (?:payment|billing) (?:details|information|method)",
        r"(?:subscription|membership) (?:has )?(?:expired|will be (?:cancelled|canceled|suspended|renewed))", r"auto-?renewal",
        r"invoice (?:is )?(?:overdue|past due|attached|due)", r"outstanding (?:balance|invoice|payment)", r"refund (?:of|is) (?:pending|available|approved)",
        r"(?:you are|you're) (?:eligible|entitled) (?:for|to) (?:a )?refund", r"tax refund", r"billing (?:problem|issue|information)",
        r"pagamento (?:recusado|n[aã]o autorizado|pendente|em atraso)", r"fatura (?:em aberto|vencida|pendente|dispon[ií]vel)",
        r"boleto (?:em aberto|vencido|dispon[ií]vel)", r"d[ée]bito(?:s)? (?:pendente|em aberto)", r"restitui[cç][aã]o", r"valores a receber",
        r"zahlung (?:ist )?(?:fehlgeschlagen|abgelehnt|ausstehend)", r"offene (?:rechnung|zahlung|forderung)", r"zahlungsinformationen",
        r"pago (?:rechazado|pendiente|fallido)", r"factura (?:pendiente|vencida)", r"reembolso",
        r"paiement (?:refus[ée]|[ée]chou[ée]|en attente)", r"facture (?:impay[ée]e|en attente|en retard)", r"remboursement",
        r"betaling (?:is )?(?:mislukt|geweigerd|openstaand)", r"openstaande (?:factuur|betaling|rekening)", r"terugbetaling",
    ),
    "delivery": (
        r"(?:parcel|package|shipment|delivery) (?:is |has been |was )?(?:on hold|held|pending|suspended|returned|undeliverable|waiting|delayed)",
        r"(?:unable|failed|could not|couldn't) (?:to )?deliver (?:your )?(?:parcel|package|shipment)", r"delivery (?:attempt|failed|failure)",
        r"(?:customs|shipping|delivery|redelivery) (?:fee|charge|duty|payment)", r"schedule (?:a )?redelivery", r"(?:confirm|update) (?:your )?(?:delivery|shipping) (?:address|details)",
        r"(?:encomenda|pedido|objeto|mercadoria|pacote) (?:retid[ao]|aguardando|pendente|bloquead[ao]|taxad[ao]|devolvid[ao])",
        r"taxa (?:de )?(?:importa[cç][aã]o|alfandeg[aá]ria|de entrega|de despacho|de libera[cç][aã]o)", r"alf[aâ]ndega", r"fiscaliza[cç][aã]o aduaneira",
        r"sendung (?:konnte nicht|wird zur[üu]ckgehalten|ist unterwegs und)", r"paket (?:konnte nicht|wartet|wird zur[üu]ckgeschickt)", r"zollgeb[üu]hr",
        r"(?:paquete|env[ií]o) (?:retenido|pendiente|no entregado)", r"tasas? de aduana", r"gastos de env[ií]o pendientes",
        r"(?:colis|livraison) (?:en attente|retenu|bloqu[ée]|suspendu|[ée]chou[ée])", r"frais de (?:douane|livraison|r[ée]exp[ée]dition)",
        r"(?:pakket|zending) (?:kon niet|wordt vastgehouden|is vertraagd|in afwachting)", r"douanekosten", r"bezorgpoging",
    ),
    "prize": (
        r"(?:you have|you've|you) (?:been )?(?:won|selected|chosen)", r"congratulations[,!]? (?:you|your)", r"claim your (?:prize|reward|gift|bonus|winnings|free)",
        r"(?:gift ?card|reward|prize|bonus) (?:is )?(?:waiting|pending|available) for you", r"free spins", r"lottery (?:winner|award|prize)",
        r"(?:winning|lucky) (?:number|draw|winner)", r"(?:exclusive|loyalty) reward", r"(?:complete|take) (?:our|a|this) (?:short )?survey (?:and|to) (?:get|receive|claim|win)",
        r"voc[eê] (?:foi )?(?:ganhou|sorteado|selecionad[oa]|contemplad[oa])", r"parab[ée]ns[,!]? voc[eê]", r"resgate (?:seu|o seu|sua) (?:pr[eê]mio|brinde|b[oô]nus|pontos)",
        r"pontos (?:expiram|v[aã]o expirar|a expirar)", r"(?:sie haben|du hast) gewonnen", r"gl[üu]ckwunsch[,!]? sie", r"ihr gewinn", r"freispiele",
        r"(?:usted ha|has) (?:ganado|sido seleccionado)", r"reclame su premio", r"(?:vous avez|tu as) (?:gagn[ée]|[ée]t[ée] s[ée]lectionn[ée])", r"r[ée]clamez votre",
        r"(?:u heeft|je hebt) gewonnen", r"cadeaukaart", r"gefeliciteerd[,!]? (?:u|je)",
    ),
    "crypto": (
        r"(?:seed|recovery|secret) phrase", r"(?:12|24)[- ]word", r"wallet (?:verification|validation|synchroni[sz]ation|has been (?:suspended|restricted|locked))",
        r"(?:verify|validate|sync|synchroni[sz]e|connect) your wallet", r"airdrop", r"(?:claim|receive) (?:your )?(?:\$?\w+ )?tokens?",
        r"(?:bitcoin|btc|ethereum|eth|usdt|crypto) (?:withdrawal|deposit|giveaway|reward|bonus)", r"(?:withdraw|withdrawal of) (?:your )?(?:funds|profit|balance|earnings)",
        r"crypto(?:currency)? (?:investment|profit|balance|account)", r"(?:investment|trading) platform", r"mining (?:profit|pool|reward)",
        r"carteira (?:digital|cripto) (?:bloqueada|suspensa)", r"frase (?:de recupera[cç][aã]o|semente)", r"saque (?:dispon[ií]vel|pendente|bloqueado)",
        r"wiederherstellungsphrase", r"phrase de r[ée]cup[ée]ration", r"frase de recuperaci[oó]n", r"herstelzin",
    ),
    "advance_fee": (
        r"next of kin", r"(?:late|deceased) (?:client|husband|father|customer)", r"inheritance (?:fund|claim|transfer)", r"unclaimed (?:fund|inheritance|deposit|consignment)",
        r"beneficiary (?:of|to) (?:the )?(?:sum|fund|estate|deposit)", r"(?:sum|total) of (?:us\$|usd|\$|eur|€|£)? ?\d[\d,.]* (?:million|m\b)", r"(?:\d+(?:\.\d+)?|\w+) million (?:us )?(?:dollars|usd|euros|pounds)",
        r"compensation (?:fund|payment|award)", r"(?:diplomatic|trunk) (?:box|consignment)", r"consignment (?:box|package)", r"atm (?:visa )?card (?:worth|valued|containing)",
        r"(?:strictly|highly) confidential", r"(?:business|investment) proposal", r"mutual benefit", r"(?:my|our) share (?:of|will be)", r"(?:donate|donation of) (?:\$|usd|us\$|€)? ?\d",
        r"(?:charity|charitable) (?:donation|work|project)", r"(?:barrister|attorney|solicitor) (?:at law)?", r"(?:united nations|world bank|imf) (?:compensation|payment|fund)",
        r"reply (?:me )?(?:with|via) (?:my|this) (?:private|personal) (?:e-?mail|address)", r"kindly (?:reply|respond|get back|contact)", r"(?:dear )?(?:beloved|friend in christ)",
        r"heran[cç]a", r"fundos? n[aã]o reclamad[oa]s?", r"erbschaft", r"herencia", r"h[ée]ritage", r"erfenis",
    ),
}

_TOPIC_NAMES = tuple(TOPICS)
_PATTERN = re2.compile(
    "|".join("(" + "|".join(f"(?:{p})" for p in phrases) + ")" for phrases in TOPICS.values()),
    _OPTIONS,
)
MAX_TEXT = 20_000


def find_lures(text: str, limit: int = 12) -> tuple[list[str], list[str]]:
    """(topics found, in TOPICS order; distinct phrases found, lower case, at most ``limit``)."""
    if not text:
        return [], []
    found: dict[str, None] = {}
    phrases: dict[str, None] = {}
    for match in _PATTERN.finditer(text[:MAX_TEXT]):
        for index, name in enumerate(_TOPIC_NAMES, start=1):
            if match.group(index) is not None:
                found.setdefault(name, None)
                break
        phrases.setdefault(" ".join(match.group(0).lower().split())[:80], None)
        if len(phrases) >= limit:
            break
    topics = [name for name in _TOPIC_NAMES if name in found]
    return topics, list(phrases)
