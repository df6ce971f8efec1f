"""Portcheck speaks English, Chinese and French: complete catalogs, the language chosen as
documented, machine output the same in every language."""

from __future__ import annotations

import ast
import gettext
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.test_faults import portcheck
from tests.tui_helpers import config_for
from tui.core import i18n
from tui.sandbox.server import SandboxServer

LAYER = "unit"


TUI = Path(i18n.__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
TRANSLATED = ("zh", "fr")


def extracted() -> set[str | tuple[str, str]]:
    """Every string marked for translation in the package, as scripts/i18n.sh extracts it."""
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(TUI), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def catalog(language: str) -> Catalog:
    with (TUI / "locale" / language / "LC_MESSAGES" / "portcheck.po").open("rb") as f:
        return read_po(f)


def test_extraction_finds_the_strings_people_read() -> None:
    found = extracted()
    # a sample from the core, the TUI and the command line (a broken extraction finds none)
    assert {
        "ELIGIBLE for porting",
        "Paste a number and press Enter.",
        "Show this message and exit.",
    } <= found
    assert len(found) > 400


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_has_a_translation(language: str) -> None:
    translations = {m.id: m.string for m in catalog(language) if m.id}
    missing = [
        message
        for message in extracted()
        if not translations.get(message)
        or not all(cast(list[str], translations[message]) if isinstance(message, tuple) else [True])
    ]
    assert not missing, f"{language}: no translation for {sorted(map(str, missing))[:10]}"


def _fields(text: str) -> set[str]:
    """The `{name}` placeholders of `text`, and its `%(name)s` ones (click's version line)."""
    braces = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return braces | {f"%{name}" for name in re.findall(r"%\((\w+)\)s", text)}


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language: str) -> None:
    wrong = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        expected = set().union(*map(_fields, ids))
        wrong += [(ids[0], s) for s in strings if s and _fields(s) != expected]
    assert not wrong, f"{language}: placeholders differ in {wrong[:5]}"


def test_a_dropped_placeholder_is_caught() -> None:
    """The check above is not blind: a translation without `{number}` differs."""
    assert _fields("已转至 {current}") != _fields("already ported from {original} to {current}")


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_shipped_catalogs_are_compiled_from_their_sources(language: str) -> None:
    """The wheel carries the .mo files (nothing is compiled at run time): they must say
    what the .po files say (scripts/i18n.sh compiles them)."""
    mo_path = TUI / "locale" / language / "LC_MESSAGES" / "portcheck.mo"
    with mo_path.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for message in catalog(language):
        if not message.id:
            continue
        if isinstance(message.id, str):
            if compiled.gettext(message.id) != message.string:
                stale.append(message.id)
        elif compiled.ngettext(message.id[0], message.id[1], 1) != (message.string or [""])[0]:
            stale.append(message.id[0])
    assert not stale, f"{mo_path} is older than its .po: run scripts/i18n.sh ({stale[:3]})"


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(TUI.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_no_marked_string_hides_where_extraction_cannot_see_it() -> None:
    """`_("text")` inside an f-string is never extracted, so it would never be translated."""
    hidden = [
        f"{path.relative_to(TUI)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", None) in KEYWORDS
        and call.args
        and isinstance(call.args[0], ast.Constant)
    ]
    assert not hidden


def test_no_function_shadows_the_translation_function() -> None:
    """`a, _, b = text.partition(":")` in a function that also translates makes `_` a str
    there: the translated call would crash at run time (mypy ignores assignments to `_`)."""
    shadowing = []
    for path, tree in _modules():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            stores = [
                n
                for n in ast.walk(function)
                if isinstance(n, ast.Name)
                and n.id == "_"
                and isinstance(n.ctx, ast.Store)
                and not _in_comprehension(function, n)
            ]
            calls = [
                n
                for n in ast.walk(function)
                if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "_"
            ]
            if stores and calls:
                shadowing.append(f"{path.relative_to(TUI)}:{function.lineno}")
    assert not shadowing


