"""What every watchlist section shares: unknown keys are errors, times must be quoted."""

from __future__ import annotations

import re
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
)


class Strict(BaseModel):
    """Base for every config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def quoted_time(v: Any) -> Any:
    """Times must be quoted strings: YAML 1.1 reads an unquoted 7:30 as the number 450
    (base 60) and 2500 as 2500, which pydantic would take as seconds after midnight."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise ValueError(
            'write the time as a quoted "HH:MM" string, e.g. "07:30" '
            f"(unquoted, YAML reads 7:30 as the number 450; got the number {v})"
        )
    if isinstance(v, str) and re.fullmatch(r"\d:\d\d(:\d\d)?", v.strip()):
        return "0" + v.strip()  # "7:30" means 07:30
    return v


class FieldProblems(ValueError):
    """Problems a validator finds by looking at several fields, each with the path (relative to
    the model validated) of the field to fix.

    Why: a model validator's error is reported at the model itself ("(top level)", "brands[0]"),
    which leaves the operator to guess which key is wrong; the error formatter in
    :mod:`monitor.core.config` prints one line per problem at its own path instead."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
