"""Display names of source types."""

#: Display names of source types (presentation only; reports/ never branches on them).
SOURCE_LABELS = {
    "appstore": "App Store",
    "google_play": "Google Play",
    "trustpilot": "Trustpilot",
    "schemaorg": "Website reviews",
    "feed": "News / Alerts",
    "reddit": "Reddit",
    "hackernews": "Hacker News",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "import": "Import",
}