def _in_comprehension(function: ast.AST, name: ast.Name) -> bool:
    comprehensions = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    return any(
        name in ast.walk(node) for node in ast.walk(function) if isinstance(node, comprehensions)
    )


# --- choosing the language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("zh_CN.UTF-8", "zh"),
        ("zh-Hans", "zh"),
        ("fr_FR.UTF-8", "fr"),
        ("fr_CA@euro", "fr"),
        ("en_GB.UTF-8", "en"),
        ("C.UTF-8", "en"),
        ("POSIX", "en"),
        ("de_DE.UTF-8", None),
        ("", None),
    ],
)
def test_locale_names_are_read_as_a_language(tag: str, language: str | None) -> None:
    assert i18n.normalise(tag) == language


def test_the_option_wins_then_the_profile_then_the_locale_then_english() -> None:
    env = {"LANG": "fr_FR.UTF-8"}
    assert i18n.choose("zh", "en", env) == "zh"
    assert i18n.choose(None, "zh", env) == "zh"
    assert i18n.choose(None, None, env) == "fr"
    assert i18n.choose(None, None, {}) == "en"
    # POSIX order: LC_ALL, then LC_MESSAGES, then LANG; the first one set decides
    assert i18n.choose(None, None, {"LC_ALL": "zh_CN.UTF-8", "LANG": "fr_FR"}) == "zh"
    assert i18n.choose(None, None, {"LC_MESSAGES": "fr_FR", "LANG": "zh_CN"}) == "fr"
    assert i18n.choose(None, None, {"LC_ALL": "de_DE.UTF-8", "LANG": "fr_FR"}) == "en"


# --- the installed command --------------------------------------------------------------------


def _speaking(monkeypatch: pytest.MonkeyPatch, locale: str) -> None:
    monkeypatch.setenv("LANG", locale)


