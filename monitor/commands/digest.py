"""CLI commands of the digest stage (placeholder until issue #7 lands)."""

from __future__ import annotations

import typer

from monitor.cli_support import not_built


def register(app: typer.Typer) -> None:
    @app.command(name="digest", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def _cmd(ctx: typer.Context) -> None:
        """Not built yet."""
        not_built("digest", 7)
