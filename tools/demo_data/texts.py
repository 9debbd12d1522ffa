"""Hand-written review fragments for the demo data (German and English).

Why hand-written: the demo must look like what a German marketing team really reads —
varied sentences per topic and tone, with the topic's own words in them — so that language
detection, sentiment, topic matching and the digest all have realistic material. The
generator (``generate.py``) only combines these; nothing here is random.

Layout: ``SENTENCES[topic][lang][tone]`` with tone in ``pos`` / ``neu`` / ``neg``. The brand
is "Paketwerk" (an invented online shop with its own delivery and a "Paketwerk Plus"
subscription); the competitors are "Warenblitz" and "KaufNest" (also invented).
"""

from __future__ import annotations

BRAND = "Paketwerk"
COMPETITORS = ("Warenblitz", "KaufNest")

SENTENCES: dict[str, dict[str, dict[str, list[str]]]] = {
    "delivery": {
        "de": {
            "pos": [
                "Die Lieferung kam schon am nächsten Tag, super schnell.",
                "Paket war pünktlich da und ordentlich verpackt.",
                "Die Sendungsverfolgung ist genau und die Zustellung klappte wie angekündigt.",
                "Bestellt am Sonntagabend, Dienstag früh lag das Paket vor der Tür.",
                "Der Versand ging fix, sogar vor dem angegebenen Liefertermin.",
                "Zustellung im gewünschten Zeitfenster, besser geht es nicht.",
                "Der Kurier hat das Paket wie gewünscht beim Nachbarn abgegeben und eine Karte eingeworfen.",
                "Selbst die große Lieferung mit drei Kartons kam komplett an einem Tag.",
            ],
            "neu": [
                "Die Lieferung kam nach vier Werktagen, also im angegebenen Rahmen.",
                "Das Paket wurde wie üblich beim Nachbarn abgegeben.",
                "Der Versand läuft über einen eigenen Kurier, nicht über die Post.",
                "Die Sendung wurde in zwei Paketen geliefert.",
                "Zustellung war am Samstag, ging für mich in Ordnung.",
            ],
            "neg": [
                "Die Lieferung hat fast zwei Wochen gedauert, obwohl drei Tage angegeben waren.",
                "Das Paket wurde als zugestellt markiert, kam aber nie bei mir an.",
                "Die Sendungsverfolgung zeigt seit Tagen denselben Status, niemand weiß, wo mein Paket ist.",
                "Der Kurier hat nicht mal geklingelt, sondern direkt eine Benachrichtigungskarte eingeworfen.",
                "Mein Paket lag im Regen vor der Haustür, der Karton war völlig durchweicht.",
                "Zweimal wurde der Liefertermin verschoben, ohne dass ich informiert wurde.",
                "Der Versand dauert inzwischen viel länger als früher.",
                "Die Sendung ging an eine falsche Adresse, obwohl meine Angaben stimmten.",
            ],
        },
        "en": {
            "pos": [
                "Delivery was next day, really impressed.",
                "The parcel arrived on time and was well packed.",
                "Tracking was accurate right up to the doorstep.",
                "Ordered on Sunday night, the package was here on Tuesday morning.",
                "Shipping was faster than the estimate they gave me.",
                "The courier left the parcel with my neighbour as requested and dropped a note.",
            ],
            "neu": [
                "Delivery took four working days, which is what they said.",
                "The parcel came in two separate shipments.",
                "They use their own courier rather than the national post.",
            ],
            "neg": [
                "Delivery took almost two weeks instead of the promised three days.",
                "The parcel was marked as delivered but never arrived.",
                "Tracking hasn't updated in days and nobody can tell me where my package is.",
                "The courier didn't even ring the bell, just left a card.",
                "My package was left outside in the rain and the box was soaked.",
                "They rescheduled the delivery twice without telling me.",
            ],
        },
    },
    "customer_service": {
        "de": {
            "pos": [
                "Der Kundenservice hat mir innerhalb einer Stunde geantwortet und das Problem sofort gelöst.",
                "Am Telefon hatte ich eine sehr kompetente Ansprechpartnerin, vielen Dank!",
                "Der Support per Chat war schnell und unkompliziert.",
                "Meine Beschwerde wurde ernst genommen, ich bekam sogar einen Gutschein als Entschuldigung.",
                "Die Hotline ist gut erreichbar und man wird nicht ewig weiterverbunden.",
                "Toller Service, auf meine E-Mail kam eine ausführliche und persönliche Antwort.",
            ],
            "neu": [
                "Ich habe den Kundenservice per Kontaktformular angeschrieben und eine Ticketnummer bekommen.",
                "Die Hotline ist werktags von 8 bis 20 Uhr erreichbar.",
                "Der Support hat mich an den Hersteller verwiesen.",
            ],
            "neg": [
                "Der Kundenservice antwortet nur mit Textbausteinen, auf mein eigentliches Problem geht niemand ein.",
                "Drei E-Mails an den Support, keine einzige Antwort.",
                "Die Hotline legt nach zwanzig Minuten einfach auf.",
                "Jeder am Telefon erzählt etwas anderes, keiner fühlt sich zuständig.",
                "Meine Beschwerde wurde nach einer Woche kommentarlos geschlossen.",
                "Der Chatbot dreht sich im Kreis und einen echten Menschen erreicht man nicht.",
                "Der Service ist seit einigen Monaten deutlich schlechter geworden.",
            ],
        },
        "en": {
            "pos": [
                "Customer service answered within an hour and fixed it straight away.",
                "The support agent on the chat was quick and genuinely helpful.",
                "They took my complaint seriously and sent a voucher as an apology.",
                "Got a detailed, personal reply to my email, not a template.",
                "The hotline was easy to reach and I didn't get passed around.",
            ],
            "neu": [
                "I contacted support through the form and got a ticket number.",
                "Support referred me to the manufacturer.",
            ],
            "neg": [
                "Customer service only sends copy-paste replies that ignore the actual problem.",
                "Three emails to support and not a single answer.",
                "Every agent tells you something different and nobody takes responsibility.",
                "My complaint was closed after a week without any explanation.",
                "The chatbot goes in circles and you can never reach a human.",
            ],
        },
    },
    "price": {
        "de": {
            "pos": [
                "Die Preise sind fair, oft günstiger als im Laden.",
                "Mit Paketwerk Plus spare ich mir die Versandkosten komplett.",
                "Für den Preis ist die Ware wirklich gut.",
                "Im Angebot richtig günstig bekommen, da kann man nicht meckern.",
                "Preis und Leistung stimmen hier einfach.",
            ],
            "neu": [
                "Die Preise sind ungefähr auf dem Niveau anderer Onlineshops.",
                "Die Kosten für den Expressversand stehen erst ganz am Ende der Bestellung.",
                "Der Preis lag zum Zeitpunkt der Bestellung bei 34,99 Euro.",
            ],
            "neg": [
                "Die Preise sind in den letzten Monaten spürbar gestiegen.",
                "Viel zu teuer im Vergleich zu anderen Shops.",
                "Plötzlich kommt bei Bestellungen unter 29 Euro eine Gebühr von 4,90 dazu.",
                "Der Preis im Warenkorb war höher als auf der Produktseite angezeigt.",
                "Die Preiserhöhung für Paketwerk Plus finde ich dreist.",
                "Die Versandkosten für Sperrgut sind unverschämt hoch.",
            ],
        },
        "en": {
            "pos": [
                "Prices are fair and often cheaper than in the shops.",
                "With Paketwerk Plus I don't pay for shipping at all.",
                "Great value for the price.",
                "Got it on offer really cheap, can't complain.",
            ],
            "neu": [
                "Prices are roughly in line with other online shops.",
                "The express shipping cost only shows up at the very end.",
            ],
            "neg": [
                "Prices have gone up noticeably over the last few months.",
                "Way too expensive compared to other shops.",
                "There's now a 4.90 fee on every order under 29 euros.",
                "The price in the basket was higher than on the product page.",
                "Overpriced for what you get.",
            ],
        },
    },
    "quality": {
        "de": {
            "pos": [
                "Die Qualität der Ware ist top, genau wie beschrieben.",
                "Alles kam unbeschädigt und originalverpackt an.",
                "Die Kaffeemaschine funktioniert einwandfrei, sehr zufrieden.",
                "Hochwertige Verarbeitung, das hätte ich zu dem Preis nicht erwartet.",
                "Die Produktbeschreibungen stimmen, keine bösen Überraschungen.",
            ],
            "neu": [
                "Die Qualität entspricht dem, was man in dieser Preisklasse erwarten kann.",
                "Das Produkt ist in Ordnung, aber nichts Besonderes.",
                "Die Farbe weicht etwas von den Fotos ab.",
            ],
            "neg": [
                "Der Wasserkocher war schon beim Auspacken defekt.",
                "Die Ware kam beschädigt an, der Karton war eingedrückt.",
                "Die Qualität hat stark nachgelassen, die Jacke hat nach zwei Wäschen Löcher.",
                "Mir wurde offensichtlich ein gebrauchter Artikel als neu verkauft.",
                "Das Ladegerät ist minderwertig und wird extrem heiß.",
                "Zweimal hintereinander kaputte Ware bekommen.",
            ],
        },
        "en": {
            "pos": [
                "Quality is excellent, exactly as described.",
                "Everything arrived undamaged and in the original packaging.",
                "Solid build quality, better than I expected.",
            ],
            "neu": [
                "Quality is what you'd expect at this price point.",
                "The colour is slightly different from the photos.",
            ],
            "neg": [
                "The kettle was broken straight out of the box.",
                "The item arrived damaged, the box was crushed.",
                "Quality has really gone downhill lately.",
                "Clearly a used item sold as new.",
                "Second faulty product in a row.",
            ],
        },
    },
    "refunds": {
        "de": {
            "pos": [
                "Die Rücksendung war kostenlos und das Geld war nach drei Tagen wieder auf dem Konto.",
                "Retoure per QR-Code am Handy, total einfach.",
                "Die Erstattung kam schneller als erwartet.",
                "Der Umtausch ging problemlos, die neue Größe war zwei Tage später da.",
            ],
            "neu": [
                "Die Retoure habe ich am Montag abgeschickt, die Erstattung steht noch aus.",
                "Rücksendungen sind innerhalb von 30 Tagen möglich.",
                "Die Gutschrift erfolgt auf das ursprüngliche Zahlungsmittel.",
            ],
            "neg": [
                "Seit fünf Wochen warte ich auf meine Rückerstattung.",
                "Die Retoure ist laut Tracking angekommen, aber eine Gutschrift gibt es immer noch nicht.",
                "Mir wurde nur ein Teil des Betrags erstattet, ohne Begründung.",
                "Die Rücksendung muss man jetzt selbst bezahlen, das war früher anders.",
                "Erstattung nur als Gutschein statt Geld zurück, das wollte ich so nicht.",
            ],
        },
        "en": {
            "pos": [
                "Returns are free and the money was back in my account in three days.",
                "The refund came through faster than expected.",
                "Exchanging for another size was painless.",
            ],
            "neu": [
                "Sent the return on Monday, refund still pending.",
                "Returns are accepted within 30 days.",
            ],
            "neg": [
                "Still waiting for my refund after five weeks.",
                "Tracking shows the return arrived but I've had no refund.",
                "They only refunded part of the amount with no explanation.",
                "Refund as a voucher instead of money back, which is not what I asked for.",
            ],
        },
    },
    "app_website": {
        "de": {
            "pos": [
                "Die App ist übersichtlich und die Bestellung geht in wenigen Klicks.",
                "Seit dem letzten Update läuft die App richtig flüssig.",
                "Die Website ist schnell und die Suche findet, was ich suche.",
                "Die Push-Nachrichten in der App sind praktisch.",
                "Der Login mit Face ID funktioniert super.",
            ],
            "neu": [
                "Die App gibt es für iOS und Android.",
                "Ich bestelle meistens über die Website, selten über die App.",
                "Nach dem Update sieht die Startseite anders aus.",
            ],
            "neg": [
                "Die App stürzt beim Bezahlen ständig ab.",
                "Nach dem Update kann ich mich nicht mehr einloggen.",
                "Die Website lädt ewig und der Warenkorb leert sich von selbst.",
                "Die Suche in der App ist unbrauchbar, man findet nichts.",
                "Ständig Werbung und Pop-ups in der App, total nervig.",
                "Der Login funktioniert nur jedes zweite Mal, dann kommt eine Fehlermeldung.",
            ],
        },
        "en": {
            "pos": [
                "The app is clean and ordering takes a few taps.",
                "Since the last update the app runs really smoothly.",
                "The website is fast and search actually finds things.",
                "Handy push notifications from the app for every step.",
            ],
            "neu": [
                "I mostly order on the website, rarely in the app.",
                "The home screen looks different after the update.",
            ],
            "neg": [
                "The app keeps crashing at checkout.",
                "After the update I can't log in anymore.",
                "The website takes forever to load and the basket empties itself.",
                "Search in the app is useless.",
                "Login only works every other time, otherwise it throws an error.",
            ],
        },
    },
    "waiting_time": {
        "de": {
            "pos": [
                "Keine Wartezeit an der Hotline, sofort war jemand dran.",
                "Ich musste nicht lange warten, die Antwort kam noch am selben Tag.",
                "Kaum Wartezeit, selbst in der Vorweihnachtszeit.",
            ],
            "neu": [
                "Die Wartezeit an der Hotline wird angesagt, heute waren es etwa zehn Minuten.",
                "Bei Vorbestellungen muss man mit etwas Wartezeit rechnen.",
            ],
            "neg": [
                "45 Minuten in der Warteschleife und dann aus der Leitung geflogen.",
                "Wartezeit auf eine Antwort per Mail: zehn Tage.",
                "Die Verspätung wurde nicht einmal angekündigt, ich habe umsonst den ganzen Tag gewartet.",
                "Die Verzögerung bei meiner Bestellung zieht sich jetzt schon über drei Wochen.",
                "Immer wieder verspätet, auf die angegebenen Termine ist kein Verlass.",
            ],
        },
        "en": {
            "pos": [
                "No wait at all on the phone, got through immediately.",
                "Didn't have to wait long, the answer came the same day.",
            ],
            "neu": [
                "They tell you the wait time on the phone, today about ten minutes.",
            ],
            "neg": [
                "45 minutes on hold and then the line dropped.",
                "Waited ten days for an email reply.",
                "The delay wasn't announced, I waited in all day for nothing.",
                "Always late, you can't rely on the dates they give.",
            ],
        },
    },
    "billing": {
        "de": {
            "pos": [
                "Bezahlung per Rechnung ist super praktisch.",
                "Die Rechnung liegt direkt als PDF im Kundenkonto.",
                "Die Zahlung mit PayPal ging problemlos.",
            ],
            "neu": [
                "Die Abbuchung erfolgt erst beim Versand.",
                "Bezahlen kann man per Karte, PayPal, Lastschrift oder auf Rechnung.",
                "Die Rechnung kam separat per E-Mail.",
            ],
            "neg": [
                "Mir wurde der Betrag doppelt abgebucht und niemand fühlt sich zuständig.",
                "Ich habe eine Mahnung bekommen, obwohl die Rechnung längst bezahlt ist.",
                "Die Lastschrift wurde zurückgebucht und jetzt soll ich Gebühren zahlen.",
                "Auf der Rechnung stehen Artikel, die ich nie bekommen habe.",
                "Der Plus-Beitrag wurde abgebucht, obwohl ich längst gekündigt hatte.",
            ],
        },
        "en": {
            "pos": [
                "Paying by invoice is really convenient.",
                "The invoice is right there as a PDF in my account.",
            ],
            "neu": [
                "Payment is only taken when the order ships.",
                "You can pay by card, PayPal, direct debit or invoice.",
            ],
            "neg": [
                "I was charged twice and nobody wants to sort it out.",
                "Got a payment reminder even though the invoice was paid weeks ago.",
                "The invoice lists items I never received.",
            ],
        },
    },
    "cancellation": {
        "de": {
            "pos": [
                "Die Kündigung von Paketwerk Plus ging mit zwei Klicks, vorbildlich.",
                "Bestellung storniert, die Bestätigung kam sofort.",
                "Die Stornierung war noch möglich, obwohl die Bestellung schon in Bearbeitung war.",
            ],
            "neu": [
                "Paketwerk Plus kann monatlich gekündigt werden.",
                "Stornieren geht nur, solange die Bestellung noch nicht versandt ist.",
            ],
            "neg": [
                "Das Abo lässt sich in der App nicht kündigen, man wird nur im Kreis geschickt.",
                "Meine Stornierung wurde ignoriert und die Ware trotzdem verschickt.",
                "Die Kündigung wurde erst nach drei Anläufen bestätigt.",
                "Bei Paketwerk Plus verlängert sich das Abo automatisch, ohne dass man vorher erinnert wird.",
            ],
        },
        "en": {
            "pos": [
                "Cancelling my Plus subscription took two clicks, exemplary.",
                "Cancelled the order and got the confirmation instantly.",
            ],
            "neu": [
                "The Plus subscription can be cancelled monthly.",
            ],
            "neg": [
                "You can't cancel the subscription in the app, it just sends you in circles.",
                "My cancellation was ignored and the order shipped anyway.",
                "The subscription renews automatically without any reminder.",
            ],
        },
    },
    "staff_friendliness": {
        "de": {
            "pos": [
                "Der Fahrer war super freundlich und hat das schwere Paket bis in den dritten Stock getragen.",
                "Sehr höfliche Mitarbeiterin an der Hotline, sie hat sich richtig Zeit genommen.",
                "Unser Stammfahrer ist immer gut gelaunt und zuverlässig.",
                "Freundliches Personal in der Filiale, alles war schnell erledigt.",
                "Danke an den netten Fahrer, der trotz Glatteis pünktlich war.",
            ],
            "neu": [
                "Der Fahrer kommt meistens am späten Nachmittag.",
                "Die Mitarbeiter sind über eine Subfirma angestellt, soweit ich weiß.",
            ],
            "neg": [
                "Der Fahrer war extrem unfreundlich und hat das Paket einfach hingeworfen.",
                "Die Mitarbeiterin am Telefon war frech und hat mich ständig unterbrochen.",
                "So unhöfliches Personal habe ich selten erlebt.",
                "Der Fahrer hat sich geweigert, das Paket in den zweiten Stock zu bringen.",
            ],
        },
        "en": {
            "pos": [
                "The driver was really friendly and carried the heavy box upstairs.",
                "Very polite agent on the phone who took her time.",
                "Our regular driver is always cheerful and reliable.",
            ],
            "neu": [
                "The driver usually comes late in the afternoon.",
            ],
            "neg": [
                "The driver was rude and just threw the parcel on the doorstep.",
                "The agent on the phone was rude and kept interrupting me.",
                "Staff were unhelpful and dismissive.",
            ],
        },
    },
}

