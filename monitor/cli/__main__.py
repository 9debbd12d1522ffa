"""``python -m monitor.cli.app``: the same as the ``brandpulse`` command."""

from monitor.cli.app import app

app()
