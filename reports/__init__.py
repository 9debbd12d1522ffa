"""The daily digest: assembled from reports.queries, rendered with Jinja2, sent over SMTP.

Entry point: :func:`reports.pipeline.run_digest`. See docs/digest.md.
"""
