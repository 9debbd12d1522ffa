"""CLI commands of the analyst (query/export/serve/forget) stage (placeholder until issue #9 lands)."""

from __future__ import annotations

import typer

from monitor.cli_support import not_built


def register(app: typer.Typer) -> None:
    for name in ("query", "export", "serve", "forget"):

        @app.command(name=name, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
        def _cmd(ctx: typer.Context) -> None:
            """Not built yet."""
            not_built("analyst", 9)
