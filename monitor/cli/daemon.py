"""``brandpulse run``: start the scheduler daemon for one watchlist (see monitor/daemon.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from monitor.cli.support import EXIT_USAGE, config_path, fail, print_config_error, state
from monitor.core.config import ConfigError


def register(app: typer.Typer) -> None:
    @app.command(name="run")
    def run(
        ctx: typer.Context,
        log_json: bool = typer.Option(False, "--log-json", help="One JSON object per log line."),
        log_file: Path | None = typer.Option(
            None, "--log-file", help="Write logs here, rotated by size (default: stdout, for systemd)."
        ),
        log_max_mb: int = typer.Option(10, "--log-max-mb", min=1, help="Rotate the log file at this size."),
        log_backups: int = typer.Option(5, "--log-backups", min=0, help="Rotated log files to keep."),
        shutdown_grace: float = typer.Option(
            60.0, "--shutdown-grace", min=0, help="Seconds running jobs get to finish on SIGTERM."
        ),
        cluster: str | None = typer.Option(
            None,
            "--cluster",
            help="Dask scheduler address (tcp://HOST:8786): crawl and enrich on its workers "
            "(default: cluster.address; docs/scaling.md).",
        ),
    ) -> None:
        """Run crawls, enrichment, detection and the daily digest on schedule until stopped.

        One daemon per archive (a second one refuses to start). SIGTERM/SIGINT stop it
        cleanly; SIGHUP — or saving the watchlist — reloads the configuration."""
        from monitor.cluster.client import ClusterError, use_cluster
        from monitor.daemon.lock import AlreadyRunning
        from monitor.daemon.logs import setup_logging
        from monitor.daemon.service import Daemon

        try:
            use_cluster(cluster)  # for every job, and after a watchlist reload too
        except ClusterError as exc:
            fail(str(exc), EXIT_USAGE)
        try:
            daemon = Daemon(config_path(ctx), shutdown_grace_s=shutdown_grace)
        except ConfigError as exc:
            print_config_error(exc)
            raise typer.Exit(EXIT_USAGE) from None
        setup_logging(
            json_lines=log_json,
            file=log_file,
            max_bytes=log_max_mb * 1024 * 1024,
            backups=log_backups,
            level=logging.DEBUG if state(ctx).verbose else logging.INFO,
        )
        try:
            code = daemon.run()
        except AlreadyRunning as exc:
            fail(str(exc), EXIT_USAGE)
        raise typer.Exit(code)
