"""The crawler stage: a Scrapy project whose spiders turn sources into archive mentions.

``crawler.run`` runs one spider for one configured source (in its own process, because
Scrapy's Twisted reactor cannot be restarted); ``crawler.launch`` orchestrates those runs.
"""