@pytest.mark.layer("command")
def test_a_chinese_agent_reads_chinese(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _speaking(monkeypatch, "zh_CN.UTF-8")
    ran = portcheck(tmp_path / "home", "check", "13800138080")
    assert ran.code == 0, ran.err
    assert "结论：不可携转：" in ran.out
    assert "中国移动" in ran.out  # the range holder, named in Chinese
    assert "客户编辑短信 CXXZ#姓名#证件号码 发送至 10086" in ran.out
    assert "演示配置" in ran.err
    assert "Verdict" not in ran.out and "eligible" not in ran.out


@pytest.mark.layer("command")
def test_a_french_agent_reads_french(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _speaking(monkeypatch, "fr_FR.UTF-8")
    ran = portcheck(tmp_path / "home", "check", "06 61 37 09 15", "--rio", "03P261040TOP")
    assert ran.code == 0, ran.err
    assert "Verdict : NON ÉLIGIBLE : le numéro ou le RIO est déjà chez Bouygues Telecom" in ran.out
    assert "mis à jour chaque mois" in ran.out
    assert "seuls les mobiles chinois" in ran.out  # why china_mnp was not asked


@pytest.mark.layer("command")
def test_help_and_errors_follow_the_language(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _speaking(monkeypatch, "zh_CN.UTF-8")
    helped = portcheck(tmp_path / "home", "check", "--help")
    assert "用法：" in helped.out and "显示此信息并退出。" in helped.out
    assert "法国 RIO（12 个字符）" in helped.out
    bad = portcheck(tmp_path / "home", "check", "12x")
    assert bad.code == 2
    assert "输入无效" in bad.err and "未发送任何请求" in bad.err
    _speaking(monkeypatch, "fr_FR.UTF-8")
    wrong = portcheck(tmp_path / "home", "check")
    assert wrong.code == 2 and "Argument manquant" in wrong.err


@pytest.mark.layer("command")
def test_lang_overrides_the_locale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _speaking(monkeypatch, "zh_CN.UTF-8")
    ran = portcheck(tmp_path / "home", "--lang", "fr", "check", "13800138000")
    assert "Verdict : aucun motif bloquant signalé" in ran.out
    ran = portcheck(tmp_path / "home", "--lang=en", "check", "13800138000")
    assert "Verdict: no blocking reason reported" in ran.out
    refused = portcheck(tmp_path / "home", "--lang", "de", "check", "13800138000")
    assert refused.code == 2 and "'de' is not one of 'en', 'zh', 'fr'" in refused.err


@pytest.mark.layer("command")
def test_the_profile_language_comes_between_the_option_and_the_locale(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = config_for(sandbox, tmp_path / "config.toml")
    text = config.read_text().replace("[profiles.cn]\n", '[profiles.cn]\nlanguage = "fr"\n')
    config.write_text(text)
    _speaking(monkeypatch, "zh_CN.UTF-8")
    home = tmp_path / "home"
    assert "Verdict : " in portcheck(home, "check", "13800138000", config=config).out
    assert "结论：" in portcheck(home, "--profile", "fr", "check", "0661370915", config=config).out
    assert "Verdict: " in portcheck(home, "--lang", "en", "check", "13800138000", config=config).out


@pytest.mark.layer("command")
def test_an_unknown_profile_language_is_a_config_error(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(sandbox, tmp_path / "config.toml")
    config.write_text(
        config.read_text().replace("[profiles.cn]\n", '[profiles.cn]\nlanguage = "de"\n')
    )
    ran = portcheck(tmp_path / "home", "check", "13800138000", config=config)
    assert ran.code == 3
    assert "profiles.cn.language" in ran.err and "'de'" in ran.err and "en, zh, fr" in ran.err


def _machine(data: object) -> object:
    """`check --json` without its human text fields."""
    human = {
        "headline", "message", "next_step", "next_steps", "notes", "skip_reason",
        "range_operator", "current_operator", "original_operator",
        "latency_ms", "order_id", "age_s",
    }  # fmt: skip
    if isinstance(data, dict):
        return {k: _machine(v) for k, v in data.items() if k not in human}
    if isinstance(data, list):
        return [_machine(v) for v in data]
    return data


@pytest.mark.layer("command")
@pytest.mark.parametrize("number", ["13800138080", "13800138056", "12x"])
def test_json_is_the_same_in_every_language_but_for_human_text(
    number: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    outputs = {}
    for locale in ("C.UTF-8", "zh_CN.UTF-8", "fr_FR.UTF-8"):
        _speaking(monkeypatch, locale)
        ran = portcheck(tmp_path / locale, "check", number, "--json")
        outputs[locale] = ran.json()
    english, chinese, french = outputs.values()
    assert _machine(english) == _machine(chinese) == _machine(french)
    if number == "13800138080":  # and the human text did change language
        assert english["verdict"]["headline"].startswith("NOT ELIGIBLE")
        assert chinese["verdict"]["headline"].startswith("不可携转")
        assert french["verdict"]["headline"].startswith("NON ÉLIGIBLE")
        reasons = [r["code"] for r in chinese["verdict"]["reasons"]]
        assert reasons == [r["code"] for r in english["verdict"]["reasons"]]


# --- the TUI -------------------------------------------------------------------------------


@pytest.mark.layer("tui")
async def test_the_palette_speaks_chinese_with_textuals_own_commands() -> None:
    from textual.command import CommandInput, CommandPalette

    from tests.tui_helpers import app_for, ready

    i18n.use("zh")
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"批量查询", "清除历史记录", "主题", "退出"} <= set(titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(CommandInput).placeholder == "搜索命令…"
        footer = [a.binding.description for a in app.screen.active_bindings.values()]
        assert "退出命令面板" in footer


@pytest.mark.layer("tui")
async def test_one_process_draws_each_language_its_own_bindings() -> None:
    """Bindings are class attributes; each app built in a language shows that language."""
    from tests.tui_helpers import app_for, ready

    seen = {}
    for language in ("fr", "en", "zh"):
        i18n.use(language)
        app = app_for()
        async with app.run_test(size=(100, 30)) as pilot:
            await ready(pilot)
            seen[language] = {a.binding.description for a in app.screen.active_bindings.values()}
    assert "Quitter" in seen["fr"] and "Quit" in seen["en"] and "退出" in seen["zh"]


@pytest.mark.layer("tui")
async def test_the_number_fields_feedback_names_a_range_in_words() -> None:
    """The offline facts under the number field (an MVNO range) are words in the language
    spoken, not the notice's code."""
    from textual.widgets import Static

    from tests.tui_helpers import app_for, ready

    i18n.use("fr")
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*"17012345678")
        await pilot.pause()
        assert app.main is not None
        feedback = str(app.main.form.query_one("#number-feedback", Static).render())
    assert "tranche MVNO" in feedback and "mvno" not in feedback


def _commands(group: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    import click

    yield path
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            yield from _commands(command, (*path, name))


@pytest.mark.layer("command")
@pytest.mark.parametrize("locale", ["en_US.UTF-8", "zh_CN.UTF-8", "fr_FR.UTF-8"])
def test_every_help_page_fits_80_columns_in_cells(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, locale: str
) -> None:
    """Click counts characters: a Chinese line (two cells a character) ran to 108 cells and
    cut `PORTCHECK_CONFIG` in two. Every command's help, measured as a terminal shows it."""
    from concurrent.futures import ThreadPoolExecutor

    from rich.cells import cell_len

    from tui.cli.main import cli

    _speaking(monkeypatch, locale)
    # portcheck() drops COLUMNS: click then lays the page out for 80 columns
    commands = list(_commands(cli))
    assert len(commands) >= 10  # the walk found the subcommands
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(lambda c: portcheck(tmp_path / "home", *c, "--help"), commands))
    for command, page in zip(commands, pages, strict=True):
        assert page.code == 0, (command, page.err)
        lines = page.out.splitlines()
        wide = [line for line in lines if cell_len(line) > 80]
        assert not wide, (command, wide)
        section = ""
        for line in lines:
            if line and not line.startswith(" "):
                section = line
            elif line.strip() and section.rstrip(":： ").lower() in ("options", "选项"):
                assert line.startswith("  "), (command, line)  # never back at column 0
            assert not line.lstrip().startswith(("，", "。", "）", "、")), (command, line)
            assert not line.endswith(("（", "“")), (command, line)
    top = pages[0].out
    assert "PORTCHECK_CONFIG" in top and "default_profile" in top


@pytest.mark.layer("tui")
@pytest.mark.parametrize("language", ["fr", "zh", "en"])
async def test_the_footer_keeps_the_quit_key_at_80_columns_with_a_panel_focused(
    language: str,
) -> None:
    """In French the panel's keys pushed `^q Quitter` under the palette key (`^l No▏^p
    palettei`): the footer now drops the keys that are also in help, never quitting."""
    from textual.widgets._footer import FooterKey

    from tests.tui_helpers import app_for, ready
    from tui.app.widgets.provider_panel import ProviderPanel

    i18n.use(language)
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press(*"0661370915", "enter")
        await pilot.pause()
        app.screen.query(ProviderPanel).first().focus()
        await pilot.pause()
        await pilot.pause()
        keys = {key.key: key for key in app.screen.query(FooterKey)}
        palette = keys["ctrl+p"]
        shown = [k for k in keys.values() if k.display and k is not palette]
        assert {"ctrl+q", "f1", "v", "r"} <= {k.key for k in shown}, [k.key for k in shown]
        for key in shown:  # each whole, left of the palette key
            assert key.region.right <= palette.region.x, (key.key, key.region, palette.region)
        assert palette.region.right <= 80
