"""Display names of source types, in the digest's language.

Why the words live in ``reports.i18n``: a source label is a digest string like any other, so
the check that every key exists in every language covers it too ("Website reviews" in a
German digest was such a miss). Names (App Store, Trustpilot, …) are the same in both.
"""

from reports.i18n import STRINGS

_PREFIX = "src_"


def source_label(source: str, language: str = "en") -> str:
    """The reader's name of a source type in ``language``; an unknown type as it is stored."""
    strings = STRINGS.get(language, STRINGS["en"])
    return strings.get(_PREFIX + source, source)


#: Display names of source types in English (presentation only; reports/ never branches on
#: them), for readers without a language; the digest asks :func:`source_label`.
SOURCE_LABELS = {k.removeprefix(_PREFIX): v for k, v in STRINGS["en"].items() if k.startswith(_PREFIX)}
