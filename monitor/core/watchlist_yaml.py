"""Reading a watchlist file: stricter than PyYAML's defaults, with every refusal naming a line.

Why stricter:

* **Duplicate keys are errors.** YAML says keys are unique, but PyYAML keeps the last of two
  ``timezone:`` lines silently — the operator edits one and the other wins.
* **Size and nesting are capped.** The pure-Python parser is slow and deep structures exhaust
  Python's recursion limit; a watchlist is a few kilobytes and a handful of levels deep, so
  anything far beyond that is a wrong file (a log, a dump), refused at once with a clear reason.
* **The bytes must be UTF-8**, and an error says where they are not, so the fix is one edit.

Schema rules (which keys, which types) stay in :mod:`monitor.core.config`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode

#: Largest watchlist read. A commented watchlist with dozens of brands and topics in several
#: languages is tens of kilobytes; the cap keeps a mistaken file (a data dump) from taking
#: seconds and hundreds of megabytes to parse.
MAX_WATCHLIST_BYTES = 1 << 20
#: Deepest nesting of mappings and lists. The schema itself goes about six levels deep.
MAX_NESTING = 32

_MERGE_TAG = "tag:yaml.org,2002:merge"


class WatchlistFileError(Exception):
    """The file cannot be read as a watchlist; ``str()`` is one line naming where and why."""


class _Refused(yaml.MarkedYAMLError):
    """A rule of the strict loader, raised at the offending node."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise _Refused(
                    problem=f"nested more than {MAX_NESTING} levels deep; a watchlist needs "
                    "far fewer (is this the right file?)",
                    problem_mark=self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node)
                try:
                    earlier = first_line.get(key)
                except TypeError:
                    continue
                if earlier is not None:
                    raise _Refused(
                        problem=f"duplicate key {key!r} (first on line {earlier}): YAML keeps only "
                        "one of them — delete or merge the other",
                        problem_mark=key_node.start_mark,
                    )
                first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise WatchlistFileError(
            f"line {line}, column {column}: not UTF-8 (byte 0x{data[exc.start]:02X}); save the "
            "file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 old.yaml > watchlist.yaml`)"
        ) from None


def read_yaml(path: Path) -> Any:
    """The parsed content of a watchlist file; raise WatchlistFileError naming line and fix."""
    size = path.stat().st_size
    if size > MAX_WATCHLIST_BYTES:
        raise WatchlistFileError(
            f"the file is {size / 1_048_576:.1f} MiB; a watchlist is at most "
            f"{MAX_WATCHLIST_BYTES // 1_048_576} MiB (is this the right file?)"
        )
    text = _decode(path.read_bytes())
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or exc
        prefix = "" if isinstance(exc, _Refused) else "invalid YAML: "
        raise WatchlistFileError(f"{where}{prefix}{problem}") from None
    except RecursionError:  # pragma: no cover — MAX_NESTING stops this first
        raise WatchlistFileError(f"nested too deeply (more than {MAX_NESTING} levels)") from None