# Written as one piece: "good, but ..." reviews that a single-label model finds hard.
MIXED: dict[str, list[str]] = {
    "de": [
        "Ware top, aber die Lieferung hat ewig gedauert.",
        "Preis gut, aber der Kundenservice ist eine Katastrophe.",
        "Die App ist schick, aber beim Bezahlen hängt sie sich regelmäßig auf.",
        "Schnelle Lieferung, leider war die Ware beschädigt.",
        "Der Fahrer war nett, aber das Paket kam trotzdem zwei Tage zu spät.",
        "Die Erstattung kam am Ende, aber erst nach vier Wochen und drei Nachfragen.",
        "Günstiger als anderswo, dafür ist die Qualität auch eher mittelmäßig.",
        "Tolle Auswahl und faire Preise, nur die Hotline ist kaum erreichbar.",
        "Eigentlich bin ich zufrieden, nur die neue Versandgebühr nervt.",
        "Der Support war freundlich, konnte mir aber nicht wirklich helfen.",
        "Die Bestellung kam pünktlich, aber die Rechnung war falsch.",
        "Produkt super, Verpackung eine Zumutung: riesiger Karton für ein Ladekabel.",
    ],
    "en": [
        "Great product, but delivery took forever.",
        "Good prices, but customer service is a disaster.",
        "The app looks nice but freezes at checkout.",
        "Fast delivery, unfortunately the item was damaged.",
        "The driver was friendly but the parcel was still two days late.",
        "Cheaper than elsewhere, but the quality is average at best.",
        "Happy overall, only the new shipping fee is annoying.",
    ],
}

