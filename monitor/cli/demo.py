"""`brandpulse demo`: the main job on the embedded default, offline (grows with the stages)."""

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
        from monitor.demo import run_demo

        path = run_demo(directory)
        typer.echo(str(path))
