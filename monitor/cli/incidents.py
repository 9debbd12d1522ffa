"""``brandpulse incidents [--json] [--all]``, ``incidents ack ID --note …``, ``incidents resolve ID --note …``.

Incidents are the alerts of one problem grouped under a lead (``monitor.detect.incidents``);
this module only lists them and passes an operator's acknowledgement or resolution on.
"""

from __future__ import annotations

import json

import typer
from rich.markup import escape

from monitor.cli.support import EXIT_USAGE, console, fail, load_config, open_archive


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Incidents: the alerts of one problem, most severe first; acknowledge or resolve them.",
        invoke_without_command=True,
    )

    @group.callback()
    def incidents(
        ctx: typer.Context,
        as_json: bool = typer.Option(False, "--json", help="Print the incidents as JSON."),
        show_all: bool = typer.Option(False, "--all", help="Include resolved incidents."),
        brand: str | None = typer.Option(None, "--brand", help="Only this brand."),
        limit: int = typer.Option(50, "--limit", min=1, help="At most this many incidents."),
    ) -> None:
        """List live incidents (open or acknowledged), most severe first."""
        if ctx.invoked_subcommand is not None:
            return
        from monitor.detect.incident_store import list_incidents

        wl = load_config(ctx)
        with open_archive(wl) as archive:  # not read-only: an older archive gets the incidents table
            found = list_incidents(archive, brand=brand, include_resolved=show_all, limit=limit)
        if as_json:
            typer.echo(json.dumps([i.to_json() for i in found], ensure_ascii=False, indent=2))
            return
        if not found:
            console.print("no live incidents" if not show_all else "no incidents", highlight=False)
            return
        lang = wl.digest.language
        for i in found:
            console.print(_block(i, lang), highlight=False, soft_wrap=True)

    @group.command("ack")
    def ack(
        ctx: typer.Context,
        incident_id: int = typer.Argument(..., help="Incident id (see `brandpulse incidents`)."),
        note: str | None = typer.Option(None, "--note", help="What is being done about it."),
    ) -> None:
        """Acknowledge an incident: someone is on it. It stays live and still resolves by itself."""
        _act(ctx, "acknowledge", incident_id, note)

    @group.command("resolve")
    def resolve(
        ctx: typer.Context,
        incident_id: int = typer.Argument(..., help="Incident id (see `brandpulse incidents`)."),
        note: str | None = typer.Option(None, "--note", help="What was done, for the record."),
    ) -> None:
        """Resolve an incident by hand; only an escalation past its peak reopens it."""
        _act(ctx, "resolve", incident_id, note)

    app.add_typer(group, name="incidents")


def _act(ctx: typer.Context, action: str, incident_id: int, note: str | None) -> None:
    from monitor.core.times import utcnow
    from monitor.detect import incident_store

    wl = load_config(ctx)
    with open_archive(wl) as archive:
        try:
            inc = getattr(incident_store, action)(archive, incident_id, note=note, now=utcnow(), tz=wl.tz)
        except incident_store.IncidentError as exc:
            fail(str(exc), EXIT_USAGE)
    console.print(f"incident #{inc.id} {inc.status}: {inc.headline.get(wl.digest.language)}", highlight=False)


def _block(i, lang: str) -> str:
    """An incident as a few lines: headline, numbers, related alerts, the first quotes."""
    flag = {"open": "[red]●[/]", "acknowledged": "[yellow]●[/]"}.get(i.status, "[dim]○[/]")
    lines = [
        f"{flag} #{i.id} {escape(i.brand)} — {escape(i.headline.get(lang) or i.headline['en'])}",
        f"    {i.status}, severity {i.severity:g} (peak {i.peak_severity:g}), "
        f"{i.authors} complaining author(s) on its last day, since {i.first_seen}, last {i.last_seen}",
    ]
    if i.note:
        lines.append(f"    note: {escape(i.note)}")
    for r in i.related:
        label = r["label"].get(lang) or r["label"]["en"]
        expected = "" if r["expected"] is None else f" vs {r['expected']:g} expected"
        lines.append(
            f"    · {escape(label)} ({r['kind']}, {r['status']}): {r['authors']} author(s){expected}"
        )
    for e in i.examples[:2]:
        lines.append(f"    “{escape(e.get('quote', ''))}” {e.get('url') or ''}".rstrip())
    return "\n".join(lines)
