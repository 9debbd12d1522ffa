"""The digest (a day, week or month): assembled from reports.queries, rendered with Jinja2 and
matplotlib charts, sent over SMTP.

Entry point: :func:`reports.pipeline.run_digest`. See docs/digest.md.
"""
