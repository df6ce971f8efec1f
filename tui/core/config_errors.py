"""Config validation errors in words a person can act on: key path, problem, fix."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

_HINTS = {
    "extra_forbidden": "unknown key: remove it or check its spelling",
    "missing": "required: add it",
    "float_parsing": "expected a number, e.g. 10.0",
    "float_type": "expected a number, e.g. 10.0",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": 'expected text in quotes, e.g. "value"',
    "list_type": 'expected a list, e.g. ["offline"]',
    "model_type": "expected a table, e.g. [profiles.work.ip138]",
    "dict_type": "expected a table",
}


def describe_errors(exc: ValidationError, root: type[BaseModel]) -> str:
    """Every problem pydantic found, one line each: key path, what is wrong, how to fix it."""
    lines = []
    for err in exc.errors(include_url=False, include_input=False):
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = str(err["msg"]).removeprefix("Value error, ")
        hint = _HINTS.get(err["type"])
        if err["type"] == "extra_forbidden":
            message = hint or message
            hint = _did_you_mean(err["loc"], root)
        lines.append(f"{key}: {message}" + (f" ({hint})" if hint else ""))
    count = f"{len(lines)} problems" if len(lines) > 1 else "1 problem"
    return f"{count}:\n  " + "\n  ".join(lines)


def _did_you_mean(loc: tuple[int | str, ...], root: type[BaseModel]) -> str | None:
    """ "did you mean 'region'?" for an unknown key close to one the table accepts."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(str(part))
            model = field.annotation if field else None
        else:  # dict[str, Profile]: the value type
            model = typing.get_args(model)[-1] if typing.get_args(model) else None
        if isinstance(model, types.UnionType) or typing.get_origin(model) is typing.Union:
            model = next(a for a in typing.get_args(model) if a is not type(None))
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None
