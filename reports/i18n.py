"""Words and number/date formats of the digest, in German and English.

Why Babel and not f-strings: German readers expect "1.234", "3,5 %" and "22. Nov. 2026";
hand-rolled formats get one of them wrong sooner or later. The string table is a plain dict
so a missing translation fails a test (``test_every_key_in_both_languages``), not a reader.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_skeleton
from babel.numbers import format_decimal

from monitor.core.times import parse_time

LANGUAGES = ("de", "en")

STRINGS: dict[str, dict[str, str]] = {
    "de": {
        "title": "brandpulse-Tagesbericht",
        "subject": "{brands} · {day}: {mentions}, {alerts}",
        "subject_quiet": "{brands} · {day}: keine neuen Erwähnungen",
        "period": "Zeitraum: {day} ({tz})",
        "empty_all_ok": "Keine neuen Erwähnungen; alle Quellen in Ordnung.",
        "empty_sources_bad": "Keine neuen Erwähnungen — aber {sources} Probleme (siehe Quellen).",
        "sec_headline": "Überblick",
        "sec_alerts": "Warnungen",
        "sec_answer": "Heute beantworten (Feuerwehr)",
        "sec_topics": "Themen",
        "sec_sources": "Quellen",
        "sec_highlights": "Highlights",
        "sec_survey": "NPS-Umfrage",
        "metric": "Kennzahl",
        "value": "Wert",
        "vs_prev": "ggü. Vortag",
        "vs_base": "ggü. Ø 28 Tage",
        "m_mentions": "Erwähnungen",
        "m_negative": "Anteil negativ",
        "m_positive": "Anteil positiv",
        "m_net": "Netto-Stimmung",
        "m_rating": "Ø Sternebewertung",
        "m_nps": "Bewertungs-NPS",
        "no_alerts": "Keine offenen Warnungen.",
        "alert_spike": "Gehäufte Beschwerden",
        "alert_theme": "Neues Thema",
        "alert_churn": "Abwanderungssignal",
        "alert_new": "neu",
        "alert_all_topics": "alle Erwähnungen",
        "status_open": "offen",
        "status_rising": "steigend",
        "status_peaked": "abflauend",
        "status_resolved": "erledigt",
        "evidence": "{observed} beobachtet statt {expected} erwartet ({ratio}×), p {p}; {authors}",
        "evidence_count": "{observed} Fälle; {authors}",
        "since": "seit {day}",
        "via": "Quellen: {sources}",
        "open_original": "Original öffnen",
        "no_answer": "Keine negativen Erwähnungen, die eine Antwort brauchen.",
        "why_rating": "schlechte Bewertung",
        "why_cancel": "will kündigen",
        "why_switch": "wechselt zu {name}",
        "why_reach": "Reichweite {reach}",
        "why_recent": "frisch",
        "no_topics": "Keine Themen erkannt.",
        "topic": "Thema",
        "volume": "Anzahl",
        "neg_share": "negativ",
        "trend": "28 Tage",
        "source": "Quelle",
        "rating": "Ø ★",
        "health": "Status",
        "healthy": "ok",
        "broken_layout": "Seitenlayout geändert? Keine Daten erkannt",
        "broken_failed": "Abruf fehlgeschlagen ({status})",
        "broken_times": "{n}× in Folge",
        "never_run": "noch nie abgerufen",
        "last_run": "letzter Abruf {when}",
        "no_sources": "Keine Quellen konfiguriert.",
        "no_highlights": "Keine positiven Erwähnungen in diesem Zeitraum.",
        "survey_nps": "NPS ({days}): {nps} aus {responses}",
        "survey_prev": "vorher {nps}",
        "survey_topics": "Themen der Kritiker:",
        "survey_no_topics": "Die Kritiker nennen keine bekannten Themen.",
        "footer": "Erstellt von brandpulse am {when}. Erwähnungstexte sind Nutzerinhalte und ungeprüft.",
        "more": "weitere",
        # counted phrases: "one|other" forms, chosen by the language's plural rule (Formatter.tn)
        "n_mentions": "{n} Erwähnung|{n} Erwähnungen",
        "n_alerts": "{n} Warnung|{n} Warnungen",
        "n_authors": "{n} Autor|{n} Autoren",
        "n_sources_report": "{n} Quelle meldet|{n} Quellen melden",
        "n_responses": "{n} Antwort|{n} Antworten",
        "n_days": "{n} Tag|{n} Tage",
    },
    "en": {
        "title": "brandpulse daily digest",
        "subject": "{brands} · {day}: {mentions}, {alerts}",
        "subject_quiet": "{brands} · {day}: no new mentions",
        "period": "Period: {day} ({tz})",
        "empty_all_ok": "No new mentions; all sources healthy.",
        "empty_sources_bad": "No new mentions — but {sources} problems (see Sources).",
        "sec_headline": "Headline",
        "sec_alerts": "Alerts",
        "sec_answer": "Answer today",
        "sec_topics": "Topics",
        "sec_sources": "Sources",
        "sec_highlights": "Highlights",
        "sec_survey": "NPS survey",
        "metric": "Metric",
        "value": "Value",
        "vs_prev": "vs previous day",
        "vs_base": "vs 28-day avg",
        "m_mentions": "Mentions",
        "m_negative": "Negative share",
        "m_positive": "Positive share",
        "m_net": "Net sentiment",
        "m_rating": "Avg star rating",
        "m_nps": "Review NPS",
        "no_alerts": "No open alerts.",
        "alert_spike": "Complaint spike",
        "alert_theme": "New theme",
        "alert_churn": "Churn signal",
        "alert_new": "new",
        "alert_all_topics": "all mentions",
        "status_open": "open",
        "status_rising": "rising",
        "status_peaked": "peaked",
        "status_resolved": "resolved",
        "evidence": "{observed} observed vs {expected} expected ({ratio}×), p {p}; {authors}",
        "evidence_count": "{observed} cases; {authors}",
        "since": "since {day}",
        "via": "Sources: {sources}",
        "open_original": "Open original",
        "no_answer": "No negative mentions that need a reply.",
        "why_rating": "low rating",
        "why_cancel": "about to cancel",
        "why_switch": "switching to {name}",
        "why_reach": "reach {reach}",
        "why_recent": "recent",
        "no_topics": "No topics detected.",
        "topic": "Topic",
        "volume": "Volume",
        "neg_share": "negative",
        "trend": "28 days",
        "source": "Source",
        "rating": "Avg ★",
        "health": "Status",
        "healthy": "ok",
        "broken_layout": "page layout changed? no data recognised",
        "broken_failed": "crawl failed ({status})",
        "broken_times": "{n}× in a row",
        "never_run": "never crawled",
        "last_run": "last crawled {when}",
        "no_sources": "No sources configured.",
        "no_highlights": "No positive mentions in this period.",
        "survey_nps": "NPS (last {days}): {nps} from {responses}",
        "survey_prev": "before {nps}",
        "survey_topics": "Topics detractors name:",
        "survey_no_topics": "Detractors name no known topics.",
        "footer": "Generated by brandpulse on {when}. Mention texts are user content and unverified.",
        "more": "more",
        "n_mentions": "{n} mention|{n} mentions",
        "n_alerts": "{n} alert|{n} alerts",
        "n_authors": "{n} author|{n} authors",
        "n_sources_report": "{n} source reports|{n} sources report",
        "n_responses": "{n} response|{n} responses",
        "n_days": "{n} day|{n} days",
    },
}


class Formatter:
    """Locale-bound formatting for one digest; templates call its methods."""

    def __init__(self, language: str, tz: ZoneInfo):
        if language not in LANGUAGES:
            raise ValueError(f"digest language must be one of {LANGUAGES}, not {language!r}")
        self.language = language
        self.tz = tz
        self.strings = STRINGS[language]
        self._locale = Locale.parse(language)

    def t(self, key: str, **values: object) -> str:
        return self.strings[key].format(**values) if values else self.strings[key]

    def tn(self, key: str, n: int, **values: object) -> str:
        """A counted phrase in the right grammatical number ("1 Warnung", "3 Warnungen"): the
        string holds "one|other" forms; Babel's CLDR plural rule of the language picks one."""
        one, other = self.strings[key].split("|")
        form = one if self._locale.plural_form(n) == "one" else other
        return form.format(n=self.num(n), **values)

    def day(self, d: date | str | None) -> str:
        if d is None:
            return "–"
        if isinstance(d, str):
            d = date.fromisoformat(d[:10])
        return format_skeleton("yMMMd", d, locale=self.language)

    def short_day(self, d: date) -> str:
        return format_skeleton("MMMd", d, locale=self.language)

    def when(self, published_at: str | datetime) -> str:
        """A UTC ISO time shown in the watchlist's zone, e.g. "21. Nov. 2026, 14:05"."""
        dt = parse_time(published_at)
        return format_datetime(
            dt.astimezone(self.tz),
            "d. MMM y, HH:mm" if self.language == "de" else "MMM d, y, HH:mm",
            locale=self.language,
        )

    def num(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.language)

    def pct(self, share: float | None, digits: int = 0) -> str:
        """A 0..1 share as percent ("12 %" in German, "12%" in English)."""
        if share is None:
            return "–"
        sep = "\u00a0%" if self.language == "de" else "%"
        return self.num(100.0 * share, digits) + sep

    def signed(self, value: float | None, digits: int = 0, unit: str = "") -> str:
        """A change with its sign ("+3", "−1,5 Pp."); zero shows as "±0"."""
        if value is None:
            return "–"
        rounded = round(value, digits)
        if rounded == 0:
            return "±" + self.num(0, digits) + unit
        sign = "+" if rounded > 0 else "−"
        return sign + self.num(abs(rounded), digits) + unit

    def points_unit(self) -> str:
        return "\u00a0Pp." if self.language == "de" else "\u00a0pp"

    def percent_unit(self) -> str:
        return "\u00a0%" if self.language == "de" else "%"
