"""The watchlist's push channels, merged into one list with a stable name each.

Why a name apart from the URL: the ledger and ``brandpulse status`` must say which channel
failed without ever storing or printing a URL, which often holds a token. The name is the
channel's ``name``, else ``$URL_ENV``, else the URL's scheme with a short hash of the URL.
A channel listed at the top level gets every brand's events; one under a brand, that brand's.
The same channel listed twice (two brands, or a brand and the top level) is one channel,
so it never gets an event twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from monitor.core.config import NotifyChannel, Watchlist


@dataclass(frozen=True)
class Channel:
    name: str
    url: str | None  # None: its environment variable is not set
    url_env: str | None
    brands: frozenset[str] | None  # None: every brand
    language: str
    events: frozenset[str]

    def wants(self, brand: str, event: str) -> bool:
        return event in self.events and (self.brands is None or brand in self.brands)

    @property
    def problem(self) -> str | None:
        """Why nothing can be sent to it, or None."""
        if self.url is None:
            return f"${self.url_env} is not set in the daemon's environment: export the channel's Apprise URL"
        return None


def channel_name(c: NotifyChannel) -> str:
    if c.name:
        return c.name
    if c.url_env:
        return f"${c.url_env}"
    url = c.url or ""
    scheme = url.split("://", 1)[0].lower()
    return f"{scheme}#{hashlib.sha1(url.encode()).hexdigest()[:8]}"


def channels(wl: Watchlist) -> list[Channel]:
    """Every configured channel once, in the order of the watchlist."""
    merged: dict[str, Channel] = {}
    listed = [(None, c) for c in wl.notify] + [(b.name, c) for b in wl.brands for c in b.notify]
    for brand, c in listed:
        name = channel_name(c)
        brands = None if brand is None else frozenset([brand])
        before = merged.get(name)
        if before is not None:
            brands = None if before.brands is None or brands is None else before.brands | brands
        merged[name] = Channel(
            name=name,
            url=c.resolved_url,
            url_env=c.url_env,
            brands=brands,
            language=(before.language if before else None) or c.language or wl.digest.language,
            events=frozenset(c.events) | (before.events if before else frozenset()),
        )
    return list(merged.values())
