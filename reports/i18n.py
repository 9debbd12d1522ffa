"""Words and number/date formats of the digest, in German and English.

Why Babel and not f-strings: German readers expect "1.234", "3,5 %" and "22. Nov. 2026";
hand-rolled formats get one of them wrong sooner or later. The string table is a plain dict
so a missing translation fails a test (``test_every_key_in_both_languages``), not a reader.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_interval, format_skeleton
from babel.numbers import format_decimal

from monitor.core.times import parse_time
from reports.periods import Period

LANGUAGES = ("de", "en")

STRINGS: dict[str, dict[str, str]] = {
    "de": {
        "title_day": "{brands} – Tagesbericht",
        "title_week": "{brands} – Wochenbericht",
        "title_month": "{brands} – Monatsbericht",
        "subject": "{brands}: {problem} · {period}",
        "subject_calm": "{brands} · {period}: {mentions}, nichts Auffälliges",
        "subject_quiet": "{brands} · {period}: keine neuen Erwähnungen",
        "period": "Zeitraum: {period} ({tz})",
        "week_label": "KW {week}: {days}",
        "empty_all_ok": "Keine neuen Erwähnungen; alle Quellen in Ordnung.",
        "empty_sources_bad": "Keine neuen Erwähnungen — aber {sources} Probleme (siehe Quellen).",
        # the summary: two or three sentences from these templates
        "sum_problem": "Größtes Problem: {problems}.",
        "sum_problems": "Größte Probleme: {problems}.",
        "sum_no_problem": "Keine auffällige Häufung von Beschwerden.",
        "sum_waiting": "{critics}",
        "sum_waiting_longest": "{critics}, am längsten seit {age}",
        "sum_none_waiting": "Keine Kritik wartet auf eine Antwort",
        "sum_trend": "{mentions}, {change}; davon {negative} negativ ({prev}: {prev_negative}).",
        "sum_more": "{pct} mehr als {prev}",
        "sum_fewer": "{pct} weniger als {prev}",
        "sum_same": "etwa so viele wie {prev}",
        "sum_from_none": "{prev} keine",
        "prev_day": "am Vortag",
        "prev_week": "in der Vorwoche",
        "prev_month": "im Vormonat",
        "prev_short_day": "Vortag",
        "prev_short_week": "Vorwoche",
        "prev_short_month": "Vormonat",
        "base_short_day": "Ø 28 Tage",
        "base_short_week": "Ø 4 Wochen",
        "base_short_month": "Ø 3 Monate",
        # problems, worded from an alert
        "prob_spike": "{topic}: {complaints} statt sonst etwa {expected}",
        "prob_total": "insgesamt {complaints} statt sonst etwa {expected}",
        "prob_theme": "neues Stichwort „{topic}“: {complaints}",
        "prob_churn": "{customers} wollen kündigen oder wechseln",
        "sec_summary": "Auf einen Blick",
        "sec_headline": "Überblick",
        "sec_alerts": "Warnungen",
        "sec_answer": "Heute beantworten (Feuerwehr)",
        "sec_topics": "Themen",
        "sec_sources": "Quellen",
        "sec_highlights": "Highlights",
        "sec_survey": "NPS-Umfrage",
        "metric": "Kennzahl",
        "m_mentions": "Erwähnungen",
        "m_negative": "Anteil negativ",
        "m_positive": "Anteil positiv",
        "m_rating": "Ø Sterne",
        "m_happy": "Bewertungen mit 4–5 ★",
        "no_alerts": "Keine offenen Warnungen.",
        "alert_spike": "Gehäufte Beschwerden",
        "alert_theme": "Neues Stichwort",
        "alert_churn": "Kündigungen",
        "alert_rating_drop": "Schlechtere Bewertungen",
        "alert_new": "neu",
        "alert_all_topics": "alle Erwähnungen",
        "status_open": "offen",
        "status_rising": "steigend",
        "status_peaked": "abflauend",
        "status_resolved": "erledigt",
        "evidence": "{complaints} statt sonst etwa {expected}, von {authors}",
        "evidence_count": "{complaints}, von {authors}",
        "rare_days": "so viele kämen zufällig etwa einmal in {n} Tagen vor",
        "rare_months": "so viele kämen zufällig etwa einmal in {n} Monaten vor",
        "rare_years": "so viele kämen zufällig etwa einmal in {n} Jahren vor",
        "rare_never": "so viele kämen zufällig seltener als einmal in {n} Jahren vor",
        "since": "seit {day}",
        "incident_since": "Vorfall seit {day}",
        "via": "Quellen: {sources}",
        "open_original": "Original öffnen",
        "no_answer": "Keine negativen Erwähnungen, die eine Antwort brauchen.",
        "answer_more": "… und {n} weitere ohne Antwort.",
        "answer_more_dashboard": "Alle im Dashboard",
        "answer_more_export": "Alle Erwähnungen des Zeitraums als Tabelle (Kritiker: sentiment "
        "negative oder rating 1–2, replied_at leer):",
        "waiting": "wartet seit {age}",
        "reply_rate": "Beantwortet ({sources}): {rate} der Kritiker",
        "reply_median": ", im Median nach {age}",
        "why_rating": "schlechte Bewertung",
        "why_cancel": "will kündigen",
        "why_switch": "wechselt zu {name}",
        "why_reach": "Reichweite {reach}",
        "why_recent": "frisch",
        "no_topics": "Keine Themen erkannt.",
        "topic": "Thema",
        "volume": "Anzahl",
        "complaints": "Beschwerden",
        "expected": "erwartet",
        "source": "Quelle",
        # source types: names stay as they are; the words among them are German
        "src_appstore": "App Store",
        "src_google_play": "Google Play",
        "src_trustpilot": "Trustpilot",
        "src_schemaorg": "Website-Bewertungen",
        "src_feed": "Nachrichten / Alerts",
        "src_reddit": "Reddit",
        "src_hackernews": "Hacker News",
        "src_mastodon": "Mastodon",
        "src_bluesky": "Bluesky",
        "src_import": "Import",
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
        # the competitor comparison (tracked competitors, issue 18)
        "sec_compare": "Wettbewerb",
        "cmp_us": "{brand} (wir)",
        "cmp_line": "{brand}: Share of Voice {share} (wir {our_share}) · negativ {negative} "
        "(wir {our_negative})",
        "cmp_line_stars": " · Ø {stars} (wir {our_stars})",
        "cmp_brand": "Marke",
        "cmp_share": "Share of Voice",
        "cmp_prev_html": "Klein darunter: {prev}.",
        "cmp_prev_text": "In Klammern: {prev}.",
        "cmp_topics": "Anteil Beschwerden je Thema",
        "cmp_of": "{complaints} von {mentions}",
        "cmp_worse_title": "Hier stehen wir schlechter da",
        "cmp_worse": "{topic}: {ours} Beschwerden bei uns ({our_n}), {theirs} bei {competitor} ({their_n})",
        "cmp_no_worse": "Bei keinem Thema deutlich mehr Beschwerden als bei der Konkurrenz.",
        "cmp_worse_note": "Deutlich: so viel mehr, dass Zufall es kaum erklärt, bei mindestens "
        "{n} Beschwerden.",
        "cmp_switch_title": "Wechseln zur Konkurrenz",
        "cmp_switch": "wechselt zu {name}",
        "cmp_names": "nennt {name}",
        "cmp_no_switch": "Kein Kritiker nennt einen Wettbewerber.",
        "cmp_switch_more": "… und {n} weitere.",
        "dashboard": "Im Dashboard öffnen",
        "dashboard_short": "Dashboard",
        "incident_mentions": "Erwähnungen im Dashboard",
        "sum_compare": "Share of Voice gegenüber {names}: {share} ({prev}: {prev_share}).",
        "sum_compare_worse": "Share of Voice gegenüber {names}: {share} ({prev}: {prev_share}); "
        "mehr Beschwerden als die Konkurrenz bei {topics}.",
        # charts: titles drawn into the images, and alt texts that carry their numbers
        "chart_mentions": "Erwähnungen je Tag (rot: negativ)",
        "chart_usual": "sonst Ø {n} am Tag",
        "chart_ratings": "Ø Sterne je Tag",
        "chart_stars": "Sterne {period}",
        "chart_topics": "Beschwerden je Thema (Strich: erwartet)",
        "alt_mentions": "Erwähnungen je Tag. {period}: {mentions}, davon {negative} negativ. "
        "{base}: {per_day} am Tag, davon {base_negative} negativ.",
        "alt_ratings": "Sterne {period}: Ø {avg} ({base}: Ø {base_avg}). {stars}.",
        "alt_topics": "Beschwerden je Thema {period} (erwartet): {topics}.",
        "how_title": "So lesen Sie diesen Bericht",
        "how_text": "Beschwerden sind negative Erwähnungen zu einem Thema. „Sonst“ und „erwartet“ "
        "beziehen sich auf den Durchschnitt der Zeit davor ({base}); die Pfeile ▲▼ vergleichen damit. „Etwa einmal in N Jahren“ "
        "sagt, wie selten so viele Beschwerden zufällig wären: je seltener, desto sicherer ein "
        "echtes Problem. Einzelheiten stehen im Archiv (brandpulse query, brandpulse serve).",
        "footer": "Erstellt von brandpulse am {when}. Erwähnungstexte sind Nutzerinhalte und ungeprüft.",
        "more": "weitere",
        # counted phrases: "one|other" forms, chosen by the language's plural rule (Formatter.tn)
        "n_mentions": "{n} Erwähnung|{n} Erwähnungen",
        "n_alerts": "{n} Warnung|{n} Warnungen",
        "n_authors": "{n} Autor|{n} Autoren",
        "n_complaints": "{n} Beschwerde|{n} Beschwerden",
        "n_customers": "{n} Kunde|{n} Kunden",
        "n_critics_waiting": "{n} Kritiker wartet auf eine Antwort|{n} Kritiker warten auf eine Antwort",
        "n_sources_report": "{n} Quelle meldet|{n} Quellen melden",
        "n_responses": "{n} Antwort|{n} Antworten",
        "n_days": "{n} Tag|{n} Tage",
        "n_days_since": "{n} Tag|{n} Tagen",
        "n_hours_since": "{n} Stunde|{n} Stunden",
    },
    "en": {
        "title_day": "{brands} – daily report",
        "title_week": "{brands} – weekly report",
        "title_month": "{brands} – monthly report",
        "subject": "{brands}: {problem} · {period}",
        "subject_calm": "{brands} · {period}: {mentions}, nothing unusual",
        "subject_quiet": "{brands} · {period}: no new mentions",
        "period": "Period: {period} ({tz})",
        "week_label": "Week {week}: {days}",
        "empty_all_ok": "No new mentions; all sources healthy.",
        "empty_sources_bad": "No new mentions — but {sources} problems (see Sources).",
        "sum_problem": "Top problem: {problems}.",
        "sum_problems": "Top problems: {problems}.",
        "sum_no_problem": "No unusual pile-up of complaints.",
        "sum_waiting": "{critics}",
        "sum_waiting_longest": "{critics}, the longest for {age}",
        "sum_none_waiting": "No critic is waiting for an answer",
        "sum_trend": "{mentions}, {change}; {negative} of them negative ({prev}: {prev_negative}).",
        "sum_more": "{pct} more than {prev}",
        "sum_fewer": "{pct} fewer than {prev}",
        "sum_same": "about as many as {prev}",
        "sum_from_none": "none {prev}",
        "prev_day": "the day before",
        "prev_week": "the week before",
        "prev_month": "the month before",
        "prev_short_day": "Day before",
        "prev_short_week": "Week before",
        "prev_short_month": "Month before",
        "base_short_day": "28-day avg",
        "base_short_week": "4-week avg",
        "base_short_month": "3-month avg",
        "prob_spike": "{topic}: {complaints}, usually about {expected}",
        "prob_total": "{complaints} in all, usually about {expected}",
        "prob_theme": "new keyword “{topic}”: {complaints}",
        "prob_churn": "{customers} about to cancel or switch",
        "sec_summary": "At a glance",
        "sec_headline": "Headline",
        "sec_alerts": "Alerts",
        "sec_answer": "Answer today",
        "sec_topics": "Topics",
        "sec_sources": "Sources",
        "sec_highlights": "Highlights",
        "sec_survey": "NPS survey",
        "metric": "Metric",
        "m_mentions": "Mentions",
        "m_negative": "Negative",
        "m_positive": "Positive",
        "m_rating": "Avg stars",
        "m_happy": "Reviews with 4–5 ★",
        "no_alerts": "No open alerts.",
        "alert_spike": "Complaint spike",
        "alert_theme": "New keyword",
        "alert_churn": "Cancellations",
        "alert_rating_drop": "Rating drop",
        "alert_new": "new",
        "alert_all_topics": "all mentions",
        "status_open": "open",
        "status_rising": "rising",
        "status_peaked": "peaked",
        "status_resolved": "resolved",
        "evidence": "{complaints}, usually about {expected}, from {authors}",
        "evidence_count": "{complaints}, from {authors}",
        "rare_days": "this many would happen by chance about once in {n} days",
        "rare_months": "this many would happen by chance about once in {n} months",
        "rare_years": "this many would happen by chance about once in {n} years",
        "rare_never": "this many would happen by chance less than once in {n} years",
        "since": "since {day}",
        "incident_since": "incident since {day}",
        "via": "Sources: {sources}",
        "open_original": "Open original",
        "no_answer": "No negative mentions that need a reply.",
        "answer_more": "… and {n} more without an answer.",
        "answer_more_dashboard": "All in the dashboard",
        "answer_more_export": "Every mention of the period as a spreadsheet (critics: sentiment "
        "negative or rating 1–2, replied_at empty):",
        "waiting": "waiting for {age}",
        "reply_rate": "Answered ({sources}): {rate} of critics",
        "reply_median": ", after {age} (median)",
        "why_rating": "low rating",
        "why_cancel": "about to cancel",
        "why_switch": "switching to {name}",
        "why_reach": "reach {reach}",
        "why_recent": "recent",
        "no_topics": "No topics detected.",
        "topic": "Topic",
        "volume": "Volume",
        "complaints": "Complaints",
        "expected": "expected",
        "source": "Source",
        "src_appstore": "App Store",
        "src_google_play": "Google Play",
        "src_trustpilot": "Trustpilot",
        "src_schemaorg": "Website reviews",
        "src_feed": "News / Alerts",
        "src_reddit": "Reddit",
        "src_hackernews": "Hacker News",
        "src_mastodon": "Mastodon",
        "src_bluesky": "Bluesky",
        "src_import": "Import",
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
        "sec_compare": "Competitors",
        "cmp_us": "{brand} (us)",
        "cmp_line": "{brand}: share of voice {share} (us {our_share}) · negative {negative} "
        "(us {our_negative})",
        "cmp_line_stars": " · avg {stars} (us {our_stars})",
        "cmp_brand": "Brand",
        "cmp_share": "Share of voice",
        "cmp_prev_html": "Small, below: {prev}.",
        "cmp_prev_text": "In brackets: {prev}.",
        "cmp_topics": "Share of complaints per topic",
        "cmp_of": "{complaints} of {mentions}",
        "cmp_worse_title": "Where we do worse",
        "cmp_worse": "{topic}: {ours} complaints for us ({our_n}), {theirs} for {competitor} ({their_n})",
        "cmp_no_worse": "No topic with clearly more complaints than the competitors.",
        "cmp_worse_note": "Clearly: so many more that chance hardly explains it, with at least "
        "{n} complaints.",
        "cmp_switch_title": "Switching to competitors",
        "cmp_switch": "switching to {name}",
        "cmp_names": "names {name}",
        "cmp_no_switch": "No critic names a competitor.",
        "cmp_switch_more": "… and {n} more.",
        "dashboard": "Open in dashboard",
        "dashboard_short": "Dashboard",
        "incident_mentions": "Mentions in dashboard",
        "sum_compare": "Share of voice against {names}: {share} ({prev}: {prev_share}).",
        "sum_compare_worse": "Share of voice against {names}: {share} ({prev}: {prev_share}); "
        "more complaints than the competitors about {topics}.",
        "chart_mentions": "Mentions per day (red: negative)",
        "chart_usual": "usually {n} a day",
        "chart_ratings": "Avg stars per day",
        "chart_stars": "Stars {period}",
        "chart_topics": "Complaints per topic (line: expected)",
        "alt_mentions": "Mentions per day. {period}: {mentions}, {negative} of them negative. "
        "{base}: {per_day} a day, {base_negative} negative.",
        "alt_ratings": "Stars {period}: avg {avg} ({base}: avg {base_avg}). {stars}.",
        "alt_topics": "Complaints per topic {period} (expected): {topics}.",
        "how_title": "How to read this",
        "how_text": "Complaints are negative mentions about a topic. “Usually” and “expected” refer "
        "to the average of the time before ({base}); the arrows ▲▼ compare with it. “About once in N years” says how rare this "
        "many complaints would be by chance: the rarer, the surer a real problem. Details are in "
        "the archive (brandpulse query, brandpulse serve).",
        "footer": "Generated by brandpulse on {when}. Mention texts are user content and unverified.",
        "more": "more",
        "n_mentions": "{n} mention|{n} mentions",
        "n_alerts": "{n} alert|{n} alerts",
        "n_authors": "{n} author|{n} authors",
        "n_complaints": "{n} complaint|{n} complaints",
        "n_customers": "{n} customer|{n} customers",
        "n_critics_waiting": "{n} critic is waiting for an answer|{n} critics are waiting for an answer",
        "n_sources_report": "{n} source reports|{n} sources report",
        "n_responses": "{n} response|{n} responses",
        "n_days": "{n} day|{n} days",
        "n_days_since": "{n} day|{n} days",
        "n_hours_since": "{n} hour|{n} hours",
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

    def source(self, source: str) -> str:
        """A source type as the reader knows it ("Website-Bewertungen", "Trustpilot"); an
        unknown type as it is stored."""
        return self.strings.get("src_" + source, source)

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

    def since_day(self, d: date | str, ref: date) -> str:
        """When something began, as incident headlines write it ("19.11.", "Nov 19"), so the
        summary and the alerts name a day alike; with the year where it is not ``ref``'s."""
        if isinstance(d, str):
            d = date.fromisoformat(d[:10])
        if d.year != ref.year:
            return format_skeleton("yMd" if self.language == "de" else "yMMMd", d, locale=self.language)
        return format_skeleton("Md" if self.language == "de" else "MMMd", d, locale=self.language)

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
        """A change with its sign ("+3", "−1,5 %"); zero shows as "±0"."""
        if value is None:
            return "–"
        rounded = round(value, digits)
        if rounded == 0:
            return "±" + self.num(0, digits) + unit
        sign = "+" if rounded > 0 else "−"
        return sign + self.num(abs(rounded), digits) + unit

    def stars(self, value: float | None) -> str:
        """An average rating: "4,2 ★"; "–" where nothing was rated."""
        return "–" if value is None else self.num(value, 1) + "\u00a0★"

    def percent_unit(self) -> str:
        return "\u00a0%" if self.language == "de" else "%"

    def period(self, p: Period) -> str:
        """ "21. Nov. 2026", "KW 47: 16.–22. Nov. 2026", "November 2026"."""
        if p.kind == "day":
            return self.day(p.first)
        if p.kind == "week":
            days = format_interval(p.first, p.last, "yMMMd", locale=self.language)
            return self.t("week_label", week=p.first.isocalendar()[1], days=days)
        return format_skeleton("yMMMM", p.first, locale=self.language)

    def period_short(self, p: Period) -> str:
        """A column heading: "21. Nov.", "KW 47", "Nov. 2026"."""
        if p.kind == "day":
            return self.short_day(p.first)
        if p.kind == "week":
            return self.t("week_label", week=p.first.isocalendar()[1], days="").rstrip(": ")
        return format_skeleton("yMMM", p.first, locale=self.language)

    def rarity(self, p_value: float | None) -> str | None:
        """A p-value in words: how often this many would come about by chance if each day were
        one try ("about once in 14 years"); None where there is no p-value."""
        if p_value is None or p_value <= 0 or p_value >= 1:
            return None
        days = 1.0 / p_value
        if days < 60:
            return self.t("rare_days", n=self.num(days))
        if days < 730:
            return self.t("rare_months", n=self.num(days / 30.44))
        years = days / 365.25
        if years > 1000:
            return self.t("rare_never", n=self.num(1000))
        return self.t("rare_years", n=self.num(years if years < 100 else round(years, -1)))

    def age(self, hours: float) -> str:
        """How long someone has waited: "9 Stunden", "3 Tagen" (German dative after "seit")."""
        if hours < 48:
            return self.tn("n_hours_since", max(1, round(hours)))
        return self.tn("n_days_since", round(hours / 24))
