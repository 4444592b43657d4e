"""Italian for the first kinds of the multilingual training set (the other languages are
in ``mltexts_wanted`` and ``mltexts_scam``; same kinds, same slots).

Written for mailward (ordinary mail from general knowledge; scams from the types the
Polizia Postale's commissariatodips.it warns about), in our own words; no text is taken
from any corpus.
"""

from __future__ import annotations

from .mltexts_wanted import Kind

WANTED_IT: dict[str, Kind] = {
    "order": (
        ("Il tuo ordine {ref} è confermato", "Grazie per il tuo ordine su {shop}", "{shop}: l'ordine {ref} è stato spedito"),
        (("Ciao {name},", "Gentile {name},"),
         ("grazie per aver acquistato da {shop}. Abbiamo ricevuto il tuo ordine {ref} per {product}.",
          "buone notizie: il tuo ordine {ref} ({product}) è partito oggi dal nostro magazzino.",
          "il pagamento di {amount} per {product} è andato a buon fine e l'ordine {ref} è in preparazione."),
         ("Puoi seguire il pacco dal tuo account su {link}. Consegna prevista: {date}.",
          "La consegna è prevista per il {date}; il corriere ti invierà un aggiornamento.",
          "Il reso è gratuito entro 30 giorni; dettagli su {link}."),
         ("Il team di {shop}", "Cordiali saluti, il servizio clienti di {shop}")),
    ),
    "newsletter": (
        ("{shop} newsletter: novità e consigli di lettura", "Questa settimana da {shop}", "Le scelte d'autunno di {shop}"),
        (("Ciao {name},", "Cari lettori,"),
         ("questa settimana parliamo di {product} e di cosa ne pensano i nostri clienti.",
          "la nostra redazione ha provato {product} per un mese: ecco com'è andata.",
          "nuovo in negozio: {product}, con una breve guida per scegliere quello giusto."),
         ("I soci hanno il 10% di sconto fino al {date}. Leggi di più su {link}.",
          "L'articolo completo con le foto è sul nostro sito: {link}",
          "Gli eventi del mese a {city}: incontri, laboratori e una fiera del libro."),
         ("Ricevi questa newsletter perché ti sei iscritto su {shop}. Disiscriviti: {link}",
          "Gestisci le preferenze o annulla l'iscrizione su {link}.")),
    ),
    "appointment": (
        ("Promemoria: il tuo appuntamento del {date}", "Appuntamento confermato per il {date}", "Gita scolastica a {city} il {date}"),
        (("Gentile {name},", "Buongiorno {name},"),
         ("le ricordiamo l'appuntamento presso lo studio di {city} il {date}.",
          "il suo appuntamento all'anagrafe del Comune di {city} è confermato per il {date}.",
          "la gita della classe a {city} si terrà il {date}; vi preghiamo di firmare l'autorizzazione."),
         ("Porti con sé la tessera sanitaria. Per spostare l'appuntamento ci chiami o risponda a questa e-mail.",
          "Se non può venire, ci avvisi almeno un giorno prima.",
          "Il pullman parte alle 8:30 dall'ingresso principale e rientra verso le 17."),
         ("Cordiali saluti, la segreteria", "Un saluto, lo studio")),
    ),
    "service": (
        ("La tua fattura {brand} del {date}", "Il tuo abbonamento {brand} è stato rinnovato", "{brand}: nuovo accesso al tuo account"),
        (("Ciao {name},", "Salve,"),
         ("la fattura mensile di {amount} è disponibile nella tua area clienti. Sarà addebitata con domiciliazione il {date}.",
          "il tuo piano è stato rinnovato il {date} per {amount}. Non devi fare nulla.",
          "abbiamo notato un nuovo accesso al tuo account da un computer Windows a {city}. Se eri tu, puoi ignorare questo messaggio."),
         ("Trovi tutte le fatture nell'app o su {link}.",
          "Se non sei stato tu, cambia la password nell'app in Impostazioni.",
          "Domande? Le pagine di aiuto sono su {link}."),
         ("Il team {brand}", "Grazie, {brand}")),
    ),
    "personal": (
        ("Sabato?", "Le foto del weekend", "R: cena del {date}", "Una domanda veloce"),
        (("Ciao {name},", "Ehi {name}!", "{name},"),
         ("Sei ancora d'accordo per sabato? Potremmo vederci al mercato di {city} verso le dieci.",
          "Ecco le foto del weekend, quelle al lago sono venute benissimo.",
          "Grazie ancora per la cena, i bambini non smettono di parlare del dolce.",
          "Mi mandi il nome dell'idraulico che avevate chiamato l'anno scorso?"),
         ("Fammi sapere cosa ti va meglio.", "A presto.", "Salutami tutti."),
         ("{sender}", "Un abbraccio, {sender}", "Ciao, {sender}")),
    ),
}

