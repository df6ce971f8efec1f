"""The language Portcheck writes in: gettext catalogs (kept with Babel), one per process.

Every string Portcheck writes for a person goes through `_()` (or `N_()` where it sits in a
table and `_()` where it is used). Machine output (JSON keys, status words, error kinds,
reason codes) never does. The catalogs are compiled into `tui/locale/*/LC_MESSAGES/*.mo` in
the repository and ship in the wheel, so nothing is compiled at run time.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DOMAIN = "portcheck"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
"""Where the compiled catalogs are (inside the package)."""

LANGUAGES = {"en": "English", "zh": "简体中文", "fr": "Français"}
"""The languages Portcheck speaks, by code, each in its own words."""
DEFAULT = "en"

_ALIASES = {"c": "en", "posix": "en", "zh-hans": "zh", "zh-cn": "zh", "zh-sg": "zh"}

_catalogs: dict[str, gettext.NullTranslations] = {}
_catalog: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT


def _(message: str) -> str:
    """`message` in the active language (itself when it has no translation)."""
    return _catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the active language."""
    return _catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks `message` for translation where it is defined; `_()` translates it where used."""
    return message


class Phrase(str):
    """A message in the active language that remembers its message id and arguments, so that
    what is stored (a cached answer, a history row) is read back in the language of whoever
    reads it, not of whoever asked: `Phrase.of(stored)` translates it again.

    It is a `str` (its text now), so the code that shows text needs nothing new."""

    msgid: str
    args: dict[str, str]

    def __new__(cls, msgid: str, **args: str) -> Phrase:
        text = _catalog.gettext(msgid)
        phrase = super().__new__(cls, text.format(**args) if args else text)
        phrase.msgid, phrase.args = msgid, args
        return phrase

    def stored(self) -> list[Any]:
        """What to store: the message id, and its arguments when it has some."""
        return [self.msgid, self.args] if self.args else [self.msgid]

    @classmethod
    def of(cls, stored: object, text: str) -> str:
        """`text` in the active language when `stored` names its message (else `text`, as
        it was stored: a provider's own words, or a row from before message ids were kept)."""
        if not isinstance(stored, list) or not stored or not isinstance(stored[0], str):
            return text
        args = stored[1] if len(stored) > 1 and isinstance(stored[1], dict) else {}
        try:
            return cls(stored[0], **{str(k): str(v) for k, v in args.items()})
        except (KeyError, IndexError, ValueError):  # a catalog that lost a placeholder
            return text


def stored_phrase(text: str | None) -> list[Any] | None:
    """How `text` is stored beside itself: its message id when it is a `Phrase`."""
    return text.stored() if isinstance(text, Phrase) else None


def language() -> str:
    """The active language's code (`en`, `zh`, `fr`)."""
    return _language


def use(code: str, *, process_wide: bool = False) -> None:
    """Make `code` (one of LANGUAGES) the active language. Cheap to call again.

    `process_wide`: libraries that call the stdlib's `gettext.gettext` (click's usage lines,
    errors and `--help` option) speak it too: Portcheck's catalog becomes the process's
    text domain (their words are in it) and `LANGUAGE`, GNU gettext's own setting, names
    the language. For a command's process, not for a library caller."""
    global _catalog, _language
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}")
    if process_wide:
        gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
        gettext.textdomain(DOMAIN)
        os.environ["LANGUAGE"] = code
    if code not in _catalogs:
        _catalogs[code] = (
            gettext.NullTranslations()
            if code == DEFAULT
            else gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)
        )
    _catalog = _catalogs[code]
    _language = code


def normalise(tag: str | None) -> str | None:
    """The language of a locale or language tag (`zh_CN.UTF-8` → `zh`, `fr-FR` → `fr`,
    `C` → `en`), or None when Portcheck does not speak it or `tag` is empty."""
    if not tag:
        return None
    text = tag.strip().split(".")[0].split("@")[0].replace("_", "-").lower()
    if text in _ALIASES:
        return _ALIASES[text]
    base = text.split("-")[0]
    return base if base in LANGUAGES else None


def from_environment(env: Mapping[str, str] | None = None) -> str | None:
    """The language the locale asks for: `LC_ALL`, then `LC_MESSAGES`, then `LANG`, as
    POSIX reads them (the first one set decides, even when Portcheck does not speak it)."""
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return normalise(value)
    return None


def choose(
    option: str | None = None,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """The language to speak: `--lang`, then the profile's `language`, then the locale,
    then English."""
    for candidate in (normalise(option), normalise(profile), from_environment(env)):
        if candidate is not None:
            return candidate
    return DEFAULT
