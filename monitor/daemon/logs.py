"""Structured logs for an unattended daemon: one line per event, key=value or JSON.

Why one line per event with fixed keys: operators grep and ship logs (journald, Loki, ...);
``event=job.finished job=digest status=ok`` can be searched and alerted on, prose cannot.
Under systemd, log to stdout (journald adds time stamps and rotation); elsewhere, give a file
and it is rotated by size.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOGGER_NAME = "brandpulse"


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``event`` with structured ``fields`` (rendered by the formatters below)."""
    logger.log(level, event, extra={"fields": fields}, stacklevel=2)


def _value(v: Any) -> str:
    s = v.isoformat() if isinstance(v, datetime) else str(v)
    if s == "" or any(c in s for c in ' "=\n\t'):
        return json.dumps(s, ensure_ascii=False)
    return s


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class KeyValueFormatter(logging.Formatter):
    """``2026-11-22T06:00:00.123Z INFO daemon job.finished job=digest status=ok``."""

    def format(self, record: logging.LogRecord) -> str:
        name = record.name.removeprefix(LOGGER_NAME + ".")
        parts = [_timestamp(record), record.levelname, name, record.getMessage()]
        for key, val in getattr(record, "fields", {}).items():
            parts.append(f"{key}={_value(val)}")
        line = " ".join(parts)
        if record.exc_info:
            line += " exc=" + json.dumps(self.formatException(record.exc_info), ensure_ascii=False)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name.removeprefix(LOGGER_NAME + "."),
            "event": record.getMessage(),
        }
        for key, val in getattr(record, "fields", {}).items():
            doc[key] = val if isinstance(val, (int, float, bool, type(None))) else str(val)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


def setup_logging(
    *,
    json_lines: bool = False,
    file: Path | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    backups: int = 5,
    level: int = logging.INFO,
) -> logging.Handler:
    """Route brandpulse's and APScheduler's logs to one handler (replacing earlier ones)."""
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if json_lines else KeyValueFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # third-party chatter: warnings only
    logging.getLogger(LOGGER_NAME).setLevel(level)
    # APScheduler logs every run at INFO; our own job.* events say the same, with results.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler


def setup_cli_logging(level: int = logging.WARNING) -> None:
    """One-shot commands log in the daemon's format (:class:`KeyValueFormatter`), so one grep
    or log shipper reads both; on stderr, because stdout holds the command's output (JSON,
    CSV). Like ``logging.basicConfig``, it leaves a process that already configured logging
    (a test runner, an embedding program) alone."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root.addHandler(handler)
    root.setLevel(level)
