"""`brandpulse demo`: the main job on the embedded default, offline ."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        ctx: typer.Context,
        directory: Path = typer.Argument(Path("demo"), help="Working folder (watchlist, archive, digest)."),
    ) -> None:
        """Run crawl → enrich → detect → digest on bundled sample data, offline; print the digest path."""
        from monitor.cli.support import EXIT_USAGE, err_console, fail
        from monitor.demo import DemoError, run_demo_steps

        try:
            path = run_demo_steps(directory, console=err_console)
        except DemoError as exc:
            fail(str(exc), EXIT_USAGE)
        typer.echo(str(path))
