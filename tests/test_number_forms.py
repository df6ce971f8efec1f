"""A number without a country code, read where the profile's providers can answer for it
(issue 9, item 2): both README forms work in the demo, from the CLI and the TUI."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.test_faults import portcheck
from tests.test_tui import text_of
from tests.tui_helpers import app_for, lookup, panel_states, ready
from tui.core.lookup.model import InvalidLookup, prepare

LAYER = "unit"


NOTE = "read as a French number (not valid in China, the profile's region)."


@pytest.mark.layer("command")
def test_the_demo_reads_a_french_national_number_and_says_so(tmp_path: Path) -> None:
    ran = portcheck(tmp_path, "check", "06 61 37 09 15", "--json")
    assert ran.code == 0, ran.err
    data = ran.json()
    assert data["number"]["e164"] == "+33661370915"
    assert data["number"]["region"] == "FR"
    offline = ran.result("offline")
    assert NOTE in offline["notes"]
    assert ran.result("china_mnp")["status"] == "skipped"  # nothing billed in China


@pytest.mark.layer("command")
def test_the_demo_reads_the_number_with_its_rio_as_french(tmp_path: Path) -> None:
    ran = portcheck(tmp_path, "check", "06 61 37 09 15", "--rio", "02P261040S7Y")
    assert ran.code == 0, ran.err
    assert "+33 6 61 37 09 15 · France" in ran.out
    assert "Verdict: ELIGIBLE for porting" in ran.out


def test_a_number_valid_in_the_profile_region_stays_there() -> None:
    query = prepare("13800138000", None, region="CN", allow_rio_mismatch=False, served=["FR"])
    assert query.number.region == "CN"
    assert all(n.code != "READ_AS" for n in query.number.notices)


def test_a_rio_means_france_even_for_digits_valid_in_the_region() -> None:
    # 0661370915 is not Chinese, but a RIO settles it without trying China first
    query = prepare("0661370915", "02P261040S7Y", region="CN", allow_rio_mismatch=False)
    assert query.number.region == "FR"
    assert "a RIO was given" in query.number.notices[0].message


def test_a_region_no_provider_serves_is_not_guessed() -> None:
    with pytest.raises(InvalidLookup, match="not a valid number in China"):
        prepare("06 61 37 09 15", None, region="CN", allow_rio_mismatch=False, served=["CN"])


def test_a_country_code_is_never_second_guessed() -> None:
    with pytest.raises(InvalidLookup):
        prepare("+86 06 61 37 09 15", None, region="CN", allow_rio_mismatch=False, served=["FR"])


@pytest.mark.layer("tui")
async def test_the_tui_demo_reads_both_readme_forms_as_french() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        main = app.main
        assert main is not None
        await lookup(pilot, "06 61 37 09 15")
        assert "France" in text_of(main.form.query_one("#number-feedback", Static))
        assert panel_states(app)["china_mnp"] == "skipped"
        assert "3179" in text_of(main.verdict)
        await lookup(pilot, "06 61 37 09 15", "02P261040S7Y")
        assert "ELIGIBLE for porting" in text_of(main.verdict)
        assert panel_states(app)["bouygues"] == "ok"