# First sentences that set the scene; "any" fits every tone.
OPENERS: dict[str, dict[str, list[str]]] = {
    "de": {
        "any": [
            "Ich bestelle seit Jahren bei Paketwerk.",
            "Erste Bestellung hier.",
            "Kurzes Feedback zu meiner letzten Bestellung:",
            "Habe über die App einen Staubsauger bestellt.",
            "Weihnachtsgeschenke bei Paketwerk bestellt.",
            "Bestellung vom letzten Mittwoch, Kinderschuhe und ein Toaster.",
            "Ich nutze Paketwerk Plus seit gut einem Jahr.",
            "Zum zweiten Mal hier bestellt.",
            "Wir bestellen für das Büro regelmäßig Druckerpatronen hier.",
            "Meine Eltern haben mich gebeten, für sie zu bestellen.",
        ],
        "pos": [
            "Ich bin rundum zufrieden.",
            "Endlich mal ein Shop, bei dem alles klappt.",
            "Kann Paketwerk nur empfehlen.",
        ],
        "neg": [
            "Ich bin echt enttäuscht.",
            "Was ist bei Paketwerk los?",
            "So etwas habe ich noch nie erlebt.",
            "Leider muss ich diesmal eine schlechte Bewertung schreiben.",
        ],
    },
    "en": {
        "any": [
            "I've been ordering from Paketwerk for years.",
            "First order here.",
            "Quick feedback on my last order:",
            "Ordered a vacuum cleaner through the app.",
            "Ordered Christmas presents from Paketwerk.",
            "I've had Paketwerk Plus for about a year.",
        ],
        "pos": [
            "Really happy overall.",
            "Finally a shop where everything just works.",
        ],
        "neg": [
            "Really disappointed.",
            "What is going on at Paketwerk?",
            "Sadly I have to leave a bad review this time.",
        ],
    },
}

