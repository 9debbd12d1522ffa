"""Push notifications: incident events, told at once to the channels the watchlist names.

Why a stage of its own: the digest tells people the next morning; a fire needs a push within
the hour. Detection records each opened / escalated / resolved event once
(``monitor.detect.incident_store.incident_events``); this package turns each event into a short
message and hands it to Apprise (one library for Slack, Teams, Mattermost, Telegram, Discord,
e-mail, JSON webhooks, …), with a ledger so that no channel hears of one event twice.

- ``channels``: the watchlist's channels, each with a stable name (never its URL);
- ``message``: the text of one event (headline, numbers, two quotes, links) in de or en;
- ``quiet``: quiet hours, in which pushes wait for the morning unless severe;
- ``ledger``: the ``notifications`` table (event × channel → status, attempts, last error);
- ``send``: one notify run: claim, send with back-off, record (``run_notify``).
"""
