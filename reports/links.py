"""Links from the digest to the dashboard of ``brandpulse serve`` (``serve.public_url``).

Why one small module: the dashboard is built elsewhere against exactly these URLs, so they are
spelled in one place. Without ``public_url`` every function returns None and the digest shows
no link at all (nothing points at a host the reader cannot reach).

- a brand's period: ``{public_url}/-/dashboards/brandpulse?brand=…&date_start=…&date_end=…``
  (the period's first and last local day, YYYY-MM-DD);
- an incident's mentions: ``{public_url}/{db}/incident_mentions?incident=<id>``, ``db`` the
  archive file's stem as Datasette names the database in its paths (tilde-encoded: Datasette
  reads ``.`` as a format suffix, so ``my.archive`` is ``my~2Earchive``).

Query values are percent-encoded with nothing left safe (``&``, ``=``, ``#``, ``/`` in a brand
name stay inside its value).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote

from monitor.core.archive import database_name

if TYPE_CHECKING:
    from monitor.core.config import Watchlist

_TILDE_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _tilde(name: str) -> str:
    """Datasette's encoding of a database name in a path (``datasette.utils.tilde_encode``)."""
    return "".join(
        chr(b) if b in _TILDE_SAFE else "+" if b == 0x20 else f"~{b:02X}" for b in name.encode("utf-8")
    )


def _query(**values: str | int) -> str:
    return "&".join(f"{k}={quote(str(v), safe='')}" for k, v in values.items())


#: The dashboard's card listing every critic without an answer (its slug in
#: monitor/analyst/dashboard.py); the digest's own list shows only the first few.
ANSWER_TODAY_CARD = "answer-today"


@dataclass(frozen=True)
class Links:
    public_url: str | None = None  # "https://host", no trailing slash (ServeSettings strips it)
    db: str = ""

    @classmethod
    def of(cls, wl: Watchlist) -> Links:
        return cls(wl.serve.public_url, database_name(wl.archive_path))

    @property
    def enabled(self) -> bool:
        return bool(self.public_url)

    def dashboard(self, brand: str, first: date, last: date, *, card: str | None = None) -> str | None:
        """The brand's dashboard for the local days ``first`` to ``last``; with ``card``, that
        card alone (datasette-dashboards serves it at ``/-/dashboards/<slug>/<card>``)."""
        if not self.public_url:
            return None
        q = _query(brand=brand, date_start=first.isoformat(), date_end=last.isoformat())
        return f"{self.public_url}/-/dashboards/brandpulse{'/' + card if card else ''}?{q}"

    def answer_today(self, brand: str, first: date, last: date) -> str | None:
        """The answer-today card: every critic waiting, where the digest lists only the first few."""
        return self.dashboard(brand, first, last, card=ANSWER_TODAY_CARD)

    def incident(self, incident_id: int | None) -> str | None:
        """The mentions of one incident (``incidents.id``)."""
        if not self.public_url or incident_id is None:
            return None
        return f"{self.public_url}/{_tilde(self.db)}/incident_mentions?{_query(incident=int(incident_id))}"
