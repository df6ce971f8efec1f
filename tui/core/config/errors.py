"""Config validation errors in words a person can act on: key path, problem, fix."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from tui.core.i18n import N_, _, ngettext

_EXPECTED = {  # msgids
    "float": N_("expected a number, e.g. 10.0"),
    "int": N_("expected a whole number"),
    "bool": N_("expected true or false"),
    "str": N_('expected text in quotes, e.g. "value"'),
    "array": N_('expected a list, e.g. ["offline"]'),
    "object": N_("expected a table"),
}

_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<key>[^`]+)`")
_MISSING = re.compile(r"Object missing required field `(?P<key>[^`]+)`")
_TYPE = re.compile(r"Expected `(?P<want>[^`]+)`, got `[^`]+`")
_BOUND = re.compile(r"Expected `(?:float|int)` (?P<bound>.+)")


class ConfigProblems(Exception):
    """What is wrong with a config file: one line per problem, `key: what (fix)`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def describe(self) -> str:
        """`2 problems:` and the lines, indented."""
        n = len(self.problems)
        count = ngettext("{count} problem", "{count} problems", n).format(count=n)
        return f"{count}:\n  " + "\n  ".join(self.problems)


def problem_at(key: str, message: str, hint: str | None = None) -> str:
    """One problem line."""
    where = key or _("(top level)")
    return f"{where}: {message}" + (f" ({hint})" if hint else "")


def problem(error: str, where: str, root: type) -> str:
    """A msgspec validation error, met while reading the table at `where` as a `root`, in
    the file's own key names and with a fix."""
    match = _AT.match(error)
    assert match is not None  # the pattern matches any text
    message, path = match["message"], (match["path"] or "").lstrip(".")
    keys = [k for k in re.split(r"\.|(?=\[)", path) if k]
    if unknown := _UNKNOWN.fullmatch(message):
        keys.append(unknown["key"])
        hint = _("unknown key: remove it or check its spelling")
        near = _did_you_mean(keys, root)
        return problem_at(_key(where, keys), hint, near)
    if missing := _MISSING.fullmatch(message):
        keys.append(missing["key"])
        return problem_at(_key(where, keys), _("required: add it"))
    if wrong := _TYPE.fullmatch(message):
        want = wrong["want"].removesuffix(" | null")  # optional keys: say what to write
        expected = _EXPECTED.get(want)
        return problem_at(_key(where, keys), _(expected) if expected else message)
    if bound := _BOUND.fullmatch(message):
        return problem_at(_key(where, keys), _("must be {bound}").format(bound=bound["bound"]))
    return problem_at(_key(where, keys), message)


def _key(where: str, keys: list[str]) -> str:
    return ".".join([where, *keys] if where else keys).replace(".[", "[")


def _did_you_mean(keys: list[str], root: type) -> str | None:
    """ "did you mean 'region'?" for an unknown key close to one the table accepts."""
    model: Any = root
    for part in keys[:-1]:
        if part.startswith("["):  # a dict's value or a list's item
            model = typing.get_args(model)[-1] if typing.get_args(model) else None
        else:
            model = typing.get_type_hints(model).get(part) if isinstance(model, type) else None
        if isinstance(model, types.UnionType) or typing.get_origin(model) is typing.Union:
            model = next(a for a in typing.get_args(model) if a is not type(None))
    fields = getattr(model, "__struct_fields__", None)
    if not fields:
        return None
    close = difflib.get_close_matches(keys[-1], list(fields), n=1, cutoff=0.6)
    return _("did you mean {key}?").format(key=repr(close[0])) if close else None
