"""The one item every spider yields: an archive row of the ``mentions`` table.

Spiders never build this by hand: ``CrawlContext.to_item`` validates the parsed fields
through ``monitor.core.rows.MentionIn`` and ``mention_row``, so the crawler and the import
command produce identical rows.
"""

from __future__ import annotations

import scrapy

from monitor.core.rows import MENTION_COLUMNS


class MentionItem(scrapy.Item):
    """A validated ``mentions`` row (see docs/archive.md)."""

    locals().update({name: scrapy.Field() for name in MENTION_COLUMNS})
