"""The item pipeline: store rows through the archive's one writer, in small batches.

A batch is written when it holds ``BATCH_SIZE`` rows or its oldest row has waited
``FLUSH_INTERVAL_S`` — on time as well as count, so that a slow page or a stop never leaves
parsed items unstored for long. A run that is told to stop stores everything at once
(``CrawlContext.stop``), and a killed run loses at most the last interval; the resume point
only moves past stored pages, so the next run fetches those again.
"""

from __future__ import annotations

import time
from typing import Any

from crawler.items import MentionItem

BATCH_SIZE = 50
FLUSH_INTERVAL_S = 2.0


class ArchivePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.batch: list[dict] = []
        self.oldest: float | None = None
        self.timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        return cls(crawler)

    @property
    def ctx(self) -> Any:
        return self.crawler.spider.ctx

    def open_spider(self) -> None:
        from twisted.internet import task

        # A timer too: after the last item before a slow request, nothing else would flush.
        self.timer = task.LoopingCall(self.flush_if_due)
        self.timer.start(FLUSH_INTERVAL_S / 4, now=False)

    def process_item(self, item: MentionItem) -> MentionItem:
        self.batch.append(dict(item))
        if self.oldest is None:
            self.oldest = time.monotonic()
        if len(self.batch) >= BATCH_SIZE:
            self.flush()
        else:
            self.flush_if_due()
        return item

    def flush_if_due(self) -> None:
        if self.oldest is not None and time.monotonic() - self.oldest >= FLUSH_INTERVAL_S:
            self.flush()

    def close_spider(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()

    def flush(self) -> None:
        batch, self.batch, self.oldest = self.batch, [], None
        if batch:
            self.ctx.store(batch)