CLOSERS: dict[str, dict[str, list[str]]] = {
    "de": {
        "pos": [
            "Klare Empfehlung!",
            "Gerne wieder.",
            "Weiter so!",
            "Fünf Sterne von mir.",
            "Bestelle sicher wieder.",
            "Danke, Paketwerk!",
            "Macht weiter so, Leute.",
            "Von mir gibt es eine klare Kaufempfehlung.",
            "Bin seit Jahren treuer Kunde und bleibe es.",
            "Da kann sich manch anderer Shop eine Scheibe abschneiden.",
        ],
        "neu": [
            "Mal sehen, wie es beim nächsten Mal läuft.",
            "Insgesamt okay.",
            "Nichts Besonderes, aber in Ordnung.",
            "Schauen wir mal.",
            "Drei Sterne, mehr nicht.",
            "Für den Alltag reicht es.",
        ],
        "neg": [
            "Nie wieder.",
            "Schade, früher war das besser.",
            "Ein Stern ist noch zu viel.",
            "Finger weg.",
            "Ich überlege ernsthaft, woanders zu bestellen.",
            "So verliert man Kunden.",
            "Sehr ärgerlich.",
            "Ich bin wirklich bedient.",
            "Das geht gar nicht.",
            "Unterirdisch.",
            "Mehr als enttäuschend.",
            "Bitte bessert da dringend nach.",
        ],
    },
    "en": {
        "pos": ["Highly recommended!", "Will order again.", "Keep it up!", "Five stars from me."],
        "neu": ["We'll see how the next order goes.", "Okay overall."],
        "neg": [
            "Never again.",
            "Such a shame, it used to be better.",
            "Avoid.",
            "One star is too generous.",
            "Really not good enough.",
            "Very frustrating.",
        ],
    },
}

