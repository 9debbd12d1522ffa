"""The built-in churn cues: what says a customer leaves, and what only looks like it.

Three kinds of sentence share the words:

* **leaving the brand** — ending a contract, subscription or account ("ich kündige mein Abo",
  "cancel my subscription", "delete my account"), switching away ("ich wechsle zu …",
  "switching to another app", "dump them for …"), or saying they will not come back ("nie
  wieder", "für mich war es das letzte Mal", "ich komme nicht wieder", "never again",
  "uninstall the app", "stop using it"). A threat counts ("… unless you fix this"): the
  customer can still be rescued;
* **acting on one order** — "Meine Stornierung wurde ignoriert", "cancel my order",
  "umgebucht", a refund: the customer stays a customer;
* everything else that shares the words — negated ("ich werde nicht kündigen", "we will
  definitely come back"), someone else's cancellation ("the concert was cancelled",
  "kündigt neue EP an"), troubleshooting ("uninstalled and reinstalled"), or another sense
  ("Zimmerwechsel", "nie wieder Probleme", "switching to dark mode").

All patterns are regular expressions over casefolded text, matched clause by clause, so that
a negation only reaches the words of its own clause. Measured on hand-labelled real review
sentences (tests/data/churn_sentences.jsonl, ``bench/detection.py``).
"""

from __future__ import annotations

import re

#: A leaving cue preceded by one of these within ``NEGATION_WINDOW`` words is negated.
NEGATIONS = {
    "de": r"nicht|kein|keine|keinen|keinem|niemals|nie|ohne",
    "en": r"not|no|never|don't|dont|won't|wont|didn't|wouldn't|can't|cannot|isn't|without",
}
NEGATION_WINDOW = 3

_ORDER_OBJECT = (
    r"(?:order|orders|purchase|item|items|booking|reservation|flight|delivery|shipment|bestellung\w*|"
    r"buchung\w*|lieferung\w*|sendung\w*|auftrag|reservierung\w*)"
)
_PLAN_OBJECT = (
    r"(?:subscription|membership|account|accounts|plan|contract|service|abo\w*|abonnement\w*|vertrag\w*|"
    r"mitgliedschaft\w*|konto|kundenkonto|account|plus)"
)
_RETURN_VERB = (
    r"(?:komm\w*|buch\w*|bestell\w*|übernacht\w*|kauf\w*|nutz\w*|benutz\w*|hin|hingehen|zurück|wiederkomm\w*)"
)

