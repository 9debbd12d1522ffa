"""Erasure and retention: the only code that deletes personal data from the archive."""
