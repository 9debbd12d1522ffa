"""Scale-out on a Dask (``distributed``) cluster, for when one machine is outgrown.

Set ``cluster: {address: "tcp://HOST:8786"}`` in the watchlist, or pass ``--cluster ADDRESS``
to ``brandpulse enrich``, ``crawl`` or ``run``, and those stages run their work on the
cluster's workers:

- **enrichment** (:mod:`monitor.cluster.enrich`): this process reads pending mentions in
  batches and submits them; each worker holds the sentiment model, loaded once
  (:mod:`monitor.cluster.plugin`), and returns the batch's rows; this process writes them.
- **crawling** (:mod:`monitor.cluster.crawl`, :mod:`monitor.cluster.crawl_task`): each
  (brand, source) crawl is a task that runs the Scrapy process on a worker against a scratch
  archive seeded with the source's resume point, and streams the stored rows and resume points
  back in batches; this process stores them.

Why the archive node writes everything: SQLite has one writer, and its ingest rate is far
above what workers produce (docs/scaling.md has the figures). Why Dask: an existing engine
with worker management, retries of tasks whose worker died, and plugins — no home-made
worker code. ``distributed`` is an optional extra (``pip install 'brandpulse[cluster]'``) and
nothing here is imported unless a cluster address is set.
"""
