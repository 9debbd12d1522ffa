"""CLI commands of the enrichment stage (placeholder until issue #5 lands)."""

from __future__ import annotations

import typer

from monitor.cli_support import not_built


def register(app: typer.Typer) -> None:
    @app.command(name="enrich", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def _cmd(ctx: typer.Context) -> None:
        """Not built yet."""
        not_built("enrichment", 5)
