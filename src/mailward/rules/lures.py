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

from .. import linear_regex

_OPTIONS = linear_regex.options(max_mem=64 << 20, case_sensitive=False)

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
        r"werk uw gegevens bij", r"(?:mailbox|postvak|brievenbus) (?:is )?vol",
        r"(?:account|conta|konto|cuenta|compte) (?:on hold|em espera|temporarily on hold)", r"temporarily on hold",
        r"(?:last|final) (?:warning|notice|reminder)[:!]? (?:your )?(?:account|mailbox|password)",
        r"best[äa]tigen sie ihre (?:angaben|adresse|anschrift)", r"(?:confirm|verify) your (?:shipping |delivery |home )?address",
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
        r"(?:subscription|membership|order|plan) (?:has been |was )?(?:successfully )?(?:renewed|charged|processed)",
        r"(?:if you did not|if you didn't|didn't|did not) (?:authori[sz]e|make|request) (?:this|the) (?:purchase|transaction|payment|charge|order|renewal)",
        r"to cancel (?:the|your|this) (?:subscription|order|renewal|transaction|payment)", r"(?:call|contact) (?:us|our (?:billing|support) (?:team|department)) (?:at|on) \+?\d",
        r"(?:voc[eê] )?possui (?:um )?(?:valor|saldo|cr[eé]dito|pontos)", r"(?:cr[eé]dito|empr[eé]stimo|saldo) (?:pr[eé]-)?aprovado", r"pontos (?:acumulados|a vencer)",
        r"subscription (?:\w+ ){0,3}(?:has )?expired", r"(?:renew|reactivate|restore) (?:your )?(?:subscription|protection|membership|antivirus)",
        r"protection (?:has )?expired", r"your (?:pc|computer|device) (?:may be|is) (?:at risk|infected|unprotected|vulnerable)",
        r"(?:abonnement|schutz) (?:ist )?abgelaufen", r"(?:assinatura|prote[cç][aã]o) (?:expirou|expirada|vencida)",
        r"guthaben von", r"steht zur (?:abholung|auszahlung) bereit", r"auf ihr konto (?:erhalten|gutgeschrieben)",
        r"(?:order|purchase|transaction) (?:\w+ )?(?:is |has been |was )?(?:placed|confirmed|processed) successfully",
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
        r"(?:encomenda|pedido|objeto|mercadoria) (?:est[aá] )?(?:temporariamente )?(?:retid[ao]|parad[ao]|bloquead[ao]|suspens[ao])",
        r"regularize (?:a situa[cç][aã]o d[ae] )?(?:sua|seu|a sua|o seu) (?:encomenda|pedido|entrega|objeto)", r"evit(?:e|ar) a devolu[cç][aã]o",
        r"(?:reschedule|rearrange) (?:your |the )?delivery", r"tried to deliver your (?:parcel|package)", r"return(?:ed)? to (?:the )?(?:warehouse|sender)",
        r"(?:paket|sendung) (?:zur[üu]ck|nicht zugestellt)", r"zustellversuch", r"(?:trackingmelding|pakketvrijgave)",
    ),
    "prize": (
        r"(?:you have|you've) (?:been )?(?:won|selected|chosen)", r"you (?:have )?been (?:selected|chosen)", r"congratulations[,!]? (?:you|your)", r"claim your (?:prize|reward|gift|bonus|winnings|free)",
        r"(?:gift ?card|reward|prize|bonus) (?:is )?(?:waiting|pending|available) for you", r"free spins", r"lottery (?:winner|award|prize)",
        r"(?:winning|lucky) (?:number|draw|winner)", r"(?:exclusive|loyalty) reward", r"(?:complete|take) (?:our|a|this) (?:short )?survey (?:and|to) (?:get|receive|claim|win)",
        r"voc[eê] (?:foi )?(?:ganhou|sorteado|selecionad[oa]|contemplad[oa])", r"parab[ée]ns[,!]? voc[eê]", r"resgate (?:seu|o seu|sua) (?:pr[eê]mio|brinde|b[oô]nus|pontos)",
        r"pontos (?:expiram|v[aã]o expirar|a expirar)", r"(?:sie haben|du hast) gewonnen", r"gl[üu]ckwunsch[,!]? sie", r"ihr gewinn", r"freispiele",
        r"(?:usted ha|has) (?:ganado|sido seleccionado)", r"reclame su premio", r"(?:vous avez|tu as) (?:gagn[ée]|[ée]t[ée] s[ée]lectionn[ée])", r"r[ée]clamez votre",
        r"(?:u heeft|je hebt) gewonnen", r"cadeaukaart", r"gefeliciteerd[,!]? (?:u|je)",
        r"(?:gratis ?spins|free ?spins|freispiele|giros gr[aá]tis|tours gratuits)", r"(?:no|keine|sem|sin) (?:deposit|einzahlung|dep[oó]sito)",
        r"welcome bonus", r"(?:you|u|je|sie|voc[eê]) (?:earned|received|verdiend|erhalten|recebeu) (?:\d[\d.,]* )?(?:bitcoin|btc|usdt|eth)",
        r"(?:mystery|surprise) (?:box|gift)", r"caixa misteriosa", r"(?:selected|chosen) (?:to receive|for) (?:a|an|our) (?:reward|gift|prize)",
        r"(?:your )?chance to (?:win|receive|get)", r"gewinnen sie (?:ein|einen|eine)", r"(?:umfrage|gewinnspiel) teil", r"kans op (?:prijzen|een|de)",
        r"maak (?:nu )?kans", r"(?:ontvang|krijg) (?:gratis|een gratis)", r"(?:free|gratis|kostenlose?[sn]?) (?:\w+ )?(?:kit|set|gift|geschenk(?:set)?|sample|probe)",
        r"(?:concorra|participe)(?: a| do| ao)? (?:sorteio|pr[eê]mio)", r"ganhe (?:um|uma) ", r"\d+ (?:free )?spins", r"casino (?:bonus|rewards|deal|welcome)",
        r"welcome (?:pack|package|offer)", r"(?:spins|bonus) on the house", r"claim your (?:jackpot|spins|cash)",
    ),
    "crypto": (
        r"(?:seed|recovery|secret) phrase", r"(?:12|24)[- ]word", r"wallet (?:verification|validation|synchroni[sz]ation|has been (?:suspended|restricted|locked))",
        r"(?:verify|validate|sync|synchroni[sz]e|connect) your wallet", r"airdrop", r"(?:claim|receive) (?:your )?(?:\$?\w+ )?tokens?",
        r"(?:bitcoin|btc|ethereum|eth|usdt|crypto) (?:withdrawal|deposit|giveaway|reward|bonus)", r"(?:withdraw|withdrawal of) (?:your )?(?:funds|profit|balance|earnings)",
        r"crypto(?:currency)? (?:investment|profit|balance|account)", r"(?:investment|trading) platform", r"mining (?:profit|pool|reward)",
        r"carteira (?:digital|cripto) (?:bloqueada|suspensa)", r"frase (?:de recupera[cç][aã]o|semente)", r"saque (?:dispon[ií]vel|pendente|bloqueado)",
        r"wiederherstellungsphrase", r"phrase de r[ée]cup[ée]ration", r"frase de recuperaci[oó]n", r"herstelzin",
        r"withdraw(?:ing|al of)? (?:your )?(?:digital assets|crypto(?:currency)?|coins|tokens)", r"staking (?:feature|reward|program)",
        r"allocation program", r"(?:balance|saldo) of \d[\d.,]*\s?(?:\$|usd|usdt|btc)", r"(?:wallet|account) (?:will be|has been) (?:blocked|frozen|closed)",
    ),
    "advance_fee": (
        r"next of kin", r"(?:late|deceased) (?:client|husband|father|customer)", r"inheritance (?:fund|claim|transfer)", r"unclaimed (?:fund|inheritance|deposit|consignment)",
        r"beneficiary (?:of|to) (?:the )?(?:sum|fund|estate|deposit)", r"(?:sum|total) of (?:us\$|usd|\$|eur|€|£)? ?\d[\d,.]* (?:million|m\b)", r"(?:\d+(?:\.\d+)?|\w+) million (?:us )?(?:dollars|usd|euros|pounds)",
        r"compensation (?:fund|payment|award)", r"(?:diplomatic|trunk) (?:box|consignment)", r"consignment (?:box|package)", r"atm (?:visa )?card (?:worth|valued|containing)",
        r"(?:strictly|highly) confidential", r"(?:business|investment) proposal", r"mutual benefit", r"(?:my|our) share (?:of|will be)", r"(?:donate|donation of) (?:\$|usd|us\$|€)? ?\d",
        r"(?:charity|charitable) (?:donation|work|project)", r"(?:barrister|attorney|solicitor) (?:at law)?", r"(?:united nations|world bank|imf) (?:compensation|payment|fund)",
        r"reply (?:me )?(?:with|via) (?:my|this) (?:private|personal) (?:e-?mail|address)", r"kindly (?:reply|respond|get back|contact)", r"(?:dear )?(?:beloved|friend in christ)",
        r"heran[cç]a", r"fundos? n[aã]o reclamad[oa]s?", r"erbschaft", r"herencia", r"h[ée]ritage", r"erfenis",
        r"(?:decided|wish|want) to donate", r"lucrative (?:deal|business|offer)", r"(?:mega|lottery|jackpot) winner", r"i await your (?:response|reply)",
        r"(?:orphanage|charity) (?:home|foundation|project)", r"divine (?:intervention|direction)", r"(?:my|the) (?:late|deceased) (?:husband|wife|father|client)",
        r"monetary crimes", r"anti-?terrorist", r"fund (?:release|transfer|clearance)", r"clearance certificate",
        r"(?:your|the) (?:fund|funds|payment|compensation) (?:has been |was |have been )?(?:approved|released|credited)",
    ),
    "extortion": (
        r"(?:i|we) (?:have )?(?:gained|got|obtained) (?:full )?access to (?:your|all your) (?:device|devices|computer|system|account)",
        r"(?:i|we) (?:hacked|infected|compromised) your (?:device|computer|account|email|phone)", r"(?:recorded|filmed) you",
        r"(?:your|the) (?:webcam|camera) (?:was|has been|recorded)", r"(?:intimate|compromising|adult) (?:video|videos|material|content)",
        r"pay (?:me )?(?:\$|usd|€)? ?\d[\d.,]* ?(?:\$|usd|€|eur|dollars|euros)? (?:in )?(?:bitcoin|btc)", r"(?:send|transfer) (?:\$|usd|€)? ?\d[\d.,]* (?:in |to (?:my|the) )?(?:bitcoin|btc)",
        r"(?:my )?bitcoin (?:wallet|address)[: ]", r"(?:within|in the next) (?:24|48|72) hours", r"(?:i|we) (?:will|shall) (?:send|share|publish|release) (?:the|this|your) (?:video|recording|photos)",
        r"(?:tenho|temos) (?:acesso total|acesso) (?:ao|a) (?:seu|sua) (?:dispositivo|computador|conta)", r"(?:gravei|filmei) (?:voc[eê]|tu)",
        r"(?:ich habe|wir haben) (?:vollen )?zugriff auf (?:ihr|dein)(?:en)? (?:ger[äa]t|computer|konto)", r"(?:he|hemos) (?:obtenido|tenido) acceso (?:total )?a (?:tu|su) (?:dispositivo|ordenador|cuenta)",
        r"(?:j'ai|nous avons) (?:eu )?acc[eè]s (?:complet )?[àa] (?:votre|ton) (?:appareil|ordinateur|compte)", r"(?:ik heb|wij hebben) (?:volledige )?toegang tot (?:uw|je) (?:apparaat|computer|account)",
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


# Affiliate and bulk-ad footers: the sender admits the message is an advertisement sent
# for someone else, to a list it bought or "partners" with.
_AD_FOOTER = re2.compile(
    r"(this (?:e-?mail |message )?is an? (?:advertisement|advertising|commercial (?:message|e-?mail))"
    r"|advertiser does not manage"
    r"|opted[- ]in to receive (?:e-?mails|messages|offers) from (?:a|one of our|our) (?:partners?|affiliates?|marketing)"
    r"|wish to unsubscribe from future mailings"
    r"|if you (?:no longer|do not) wish to receive (?:these|future) (?:e-?mails|mailings|offers)"
    r"|dies ist eine werbung|esta (?:mensagem|e-?mail) (?:é|e) (?:uma )?publicidade|dit is een advertentie)",
    _OPTIONS,
)


def ad_footer(text: str) -> str:
    """The bulk-advertising footer phrase in ``text`` (lower case), or ''."""
    match = _AD_FOOTER.search(text[:MAX_TEXT]) if text else None
    return " ".join(match.group(0).lower().split()) if match else ""
