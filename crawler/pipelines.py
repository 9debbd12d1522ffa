"""The item pipeline: store rows through the archive's one writer, in small batches.

Batches keep a killed (timed-out) run's work: whatever was committed stays, and the next run
is idempotent on (source, external_id) anyway.
"""

from __future__ import annotations

from typing import Any

from crawler.items import MentionItem

BATCH_SIZE = 50


class ArchivePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.batch: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        return cls(crawler)

    @property
    def ctx(self) -> Any:
        return self.crawler.spider.ctx

    def process_item(self, item: MentionItem) -> MentionItem:
        self.batch.append(dict(item))
        if len(self.batch) >= BATCH_SIZE:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        stats = self.ctx.archive.add_mentions(self.batch)
        self.ctx.counters.items_new += stats.new
        self.ctx.counters.items_seen += stats.seen
        self.ctx.counters.duplicates += stats.duplicates
        self.batch.clear()
