"""The bottom layer every stage shares: the watchlist, the archive and its schema, time."""
