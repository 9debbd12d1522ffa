"""The smallest valid watchlist, shared by the ``watchlist`` fixture and tests that vary it."""

MINIMAL_WATCHLIST = {
    "archive": "archive.db",
    "timezone": "Europe/Berlin",
    "brands": [
        {
            "name": "Acme",
            "aliases": ["ACME Versand"],
            "exclude": ["Acme Corp Looney"],
            "sources": [{"type": "appstore", "app_id": "284815942", "country": "de"}],
        }
    ],
    "topics": {
        "delivery": {
            "label": {"de": "Lieferung", "en": "Delivery"},
            "keywords": {"de": ["Lieferung", "Paket"], "en": ["delivery", "parcel"]},
        },
        "price": {
            "keywords": {"de": ["Preis"], "en": ["price"]},
            "exclude": {"de": ["Preisverleihung"]},
        },
    },
    "digest": {"recipients": [{"emails": ["team@example.com"]}]},
}
