"""CLI commands of the classify stage (placeholder until issue #3 lands)."""

from __future__ import annotations

import typer

from monitor.cli_support import not_built


def register(app: typer.Typer) -> None:
    @app.command(name="classify", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def _cmd(ctx: typer.Context) -> None:
        """Not built yet."""
        not_built("classify", 3)
