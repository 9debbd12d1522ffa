"""Which mentions a brand's figures count: every mention that names it, in the period.

Why one definition: a post comparing two brands belongs to both (``mention_brands``), and a
query that filtered on ``mentions.brand`` instead would quietly count it for one of them only.
"""

#: SQL condition on ``m`` (mentions); parameters: brand, period start, period end (UTC ISO).
IN_BRAND_PERIOD = (
    "m.id IN (SELECT mention_id FROM mention_brands"
    " WHERE brand = ? AND published_at >= ? AND published_at < ?)"
)
