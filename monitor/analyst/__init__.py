"""Tools for analysts: read-only SQL, exports and the Datasette server."""
