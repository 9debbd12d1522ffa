"""CLI commands of the scheduler daemon stage (placeholder until issue #8 lands)."""

from __future__ import annotations

import typer

from monitor.cli_support import not_built


def register(app: typer.Typer) -> None:
    @app.command(name="run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def _cmd(ctx: typer.Context) -> None:
        """Not built yet."""
        not_built("scheduler daemon", 8)
