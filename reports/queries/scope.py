"""Which mentions a brand's figures count: every mention that names it, in the period.

Why one definition: a post comparing two brands belongs to both (``mention_brands``), and a
query that filtered on ``mentions.brand`` instead would quietly count it for one of them only.
Its sentiment, for that brand, is the brand's own where enrichment judged the brands of the
post apart (``mention_brands.sentiment``), else the mention's: "Paketwerk lässt mich warten,
Warenblitz liefert am nächsten Tag" must not count as a complaint about Warenblitz.
"""

#: The brand's mentions in a period as a FROM clause with ``mb`` (the brand's link), ``m`` and
#: ``e`` (enrichments, left-joined); parameters: brand, period start, period end (UTC ISO),
#: then the WHERE's own.
BRAND_PERIOD_FROM = (
    "FROM mention_brands mb JOIN mentions m ON m.id = mb.mention_id"
    " LEFT JOIN enrichments e ON e.mention_id = m.id"
    " WHERE mb.brand = ? AND mb.published_at >= ? AND mb.published_at < ?"
)

#: The sentiment of a mention about the brand of ``mb`` (needs ``mb`` and ``e``).
BRAND_SENTIMENT = "coalesce(mb.sentiment, e.sentiment)"
