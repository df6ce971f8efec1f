"""The terminal UI driven from the keyboard with Pilot, against the sandbox over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.tui_helpers import app_for, config_for, lookup, panel_states, ready, settle, until
from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.dialogs.help import HelpScreen
from tui.app.dialogs.text_screen import TextScreen
from tui.app.widgets.provider_panel import ProviderPanel
from tui.sandbox.server import SandboxServer

LAYER = "tui"


def text_of(widget: Static) -> str:
    return str(widget.render())


async def test_demo_lookup_fills_every_panel() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        title = text_of(app.main.query_one("#title-bar", Static))  # type: ignore[union-attr]
        assert "DEMO · sandbox, not real providers" in title
        await lookup(pilot, "138 0013 8000")
        assert panel_states(app) == {
            "offline": "ok",
            "china_mnp": "ok",
            "ip138": "ok",
            "bouygues": "skipped",
        }
        verdict = text_of(app.main.verdict)  # type: ignore[union-attr]
        assert "not ported, runs on 中国移动" in verdict and "line active" in verdict


async def test_bad_input_is_explained_in_place_and_nothing_is_sent(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "138 0013 80x0")
        main = app.main
        assert main is not None
        feedback = text_of(main.form.query_one("#number-feedback", Static))
        assert "LATIN SMALL LETTER X" in feedback
        assert "Nothing was sent" in text_of(main.verdict)
        assert set(panel_states(app).values()) == {"waiting"}
        assert sum(sandbox.state.hits.values()) == 0


async def test_rio_field_appears_for_french_numbers_with_live_key_check(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"), profile="fr")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        form = app.main.form  # type: ignore[union-attr]
        await pilot.press(*"13800138000")
        assert not form.has_class("-french")
        form.number_input.value = ""
        await pilot.press(*"06 61 37 09 15")
        assert form.has_class("-french")
        assert "3179" in text_of(form.query_one("#rio-feedback", Static))
        await pilot.press("tab", *"02P261040TOP")
        assert "does not belong" in text_of(form.query_one("#rio-feedback", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert "does not belong to this number" in text_of(app.main.verdict)  # type: ignore[union-attr]
        assert sandbox.state.hits["bouygues"] == 0
        form.rio_input.value = ""
        await pilot.press(*"02P261040S7Y", "enter")
        await settle(pilot)
        assert panel_states(app) == {"offline": "ok", "bouygues": "ok"}
        assert "ELIGIBLE" in text_of(app.main.verdict)  # type: ignore[union-attr]


async def test_a_failing_provider_affects_only_its_panel(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.add_fault("ip138", "error")
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        assert panel_states(app)["ip138"] == "error"
        assert panel_states(app)["china_mnp"] == "ok"
        panel = app.main.panel("ip138")  # type: ignore[union-attr]
        assert panel is not None
        body = str(panel.query_one(Static).render())
        assert "retry later" in body
        assert "1 provider failed" in text_of(app.main.verdict)  # type: ignore[union-attr]


async def test_a_hanging_provider_never_blocks_the_others(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.add_fault("ip138", "timeout")
    app = app_for(config_for(sandbox, tmp_path / "c.toml", timeout=1.0))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        app.main.form.number_input.focus()  # type: ignore[union-attr]
        await pilot.press(*"13800138000", "enter")
        await until(pilot, lambda: panel_states(app)["china_mnp"] == "ok")
        assert panel_states(app)["china_mnp"] == "ok"
        assert panel_states(app)["ip138"] == "querying"
        await settle(pilot)
        assert panel_states(app)["ip138"] == "error"
        panel = app.main.panel("ip138")  # type: ignore[union-attr]
        assert panel is not None and "timed out" in str(panel.border_subtitle)


async def test_raw_answer_and_billed_retry_asks_first(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        panel = app.main.panel("china_mnp")  # type: ignore[union-attr]
        assert panel is not None
        panel.focus()
        await pilot.press("v")
        assert isinstance(app.screen, TextScreen)
        assert "未携转" in str(app.screen.body)
        assert "demo-mnp-key" not in str(app.screen.body)
        await pilot.press("escape")
        panel.focus()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert sandbox.state.hits["china_mnp"] == 1
        panel.focus()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert sandbox.state.hits["china_mnp"] == 2
        assert panel_states(app)["china_mnp"] == "ok"


async def test_copy_summary_is_masked_and_confirmed() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        await pilot.press("ctrl+y")
        await pilot.pause()
        copied = app.clipboard
        assert copied.startswith("138****8000 · ")
        assert "not ported, runs on 中国移动" in copied and "13800138000" not in copied
        assert any(copied in str(n.message) for n in app._notifications)


async def test_history_sidebar_shows_filters_and_reopens_without_a_query(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138056")
        await lookup(pilot, "13800138000")
        main = app.main
        assert main is not None and main.sidebar.display
        entries = main.sidebar.entries
        assert entries.option_count == 2
        assert "138****8000" in str(entries.get_option_at_index(0).prompt)
        await pilot.press("ctrl+f", *"8056")
        await settle(pilot)
        assert entries.option_count == 1
        hits = dict(sandbox.state.hits)
        entries.focus()
        entries.highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        assert sandbox.state.hits == hits  # shown again from history: nothing asked
        panel = main.panel("china_mnp")
        assert panel is not None and "from history" in str(panel.border_subtitle)
        assert "中国联通" in text_of(main.verdict)
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert main.service is not None
        assert (await main.service.history.count()).value == 1


async def test_sidebar_collapses_on_narrow_terminals() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        main = app.main
        assert main is not None
        assert not main.sidebar.display
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert main.sidebar.display and not main.query_one("#main").display
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert not main.sidebar.display


async def test_help_and_palette_commands() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen) and "3179" in app.screen.text
        await pilot.press("escape")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "Re-run lookup",
            "Purge history",
            "Toggle masking",
            "Copy ticket summary",
            "Theme",
        ):
            assert wanted in titles


async def test_profile_switching_from_the_app(tmp_path: Path, sandbox: SandboxServer) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Switch profile: fr" in titles and "Switch profile: demo" in titles
        assert "Open sandbox demo" in titles  # not on the demo itself
        app.main.switch_profile("fr")  # type: ignore[union-attr]
        await settle(pilot)
        assert list(panel_states(app)) == ["offline", "bouygues"]
        assert app.main.form.default_region == "FR"  # type: ignore[union-attr]


async def test_screenshots_never_show_the_number(tmp_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "138 0013 8000")
        svg = app.export_screenshot()
        for form in ("13800138000", "138 0013 8000", "138&#160;0013&#160;8000", "0013"):
            assert form not in svg
        assert app.main.form.number_input.value == "138 0013 8000"  # type: ignore[union-attr]
        assert not app.main.form.number_input.password  # type: ignore[union-attr]


async def test_the_screenshot_command_works_without_downloads_and_is_private(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    monkeypatch.setenv("HOME", str(tmp_path / "bare-home"))  # no ~/Downloads at all
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "138 0013 8000")
        app.action_screenshot()
        await pilot.pause()
    [shot] = (home / "screenshots").iterdir()
    assert shot.suffix == ".svg" and stat.S_IMODE(shot.stat().st_mode) == 0o600
    svg = shot.read_text(encoding="utf-8")
    assert "0013" not in svg and "Portcheck" in svg


async def test_provider_text_is_plain_content_never_markup() -> None:
    from textual.app import App, ComposeResult

    from tui.core.answers.result import ProviderResult, Status

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield ProviderPanel("china_mnp", "China MNP")

    async with Host().run_test() as pilot:
        panel = pilot.app.query_one(ProviderPanel)
        panel.show(
            ProviderResult("china_mnp", Status.OK, current_operator="[bold red]evil[/] \x1b[31m")
        )
        await pilot.pause()
        assert "[bold red]evil[/]" in str(panel.query_one(Static).render())


async def test_config_error_is_shown_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[profiles.x]\nregoin = 'CN'\n", encoding="utf-8")
    app = app_for(bad)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, TextScreen)
        assert "profiles.x.regoin" in str(app.screen.body)


async def test_a_broken_profile_never_leaves_loading_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IP138_TOKEN", raising=False)
    config = tmp_path / "c.toml"
    config.write_text(
        "[profiles.x]\nproviders = ['offline', 'ip138']\n[profiles.x.ip138]\n"
        "base_url = 'https://x.api.ip138.com'\ntoken = 'env:IP138_TOKEN'\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("escape")  # close the error's own screen
        await settle(pilot)
        main = app.main
        assert main is not None
        shown = text_of(main.query_one("#loading", Static))
        assert "Loading" not in shown and "could not be loaded" in shown
        assert "fix the file" in text_of(main.verdict)


async def test_no_file_is_never_told_to_fix_the_file(tmp_path: Path) -> None:
    app = app_for(tmp_path / "missing.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("escape")
        await settle(pilot)
        main = app.main
        assert main is not None
        verdict = text_of(main.verdict)
        assert "fix the file" not in verdict
        assert "portcheck config init" in verdict


async def test_crash_output_shows_no_local_variables(capsys: pytest.CaptureFixture[str]) -> None:
    from textual.app import App

    from tui.app.app import PortcheckApp

    class Crashing(App[None]):
        def on_mount(self) -> None:
            secret = "".join(["TOP", "SECRET", "-VALUE"])  # built at run time: not in the source
            raise RuntimeError("boom" + secret[:0])

    Crashing._fatal_error = PortcheckApp._fatal_error  # type: ignore[method-assign,assignment]
    app = Crashing()
    with pytest.raises(RuntimeError):
        async with app.run_test():
            pass
    shown = capsys.readouterr().err
    assert "RuntimeError" in shown
    assert "TOPSECRET" not in shown


async def test_theme_chosen_in_the_app_is_remembered(home: Path) -> None:
    from tui.app.app import PortcheckApp

    app = PortcheckApp()
    async with app.run_test() as pilot:
        await ready(pilot)
        app.theme = "nord"
        await pilot.pause()
    state = home / "state" / "ui.toml"
    assert state.stat().st_mode & 0o077 == 0
    assert PortcheckApp().theme == "nord"
    assert PortcheckApp(theme="ansi").theme == "ansi-dark"  # the command line wins


@pytest.mark.parametrize(
    "pasted",
    ["+86-138-0013-8000", "tel:+8613800138000", "１３８ ００１３ ８０００", "0086 13800138000"],
)
async def test_pasting_any_form_looks_up_the_same_number(pasted: str) -> None:
    from textual import events

    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        form = app.main.form  # type: ignore[union-attr]
        form.number_input.focus()
        form.number_input.post_message(events.Paste(pasted))
        await pilot.pause()
        assert form.number_input.value == pasted
        assert "+86 138 0013 8000" in text_of(form.query_one("#number-feedback", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert panel_states(app)["china_mnp"] == "ok"


async def test_disagreeing_providers_are_flagged_in_the_verdict() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138061")  # sandbox: ip138 still reports the original operator
        verdict = app.main.verdict  # type: ignore[union-attr]
        assert "providers disagree" in text_of(verdict)
        assert "china_mnp says 中国联通" in text_of(verdict)
        assert verdict.has_class("-disagree")


async def test_rerun_from_history_asks_again(tmp_path: Path, sandbox: SandboxServer) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138056")
        await lookup(pilot, "13800138000")
        main = app.main
        assert main is not None
        main.sidebar.entries.focus()
        main.sidebar.entries.highlighted = 1  # the older lookup
        await pilot.press("r")
        await settle(pilot)
        assert main.form.number_input.value == "13800138056"
        assert "中国联通" in text_of(main.verdict)
        assert main.sidebar.entries.option_count == 3


async def test_a_french_lookup_asked_again_keeps_its_rio_or_asks_for_it(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """RIOs are never stored: in the session that typed it, asking again reuses it; in a
    later one, the RIO field opens saying to type it again, and nothing is sent."""
    from tui.app.dialogs.confirm import ConfirmScreen

    config = config_for(sandbox, tmp_path / "c.toml")
    fr = '[profiles.fr]\nregion = "FR"\n'
    config.write_text(config.read_text().replace(fr, fr + "store_full_number = true\n"))

    def bouygues_asked() -> int:
        return sandbox.state.hits["bouygues"]

    app = app_for(config, profile="fr")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "0661370915", "02P261040S7Y")
        main = app.main
        assert main is not None and bouygues_asked() == 1
        main.sidebar.entries.focus()
        await pilot.press("enter")  # open it from history, then ask it again
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        if isinstance(app.screen, ConfirmScreen):
            await pilot.press("y")
        await settle(pilot)
        assert bouygues_asked() == 2
        assert main.current is not None and main.current.results["bouygues"].eligible is not None

    for keys in (["r"], ["enter", "ctrl+r"]):  # a later session: 'r' in the list, or ctrl+r
        app = app_for(config, profile="fr")
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot)
            main = app.main
            assert main is not None
            main.sidebar.entries.focus()
            await pilot.press(*keys)
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmScreen) and bouygues_asked() == 2
            form = main.form
            assert form.number_input.value == "+33661370915"
            assert app.focused is form.rio_input
            feedback = text_of(form.query_one("#rio-feedback", Static))
            assert "Type the RIO again" in feedback
            await pilot.press(*"02P261040S7Y", "enter")
            await settle(pilot)
            assert bouygues_asked() == 2  # its answer for this RIO is fresh: reused
            assert main.current is not None
            assert main.current.results["bouygues"].eligible is not None


async def test_a_lookup_asked_for_while_the_profile_loads_runs_once_it_is_ready(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    import threading

    from tests.tui_helpers import stable_service
    from tui.app.app import PortcheckApp
    from tui.core.service.service import LookupService

    release = threading.Event()

    def slow_service() -> LookupService:  # runs off the UI thread, like the engine's imports
        assert release.wait(10), "the test never released the profile"
        return stable_service(str(config))

    config = config_for(sandbox, tmp_path / "c.toml")
    app = PortcheckApp(service=slow_service, theme="dark")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"13800138000", "enter")
        await pilot.pause()
        assert "will start as soon as" in " ".join(str(n.message) for n in app._notifications)
        release.set()
        await settle(pilot)
        assert panel_states(app)["china_mnp"] == "ok"
        assert sandbox.state.hits["china_mnp"] == 1


async def test_the_profiles_panels_are_drawn_before_the_engine_has_loaded(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    import threading

    from tests.tui_helpers import stable_service
    from tui.app.app import PortcheckApp
    from tui.core.service.service import LookupService

    release = threading.Event()

    def slow_service() -> LookupService:
        assert release.wait(10), "the test never released the engine"
        return stable_service(str(config))

    config = config_for(sandbox, tmp_path / "c.toml")
    app = PortcheckApp(config_path=str(config), service=slow_service, theme="dark")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        main = app.main
        assert main is not None
        # The engine is still loading, and the cn profile's four panels are on screen.
        assert list(panel_states(app)) == ["offline", "china_mnp", "ip138", "bouygues"]
        assert "loading" in text_of(main.query_one("#title-bar", Static))
        before = main.panel("ip138")
        release.set()
        await settle(pilot)
        assert main.panel("ip138") is before  # confirmed by the validated profile, not redrawn
        assert "DEMO" not in text_of(main.query_one("#title-bar", Static))
        await lookup(pilot, "13800138000")
        assert panel_states(app)["ip138"] == "ok"


async def test_a_preview_the_profile_contradicts_is_replaced(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tui.core.config.preview import preview_profile

    config = config_for(sandbox, tmp_path / "c.toml")
    assert preview_profile(str(config), "fr") is not None
    app = app_for(config, profile="fr")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert list(panel_states(app)) == ["offline", "bouygues"]
    (tmp_path / "bad.toml").write_text("[profiles.x]\nproviders = ['nope']\n", encoding="utf-8")
    assert preview_profile(str(tmp_path / "bad.toml")) is None  # unclear: no preview at all


async def test_keys_typed_right_after_tab_land_in_the_next_field(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """A CTI tool or macro types 'number, Tab, RIO, Enter' in one burst: nothing may be lost
    or land in the wrong field."""
    from textual import events

    app = app_for(config_for(sandbox, tmp_path / "c.toml"), profile="fr")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        form = app.main.form  # type: ignore[union-attr]
        burst = [*"0661370915", "tab", *"02P261040S7Y", "enter"]
        for key in burst:  # posted at once, as the terminal driver does for one read
            char = {"tab": "\t", "enter": "\r"}.get(key, key)
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert (form.number_input.value, form.rio_input.value) == ("0661370915", "02P261040S7Y")
        assert panel_states(app) == {"offline": "ok", "bouygues": "ok"}