TITLES: dict[str, dict[str, list[str]]] = {
    "de": {
        "pos": [
            "Top!",
            "Super Shop",
            "Schnell und zuverlässig",
            "Bin zufrieden",
            "Sehr gut",
            "Alles bestens",
            "Empfehlenswert",
            "Klappt einfach",
            "Gerne wieder",
        ],
        "neu": ["Geht so", "Okay", "Mittelmaß", "Durchwachsen", "Ganz in Ordnung", "Naja"],
        "neg": [
            "Katastrophe",
            "Enttäuschend",
            "Ärgerlich",
            "Unzumutbar",
            "Leider schlecht",
            "Sehr enttäuscht",
            "Schwach",
            "Mangelhaft",
            "Frustrierend",
            "Ein Stern",
        ],
    },
    "en": {
        "pos": ["Great!", "Fast and reliable", "Very happy", "Excellent", "Recommended"],
        "neu": ["Okay", "Mixed feelings", "Average", "It's fine"],
        "neg": ["Terrible", "Never again", "Disappointing", "Avoid", "Very frustrating"],
    },
}

# Words that join a positive and a negative sentence into a "mixed" review.
BUT: dict[str, list[str]] = {
    "de": ["Aber", "Leider", "Allerdings"],
    "en": ["But", "However", "Unfortunately,"],
}

# ------------------------------------------------------------------ the incident (from 2026-11-19)
# Parcels stuck at a distribution centre: a spike in one existing topic (delivery).
HUB_JAM: dict[str, list[str]] = {
    "de": [
        "Meine Sendung hängt seit Tagen im Verteilzentrum Kassel fest, der Status ändert sich nicht.",
        "Seit Dienstag steht in der Sendungsverfolgung nur noch 'Paket im Verteilzentrum angekommen'.",
        "Die Sendung hängt seit drei Tagen im Verteilzentrum, niemand kann mir sagen, wann die Zustellung kommt.",
        "Drei Bestellungen, alle drei Pakete liegen im Verteilzentrum und bewegen sich nicht.",
        "Laut Hotline gibt es bei meiner Sendung 'Verzögerungen im Verteilzentrum', mehr erfährt man nicht.",
        "Das Paket sollte am Donnerstag kommen, jetzt ist es irgendwo im Verteilzentrum verschwunden.",
        "Das Paket mit dem Geburtstagsgeschenk hängt im Verteilzentrum fest, der Geburtstag ist morgen.",
        "Bei mir das Gleiche: Die Lieferung steckt im Verteilzentrum, keine Info, kein neuer Termin.",
        "Offenbar stauen sich gerade tausende Pakete im Verteilzentrum, warum informiert Paketwerk nicht?",
        "Die Sendungsverfolgung steht seit 72 Stunden auf 'in Bearbeitung im Verteilzentrum Kassel'.",
        "Mein Paket liegt seit Mittwoch im Verteilzentrum, dabei stand Expresszustellung auf der Rechnung.",
        "Wir warten auf die Lieferung für den Umzug, alles hängt im Verteilzentrum. Super.",
        "Die Sendung pendelt laut Tracking zwischen zwei Verteilzentren hin und her.",
        "Keine Zustellung seit fast einer Woche, das Paket liegt im Verteilzentrum Kassel.",
        "Die Lieferung ist eine einzige Katastrophe, mein Paket liegt seit Tagen im Verteilzentrum.",
        "Unfassbar schlechte Zustellung: Seit vier Tagen hängt mein Paket im Verteilzentrum Kassel.",
        "Die Sendungsverfolgung ist ein Witz, seit Mittwoch steht da nur 'im Verteilzentrum'.",
        "Absolut inakzeptabel, dass meine Sendung seit Tagen unbearbeitet im Verteilzentrum liegt.",
    ],
    "en": [
        "My parcel has been stuck at the distribution centre for days with no update.",
        "Tracking has said 'arrived at distribution centre' since Tuesday and nothing since.",
        "Three parcels, all sitting in the same distribution centre, none of them moving.",
        "Support just says my parcel is 'delayed at the distribution centre', nothing else.",
        "The package was due on Thursday and now it has vanished somewhere in the Kassel hub.",
        "Same here, delivery stuck at the Kassel distribution centre, no info, no new date.",
        "My shipment has been 'processing at hub' for 72 hours now.",
        "Terrible delivery, my parcel has been stuck at the Kassel hub for four days.",
        "Tracking is a joke, it has said 'at distribution centre' since Wednesday.",
    ],
}

