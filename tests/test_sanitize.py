"""Provider text is data: no control, escape or bidi characters reach the screen."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui.core.sanitize import clean_text, clean_tree

LAYER = "unit"


def test_escape_sequences_are_removed_whole() -> None:
    assert clean_text("\x1b[31mred\x1b[0m") == "red"
    assert clean_text("a\x1b]52;c;ZXZpbA==\x07b") == "ab"  # OSC 52 clipboard write
    assert clean_text("x\x9b2Jy") == "xy"


def test_bidi_and_zero_width_are_removed() -> None:
    assert clean_text("中国\u202e移动\u200b") == "中国移动"


def test_newlines_become_spaces_and_length_is_bounded() -> None:
    assert clean_text("a\nb\r\nc") == "a b c"
    assert len(clean_text("x" * 5000)) == 500


def test_markup_is_kept_as_literal_text() -> None:
    assert clean_text("[bold red]hi[/]") == "[bold red]hi[/]"


def test_tree_cleans_keys_and_values() -> None:
    assert clean_tree({"k\x1b[1m": ["v\u202e", 1, None]}) == {"k": ["v", 1, None]}


@given(st.text())
def test_output_never_holds_control_or_format_characters(text: str) -> None:
    import unicodedata

    assert all(unicodedata.category(ch)[0] != "C" for ch in clean_text(text))


def _slow_clean(value: str, limit: int = 500) -> str:
    """clean_text without its fast path for text with nothing to remove."""
    import unicodedata

    from tui.core.sanitize import _ESCAPES

    text = _ESCAPES.sub("", value)
    out = [
        " " if ch in "\t\n\r\v\f\x85\u2028\u2029" else ch
        for ch in text
        if ch in "\t\n\r\v\f\x85\u2028\u2029" or unicodedata.category(ch)[0] != "C"
    ]
    cleaned = " ".join("".join(out).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


@given(
    st.text(alphabet=st.characters(), max_size=60)
    | st.sampled_from(["中国 移动", " a", "a  b", "a\u3000b", "x" * 600])
)
def test_the_fast_path_cleans_exactly_as_the_full_rules_do(text: str) -> None:
    assert clean_text(text) == _slow_clean(text)
