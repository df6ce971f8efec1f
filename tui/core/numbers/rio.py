"""French RIO (Relevé d'Identité Opérateur): format, operator and check key."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from tui.core.errors import InvalidInput
from tui.core.i18n import N_, _

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"

#: RIO operator codes (first two characters).
OPERATORS = {
    "01": "Orange",
    "02": "SFR",
    "03": "Bouygues Telecom",
    "04": "Free Mobile",
    "05": "Lycamobile",
}

#: What a French customer without a RIO should do (a msgid: shown through `_()`).
NO_RIO_HINT = N_(
    "No RIO? The customer calls 3179 from the line (free): it gives the RIO "
    "and the commitment end date."
)

_SHAPE = re.compile(r"[A-Z0-9+]{12}")


def check_key(prefix: str, national: str) -> str:
    """The three-character key over the 9 first RIO characters and the 10-digit number."""
    a = b = c = 0
    for ch in prefix + national:
        p = ALPHABET.index(ch)
        a = (a + p) % 37
        b = (2 * b + p) % 37
        c = (4 * c + p) % 37
    return ALPHABET[a] + ALPHABET[b] + ALPHABET[c]


@dataclass(frozen=True)
class Rio:
    """A syntactically valid RIO. Its text never appears in repr, logs or history."""

    code: str = field(repr=False)
    """The 12 upper-case characters."""

    @property
    def operator_code(self) -> str:
        """`OO`: the operator that issued the RIO."""
        return self.code[:2]

    @property
    def operator(self) -> str:
        """The issuing operator's name, or "unknown operator"."""
        known = OPERATORS.get(self.operator_code)
        return known or _("unknown operator ({code})").format(code=self.operator_code)

    @property
    def key(self) -> str:
        """The last three characters: the check key."""
        return self.code[9:]

    def matches(self, national: str) -> bool:
        """Whether the key proves this RIO belongs to `national` (0XXXXXXXXX)."""
        return check_key(self.code[:9], national) == self.key

    def __str__(self) -> str:
        return f"RIO {self.operator_code}•••••••••• ({self.operator})"


def parse_rio(text: str) -> Rio:
    """Normalise and check the shape of a RIO; raise `InvalidInput` naming the problem."""
    code = "".join(unicodedata.normalize("NFKC", text).upper().split())
    if not code:
        raise InvalidInput(_("the RIO is empty.") + " " + _(NO_RIO_HINT))
    if len(code) != 12:
        raise InvalidInput(
            _("a RIO has 12 characters (letters, digits or +), this one has {count}.").format(
                count=len(code)
            )
        )
    if not _SHAPE.fullmatch(code):
        bad = next(ch for ch in code if ch not in ALPHABET)
        raise InvalidInput(
            _("a RIO holds only letters A-Z, digits and +; {char} is not allowed.").format(
                char=repr(bad)
            )
        )
    if code[2] not in "PE":
        raise InvalidInput(
            _(
                "the 3rd character of a mobile RIO is P or E, not {char}: is this a fixed-line RIO?"
            ).format(char=repr(code[2]))
        )
    return Rio(code)