HUB_TITLES: dict[str, list[str]] = {
    "de": [
        "Paket hängt im Verteilzentrum",
        "Sendung steckt fest",
        "Seit Tagen keine Bewegung",
        "Wo ist mein Paket?",
        "Verteilzentrum Kassel – Stillstand",
        "Keine Zustellung",
    ],
    "en": [
        "Parcel stuck at hub",
        "Stuck at distribution centre",
        "Where is my parcel?",
        "No movement for days",
    ],
}

# The pickup lockers: a complaint theme no configured topic covers (no topic keyword inside).
LOCKER_CODE: dict[str, list[str]] = {
    "de": [
        "Der Abholcode für die Abholstation kommt einfach nicht an.",
        "Die Abholstation öffnet das Fach nicht, angeblich ist der Abholcode ungültig.",
        "Habe jetzt dreimal einen neuen Abholcode angefordert, keiner funktioniert.",
        "An der Abholstation steht 'Code ungültig', obwohl ich ihn eben erst bekommen habe.",
        "Die SMS mit dem Abholcode kam erst, nachdem die Abholfrist vorbei war.",
        "Mein Fach in der Abholstation bleibt zu, der Abholcode wird nicht akzeptiert.",
        "Abholcode per E-Mail erhalten, an der Abholstation heißt es nur 'unbekannter Code'.",
        "Drei Leute standen gestern Abend mit mir an der Abholstation, bei keinem ging der Abholcode.",
        "Die Abholstation am Bahnhof zeigt nur eine Fehlermeldung, wenn man den Abholcode eintippt.",
    ],
    "en": [
        "The pickup code for the locker never arrives.",
        "The pickup locker won't open, it says my pickup code is invalid.",
        "Requested a new pickup code three times and none of them work.",
        "The locker at the station just shows an error when I type in the pickup code.",
    ],
}

LOCKER_TITLES: dict[str, list[str]] = {
    "de": [
        "Abholcode ungültig",
        "Abholstation öffnet nicht",
        "Kein Abholcode erhalten",
        "Abholstation defekt?",
    ],
    "en": ["Pickup code invalid", "Locker won't open"],
}

# Churn signals: cancelling the subscription, naming a competitor.
CHURN: dict[str, list[str]] = {
    "de": [
        "Ich kündige mein Abo, das war's für mich.",
        "Nach dieser Erfahrung wechsle ich zu Warenblitz.",
        "Paketwerk Plus ist gekündigt, ab jetzt bestelle ich bei KaufNest.",
        "Wenn das bis Montag nicht geklärt ist, kündige ich mein Plus-Abo.",
        "Ich wechsle zu KaufNest, da kommt wenigstens etwas an.",
        "Mein Abo habe ich heute gekündigt.",
    ],
    "en": [
        "I'm cancelling my subscription, I'm done.",
        "Switching to Warenblitz after this.",
        "Cancelled Plus today, moving to KaufNest.",
    ],
}

# One angry customer posting the same complaint again and again (must not alert on its own).
REPEAT_POSTER = {
    "author": "Rainer_K_aus_H",
    "lang": "de",
    "title": "Paketwerk bucht doppelt ab!!!",
    "texts": [
        "Paketwerk hat meine Bestellung über 89,90 Euro doppelt abgebucht und reagiert nicht. Ich will mein Geld zurück!",
        "Paketwerk hat meine Bestellung über 89,90 Euro doppelt abgebucht und reagiert nicht!!! Ich will mein Geld zurück!",
        "Immer noch nichts. Paketwerk hat 89,90 Euro doppelt abgebucht und reagiert nicht. Ich will mein Geld zurück!",
        "Tag 2: Paketwerk hat meine Bestellung doppelt abgebucht, keine Reaktion. Ich will mein Geld zurück!!!",
        "Nochmal für alle: Paketwerk bucht doppelt ab und reagiert nicht auf Mails. Geld zurück!",
        "PAKETWERK HAT DOPPELT ABGEBUCHT. Keine Antwort auf drei Mails. Ich will mein Geld zurück!",
        "Tag 3 und Paketwerk hat die doppelte Abbuchung von 89,90 Euro immer noch nicht erstattet.",
        "Paketwerk hat meine Bestellung über 89,90 Euro doppelt abgebucht und reagiert nicht. Ich will mein Geld zurück!",
        "Letzte Warnung an Paketwerk: doppelte Abbuchung sofort zurück, sonst Anwalt.",
    ],
}

# Praise during the incident week too: the digest needs real highlights.
HIGHLIGHTS: dict[str, list[str]] = {
    "de": [
        "Trotz des ganzen Weihnachtsstresses kam alles pünktlich, und der Fahrer war super nett.",
        "Hut ab vor dem Kundenservice: Die Mitarbeiterin hat mein Paket selbst umgeleitet und mich zurückgerufen.",
        "Die neue Funktion in der App, mit der man den Ablageort festlegt, ist genial.",
        "Die Erstattung für die beschädigte Lampe war nach einem Tag da, ganz ohne Diskussion.",
    ],
    "en": [
        "Despite the Christmas rush everything arrived on time and the driver was lovely.",
        "Hats off to customer service: the agent rerouted my parcel herself and called me back.",
    ],
}