SCAM_IT: dict[str, Kind] = {
    "account": (
        ("Azione richiesta: il tuo account {brand} è sospeso", "{brand}: rilevata attività insolita", "Il tuo account sarà chiuso tra 24 ore"),
        (("Gentile cliente,", "Gentile {name},"),
         ("abbiamo rilevato un'attività insolita e limitato temporaneamente il tuo account {brand}.",
          "non è stato possibile verificare i tuoi dati di pagamento e l'accesso a {brand} è stato sospeso.",
          "per la tua sicurezza, il tuo account deve essere confermato di nuovo entro il {date}."),
         ("Conferma subito la tua identità: {link}", "Clicca qui per ripristinare l'accesso: {link}",
          "Aggiorna i tuoi dati entro 24 ore: {link}"),
         ("Senza conferma, il tuo account verrà chiuso definitivamente.", "In caso contrario il servizio sarà disattivato.")),
    ),
    "delivery": (
        ("Il tuo pacco ti aspetta: dazi doganali non pagati", "{brand}: tentativo di consegna non riuscito", "Spedizione {ref} in giacenza"),
        (("Gentile cliente,", "Salve,"),
         ("il tuo pacco {ref} non è stato consegnato perché risultano da pagare dazi doganali per {amount}.",
          "oggi abbiamo provato a consegnare il tuo pacco ma non c'era nessuno in casa.",
          "la tua spedizione è ferma nel nostro deposito in attesa di un piccolo pagamento."),
         ("Paga le spese e scegli una nuova data di consegna: {link}", "Riprogramma la consegna qui: {link}"),
         ("I pacchi non ritirati entro 48 ore vengono restituiti al mittente.", "Grazie per aver scelto {brand}.")),
    ),
    "prize": (
        ("Congratulazioni! Sei stato selezionato", "I tuoi punti scadono oggi", "Hai vinto un {product}!"),
        (("Caro vincitore,", "Congratulazioni {name},"),
         ("sei stato scelto per ricevere un {product} nell'ambito del nostro programma clienti.",
          "i tuoi 12.500 punti scadono oggi. Convertili subito in un {product}.",
          "rispondi a tre brevi domande e ricevi il tuo regalo esclusivo."),
         ("Riscatta il tuo premio: {link}", "Paga solo {amount} di spedizione: {link}"),
         ("Questa offerta è valida solo oggi.", "Scorte limitate.")),
    ),
    "refund": (
        ("Hai diritto a un rimborso di {amount}", "Avviso di rimborso fiscale", "Il rimborso della bolletta è pronto"),
        (("Gentile contribuente,", "Gentile cliente,"),
         ("dopo il calcolo annuale hai diritto a un rimborso di {amount}.",
          "ti abbiamo addebitato troppo e ti dobbiamo {amount}.",
          "il tuo rimborso non è stato accreditato perché i tuoi dati bancari sono incompleti."),
         ("Inserisci i dati della carta per ricevere il denaro: {link}", "Compila il modulo di rimborso: {link}"),
         ("La richiesta scade il {date}.", "L'elaborazione richiede da 3 a 5 giorni lavorativi.")),
    ),
    "investment": (
        ("Trasforma {amount} in una rendita mensile", "La piattaforma di cui tutti parlano", "Prelievo in sospeso nel tuo wallet cripto"),
        (("Ciao {name},", "Gentile investitore,"),
         ("migliaia di persone guadagnano da casa con la nostra piattaforma di trading automatico.",
          "investi solo {amount} e il nostro algoritmo fa il resto: guadagni giornalieri garantiti.",
          "il tuo saldo di 0,42 BTC è pronto per il prelievo."),
         ("Registrati oggi e ricevi un consulente personale: {link}", "Preleva ora i tuoi fondi: {link}"),
         ("I posti sono limitati.", "Non perdere questa occasione.")),
    ),
    "offer": (
        ("IPTV premium: 20.000 canali a {amount} l'anno", "Bonus di benvenuto casinò: 200 giri gratis", "Dimezza la tua bolletta"),
        (("Ciao,", "Gentile {name},"),
         ("guarda tutte le partite di calcio e migliaia di film con il nostro abbonamento IPTV premium.",
          "iscriviti oggi e ricevi un bonus di benvenuto del 500% e 200 giri gratis.",
          "con la nostra nuova tariffa luce risparmi fino al 50% rispetto al tuo fornitore attuale.",
          "l'integratore miracoloso che brucia i grassi mentre dormi."),
         ("Ordina ora: {link}", "Attiva il tuo bonus: {link}", "Confronta e risparmia: {link}"),
         ("L'offerta termina stanotte.", "Per non ricevere più offerte, rispondi STOP.")),
    ),
    "extortion": (
        ("So cosa hai fatto", "Il tuo dispositivo è stato violato", "Ultimo avvertimento"),
        (("Ciao,", "Ciao {name},"),
         ("ho avuto accesso al tuo dispositivo tramite un malware e ti ho registrato con la tua webcam.",
          "conosco la tua password e osservo la tua attività da mesi."),
         ("Invia {amount} in bitcoin al wallet qui sotto entro 48 ore.",
          "Paga {amount} in bitcoin o il video andrà a tutti i tuoi contatti."),
         ("Non contattare la polizia. Il tempo sta scorrendo.", "Appena ricevo il pagamento, cancello tutto.")),
    ),
}