#: (reason, pattern). Cues that contain their own negation ("nicht wieder kommen") are
#: leaving statements; the others are negated by a preceding ``NEGATIONS`` word.
LEAVE_CUES: dict[str, list[tuple[str, str]]] = {
    "de": [
        # kündigen, Kündigung, gekündigt — not "angekündigt", "kündigt … an" (announces)
        ("cancellation", r"(?<!an)(?<!ange)\bk[üu]ndig\w*"),
        ("cancellation", r"\bge?k[üu]ndigt\b"),
        (
            "cancellation",
            rf"\b{_PLAN_OBJECT}\b[^.!?]{{0,40}}\b(?:beend\w*|storn\w*|aufl[öo]s\w*|l[öo]sch\w*|schlie[ßs]\w*)",
        ),
        ("cancellation", rf"\b(?:beend\w*|storn\w*|l[öo]sch\w*)\b[^.!?]{{0,20}}\b{_PLAN_OBJECT}\b"),
        ("cancellation", r"\b(?:vertragslaufzeit|mindestlaufzeit|k[üu]ndigungsfrist)\b"),
        # the verb, not the noun: "mit dem Wechsel zu einer anderen Kooperation" is news
        ("leaving", r"\b(?:wechsle|wechseln|gewechselt|wechselt)\b[^.!?]{0,40}\b(?:zu|zur|zum)\b"),
        ("leaving", r"\b(?:umsteigen|umgestiegen|steige\b[^.!?]{0,30}\bum)\b"),
        (
            "leaving",
            rf"\bnie (?:wieder|mehr)\b[^.!?]{{0,30}}\b(?:bei|hier|dort|dieses|diesen|diese|{_RETURN_VERB})\b",
        ),
        ("leaving", r"\bnie (?:wieder|mehr) \$\w+"),
        ("leaving", rf"\bnicht (?:wieder|mehr)\b[^.!?]{{0,40}}\b{_RETURN_VERB}"),
        ("leaving", rf"\b{_RETURN_VERB}\b[^.!?]{{0,30}}\bnicht (?:wieder|mehr)\b"),
        ("leaving", r"\b(?:war es|ist es|war das|für mich|für uns)\b[^.!?]{0,15}\bdas letzte mal\b"),
    ],
    "en": [
        ("cancellation", rf"\bcancel\w*\b[^.!?]{{0,25}}\b(?:my|our|the|this)\s+{_PLAN_OBJECT}\b"),
        (
            "cancellation",
            rf"\b(?:i'm|im|i am|i'll|i will|i|we|we're|we'll|gonna|going to)\s+(?:\w+\s+)?cancel\w*\b(?![^.!?]{{0,25}}\b{_ORDER_OBJECT})",
        ),
        ("cancellation", r"\bhow (?:do|can) i cancel\b(?![^.!?]{0,25}\border)"),
        ("cancellation", r"\bunsubscrib\w*"),
        ("cancellation", rf"\bterminat\w*\b[^.!?]{{0,15}}\b(?:my|our|the)\s+{_PLAN_OBJECT}\b"),
        (
            "cancellation",
            r"\b(?:close|delete|deleting|remove|removing|closing)\b[^.!?]{0,20}\b(?:my|the|our)\s+accounts?\b",
        ),
        ("leaving", r"\buninstall\w*"),
        ("leaving", r"\bdelet(?:e|ed|ing)\s+(?:this|the)\s+app\b"),
        ("leaving", r"\b(?:stop|stopped|quit|quitting)\s+using\b"),
        ("leaving", r"\bswitch\w*\s+to\s+(?:another|a different|a new|other|an other)\b"),
        ("leaving", r"\b(?:dump|dumping|leave|leaving)\s+(?:them|you|it|this app)\s+for\b"),
        (
            "leaving",
            r"\bnever again\b[^.!?]{0,10}\b(?:will i|i will|i'll|order|ordering|buy|buying|use|using|shop|book)\b",
        ),
        (
            "leaving",
            r"\b(?:won't|will not|never)\s+(?:be\s+)?(?:order|ordering|buy|buying|shop|shopping|book|booking)\b[^.!?]{0,30}\b(?:again|here|from|with)\b",
        ),
        ("leaving", r"\b(?:won't|will not|never)\s+(?:be\s+)?coming back\b"),
    ],
}

#: "Nie wieder." / "Never again!" closing a sentence: matched on whole sentences, because
#: "NIE wieder, werd dich nicht mehr im Stich lassen" goes on to promise the opposite.
SENTENCE_CUES = [
    ("leaving", r"\bnie (?:wieder|mehr)\s*(?:$|[.!?)]|\s[—–-])"),
    ("leaving", r"\bnever again\s*(?:$|[.!?)]|\s[—–-])"),
]

#: Cues that already carry their negation: never negated again.
SELF_NEGATED = ("nie ", "nicht ", "never", "won't", "will not", "das letzte mal")

#: Sentences that only look like leaving: reinstalling to fix a bug, announcing something.
NOT_LEAVING = {
    # "kündigt neue EP an", "kündigte die Preiserhöhung an": ankündigen, not kündigen
    "de": [
        r"\bk[üu]ndig\w*\b[^.!?]{0,60}\ban\b(?!\s+(?:den|die|das|dem|der|ein\w*|mein\w*|dein\w*|ihr\w*|"
        r"unser\w*|euer\w*|jede\w*|diese\w*)\b)"
    ],
    # uninstalling, deleting and installing again: fixing a bug, not leaving
    "en": [r"\breinstall\w*|\b(?:uninstall\w*|delet\w*)\b[^.!?]{0,60}\b(?:install\w*|download\w*)"],
}

#: Switch cues next to a competitor's name ("ab jetzt nur noch bei …", "going back to …").
SWITCH_CUES = [
    r"\bwechs(?:el|le|elt|eln)\b",
    r"\bgewechselt\b",
    r"\bumsteig\w*|\bumgestiegen\b",
    r"\bgehe zu\b",
    r"\bab jetzt\b",
    r"\blieber (?:zu|bei)\b",
    r"\bab sofort\b",
    r"\bnie wieder\b",
    r"\bswitch\w*",
    r"\bmov(?:e|ing) to\b",
    r"\bgoing (?:back )?to\b",
    r"\bleav(?:e|ing) for\b",
    r"\bwent with\b",
    r"\bchanging to\b",
    r"\bnever again\b",
    r"\bdump\w* (?:them|you|it) for\b",
]

#: Sentences end at these; clauses also at commas and semicolons (a negation reaches only the
#: words of its own clause).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
CLAUSE_END = re.compile(r"[.!?;:]+\s|[.!?;:]+$|\s[—–]\s|,")