# Google Play developer replies (the shop answers some reviews).
DEVELOPER_REPLIES: dict[str, list[str]] = {
    "de": [
        "Hallo, das tut uns sehr leid! Bitte schreib uns mit deiner Bestellnummer an service@paketwerk.example, wir kümmern uns sofort. Dein Paketwerk-Team",
        "Danke für dein Feedback! Wir geben es an das zuständige Team weiter. Viele Grüße, dein Paketwerk-Team",
        "Vielen Dank für die tolle Bewertung, wir freuen uns! Dein Paketwerk-Team",
    ],
    "en": [
        "We're sorry to hear that! Please contact us at service@paketwerk.example with your order number and we'll look into it right away.",
        "Thank you for the kind review, we're delighted!",
    ],
}

# ------------------------------------------------------------------ people
FIRST_NAMES_DE = [
    "Anna",
    "Lena",
    "Sabine",
    "Katrin",
    "Julia",
    "Miriam",
    "Petra",
    "Sandra",
    "Nicole",
    "Claudia",
    "Jana",
    "Laura",
    "Sophie",
    "Hannah",
    "Ayşe",
    "Elif",
    "Monika",
    "Ursula",
    "Birgit",
    "Heike",
    "Franziska",
    "Tanja",
    "Melanie",
    "Nadine",
    "Svenja",
    "Marie",
    "Emily",
    "Lea",
    "Ines",
    "Dagmar",
    "Thomas",
    "Michael",
    "Andreas",
    "Stefan",
    "Markus",
    "Jan",
    "Tobias",
    "Florian",
    "Sebastian",
    "Daniel",
    "Mehmet",
    "Ali",
    "Jürgen",
    "Uwe",
    "Klaus",
    "Frank",
    "Dirk",
    "Holger",
    "Jens",
    "Lukas",
    "Felix",
    "Jonas",
    "Niklas",
    "Tim",
    "Kevin",
    "Dennis",
    "Matthias",
    "Oliver",
    "Rainer",
    "Günter",
    "Björn",
    "Sven",
    "Paul",
    "Moritz",
    "Piotr",
    "Dimitri",
    "Marco",
    "Luca",
    "Emre",
]
LAST_NAMES_DE = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Rossi",
]
FIRST_NAMES_EN = [
    "James",
    "Emma",
    "Oliver",
    "Sophie",
    "Liam",
    "Chloe",
    "Harry",
    "Grace",
    "Jack",
    "Olivia",
    "Daniel",
    "Megan",
    "Ryan",
    "Hannah",
    "Priya",
    "Arjun",
    "Sean",
    "Aoife",
    "Lucas",
    "Isabel",
    "Tom",
    "Rachel",
    "Ben",
    "Laura",
    "Marco",
    "Ana",
    "David",
    "Kate",
    "Sam",
    "Nina",
]
LAST_NAMES_EN = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Thomas",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Clarke",
    "Patel",
    "Murphy",
    "O'Brien",
    "Kelly",
    "Martin",
    "Cooper",
    "Ward",
    "Morris",
    "Reed",
]
NICK_WORDS_DE = [
    "Schnäppchenjäger",
    "Kaffeeliebhaberin",
    "Bücherwurm",
    "Nachteule",
    "Gartenfee",
    "Bastler",
    "Stadtkind",
    "Dorfkind",
    "Hobbykoch",
    "Radfahrerin",
    "Sparfuchs",
    "Technikfan",
    "Vielbesteller",
    "Mama",
    "Papa",
    "Oma",
    "Student",
    "Pendler",
    "Leseratte",
    "Katzenmama",
    "Heimwerker",
]
CITIES_DE = [
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Frankfurt",
    "Stuttgart",
    "Düsseldorf",
    "Leipzig",
    "Dortmund",
    "Essen",
    "Bremen",
    "Dresden",
    "Hannover",
    "Nürnberg",
    "Kassel",
    "Bielefeld",
    "Münster",
    "Freiburg",
    "Mainz",
    "Erfurt",
    "Rostock",
    "Kiel",
    "Graz",
    "Wien",
    "Zürich",
    "Basel",
]

# ------------------------------------------------------------------ the forum feed
# Topic titles for forum threads (the RSS feed of a consumer forum).
FORUM_TITLES: dict[str, dict[str, list[str]]] = {
    "de": {
        "pos": ["Paketwerk – gute Erfahrungen", "Lob an Paketwerk", "Paketwerk Plus lohnt sich?"],
        "neu": [
            "Erfahrungen mit Paketwerk?",
            "Frage zu Paketwerk Plus",
            "Paketwerk Lieferzeiten",
            "Paketwerk oder Warenblitz?",
        ],
        "neg": [
            "Ärger mit Paketwerk",
            "Paketwerk – Problem mit Bestellung",
            "Paketwerk reagiert nicht",
            "Paketwerk Erfahrungen (negativ)",
        ],
    },
    "en": {
        "pos": ["Paketwerk – good experience"],
        "neu": ["Anyone used Paketwerk?", "Paketwerk delivery times"],
        "neg": ["Problems with Paketwerk", "Paketwerk not responding"],
    },
}

