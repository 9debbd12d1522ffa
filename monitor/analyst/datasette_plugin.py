"""The Datasette plugin ``brandpulse serve`` loads (``--plugins-dir``): wraps Datasette in
:class:`monitor.analyst.guard.HostAndMethodGuard`.

Only the Datasette process imports this file (Datasette is an optional extra). The allowed
hosts come from the metadata brandpulse writes: ``plugins.brandpulse-guard.allowed_hosts``.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

from monitor.analyst.guard import LOCAL_HOSTS, PLUGIN, HostAndMethodGuard


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    config = datasette.plugin_config(PLUGIN) or {}
    hosts = config.get("allowed_hosts") or list(LOCAL_HOSTS)

    def wrap(app: Any) -> HostAndMethodGuard:
        return HostAndMethodGuard(app, hosts)

    return wrap