# Feed items the brand filter must drop: about competitors only, or job ads (an exclude term).
OFF_BRAND_FORUM_POSTS: list[tuple[str, str]] = [
    (
        "Warenblitz Lieferung heute wieder pünktlich",
        "Bei Warenblitz kam heute alles wie angekündigt, kann mich nicht beschweren.",
    ),
    ("KaufNest Rücksendung", "Hat jemand Erfahrung mit Rücksendungen bei KaufNest? Dauert bei mir ewig."),
    (
        "Welcher Onlineshop liefert am schnellsten?",
        "Ich suche einen Shop, der auch samstags zustellt. Tipps?",
    ),
    (
        "Stellenangebot: Fahrer (m/w/d) bei Paketwerk in Kassel",
        "Paketwerk sucht Fahrer für das Verteilzentrum Kassel. Bewerbung über das Karriereportal. Stellenangebot in Vollzeit.",
    ),
    (
        "Stellenangebot Lagerhelfer Paketwerk",
        "Stellenangebot: Paketwerk sucht Lagerhelfer im Schichtdienst, Einstieg sofort.",
    ),
    ("Warenblitz App Update", "Die neue Warenblitz App ist deutlich schneller, finde ich."),
    ("Paketdienste im Vergleich 2026", "Ein Vergleich der großen Versender, leider ohne meinen Favoriten."),
]

# ------------------------------------------------------------------ the news alert feed
# (local date, language, site, headline, snippet) — a Google Alerts feed for "Paketwerk".
NEWS: list[tuple[str, str, str, str, str]] = [
    (
        "2026-09-29",
        "de",
        "www.handelsblatt-digital.example",
        "Onlinehandel im Herbst: Paketwerk meldet Umsatzplus",
        "Der Versandhändler Paketwerk hat im dritten Quartal nach eigenen Angaben zweistellig zugelegt. Treiber sei vor allem das Abo-Modell Paketwerk Plus.",
    ),
    (
        "2026-10-03",
        "de",
        "www.techblog-hamburg.example",
        "Ausprobiert: Die neue Paketwerk-App im Test",
        "Übersichtlicher, schneller, weniger Werbung: Die neue Version der Paketwerk-App macht vieles besser. Nur die Suche bleibt eine Baustelle.",
    ),
    (
        "2026-10-08",
        "en",
        "www.ecommerce-weekly.example",
        "German retailer Paketwerk expands same-day delivery",
        "Paketwerk is rolling out same-day delivery in Hamburg and Munich, putting pressure on rivals Warenblitz and KaufNest.",
    ),
    (
        "2026-10-14",
        "de",
        "www.verbraucherportal.example",
        "Paketwerk Plus wird teurer: Was Abonnenten jetzt wissen müssen",
        "Ab Januar kostet das Versand-Abo Paketwerk Plus 1,50 Euro mehr im Monat. Bestehende Kunden haben ein Sonderkündigungsrecht.",
    ),
    (
        "2026-10-19",
        "de",
        "www.regionalzeitung-nordhessen.example",
        "Neues Verteilzentrum in Kassel: Paketwerk stellt 300 Mitarbeiter ein",
        "Im Gewerbegebiet Waldau hat Paketwerk sein bislang größtes Verteilzentrum in Betrieb genommen. Bis Weihnachten sollen dort täglich 120.000 Sendungen umgeschlagen werden.",
    ),
    (
        "2026-10-24",
        "en",
        "www.retaildive-europe.example",
        "Paketwerk tops customer satisfaction survey for electronics",
        "In a survey of 5,000 online shoppers, Paketwerk ranked first for electronics, ahead of Warenblitz, citing fast delivery and easy returns.",
    ),
    (
        "2026-10-29",
        "de",
        "www.shopvergleich-blog.example",
        "Black Friday 2026: Diese Shops locken schon jetzt mit Rabatten",
        "Auch Paketwerk startet früh in die Rabattsaison und verspricht bis zu 40 Prozent auf Haushaltsgeräte.",
    ),
    (
        "2026-11-04",
        "de",
        "www.verbraucherportal.example",
        "Rücksendungen: Paketwerk führt QR-Code-Retoure ein",
        "Kunden von Paketwerk können Rücksendungen künftig ohne Drucker per QR-Code abgeben. Die Erstattung soll innerhalb von drei Tagen erfolgen.",
    ),
    (
        "2026-11-09",
        "en",
        "www.ecommerce-weekly.example",
        "Paketwerk app update brings delivery slot picker",
        "The latest Paketwerk app lets customers pick a two-hour delivery slot and a safe place for their parcel.",
    ),
    (
        "2026-11-13",
        "de",
        "www.logistik-aktuell.example",
        "Vorweihnachtsgeschäft: Paketdienste rechnen mit Rekordmengen",
        "Auch Paketwerk erwartet in den kommenden Wochen deutlich mehr Sendungen als im Vorjahr und hat zusätzliche Fahrer eingestellt.",
    ),
    (
        "2026-11-17",
        "de",
        "www.techblog-hamburg.example",
        "Paketwerk testet Abholstationen in drei Städten",
        "In Hamburg, Köln und Leipzig stehen die ersten Abholstationen von Paketwerk. Kunden erhalten einen Code per SMS.",
    ),
    (
        "2026-11-20",
        "de",
        "www.regionalzeitung-nordhessen.example",
        "Paketstau in Kassel: Paketwerk-Kunden warten tagelang auf Sendungen",
        "Im neuen Verteilzentrum von Paketwerk in Kassel stauen sich seit Mittwoch zehntausende Pakete. Das Unternehmen spricht von einer Störung der Sortieranlage; Kunden beklagen fehlende Informationen.",
    ),
    (
        "2026-11-21",
        "de",
        "www.logistik-aktuell.example",
        "Störung im Verteilzentrum: Paketwerk bittet Kunden um Geduld",
        "Paketwerk hat die Probleme im Verteilzentrum Kassel bestätigt. Verspätete Sendungen sollen bis Anfang nächster Woche zugestellt werden.",
    ),
    (
        "2026-11-21",
        "en",
        "www.ecommerce-weekly.example",
        "Paketwerk hit by sorting centre breakdown ahead of Black Friday",
        "A fault at Paketwerk's new Kassel distribution centre has left thousands of parcels stuck, with customers flooding review sites with complaints.",
    ),
]
