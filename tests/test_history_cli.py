"""`portcheck history` as a person uses it."""

from __future__ import annotations

import contextlib
import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli import run

LAYER = "http"


@pytest.fixture
def three(capsys: pytest.CaptureFixture[str]) -> None:
    for number in ("13800138000", "13800138056", "13800138000"):
        assert run(capsys, "check", number)[0] == 0


def test_list_search_show(capsys: pytest.CaptureFixture[str], three: None) -> None:
    code, out, _ = run(capsys, "history")
    header, *lines = out.strip().splitlines()
    assert code == 0 and header.split() == ["id", "when", "profile", "number", "verdict"]
    assert len(lines) == 3
    assert "138****8056" in lines[1] and "already ported" in lines[1]
    assert "13800138000" not in out
    code, out, _ = run(capsys, "history", "search", "+86 138 0013 8000")
    assert len(out.strip().splitlines()) == 1 + 2
    code, out, _ = run(capsys, "history", "show", "2")
    assert code == 0 and "中国联通" in out
    assert out.index("Offline checks") < out.index("China MNP") < out.index("IP138")
    code, _, err = run(capsys, "history", "show", "99")
    assert code == 2 and "no lookup 99" in err


def test_usage_shows_cost_from_profile_prices(
    capsys: pytest.CaptureFixture[str], three: None
) -> None:
    code, out, _ = run(capsys, "history", "--usage")
    assert code == 0
    assert "china_mnp" in out and "ip138" in out
    rows = [line.split() for line in out.splitlines() if "china_mnp" in line]
    assert rows[0][3] == "2"  # two billed queries; the third lookup reused the answer


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_is_masked_and_private(
    capsys: pytest.CaptureFixture[str], three: None, tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"out{suffix}"
    code, out, _ = run(capsys, "history", "--export", str(target))
    assert code == 0 and "3 lookups" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text(encoding="utf-8")
    assert "138****8000" in text and "13800138000" not in text
    if suffix == ".jsonl":
        assert len([json.loads(line) for line in text.splitlines()]) == 3
    else:  # "CSV UTF-8", as Excel writes it: Excel reads 中国移动 right only with the mark
        assert text.startswith("\ufefflookup_id,") and text.count("\ufeff") == 1
    code, _, err = run(capsys, "history", "--export", str(tmp_path / "x.txt"))
    assert code == 2 and ".csv or .jsonl" in err
    code, _, err = run(capsys, "history", "--export", f"/proc/out{suffix}")  # not even as root
    assert code == 2 and "cannot write it (No such file or directory)" in err


def test_usage_counts_a_china_mnp_error_code_as_maybe_billed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "check", "13800138090", "--provider", "china_mnp")[0] == 1  # error code
    code, out, _ = run(capsys, "history", "--usage")
    assert code == 0
    [row] = [r.split() for r in out.splitlines() if r[:2].isdigit() and "china_mnp" in r]
    assert row[3:5] == ["0", "1"]  # billed 0, maybe 1
    assert "china_mnp answers carrying an error code" in out


def test_export_into_a_missing_folder_is_refused_not_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "check", "13800138000", "--json")[0] == 0
    target = tmp_path / "no" / "such" / "dir" / "x.csv"
    code, _, err = run(capsys, "history", "--export", str(target))
    assert code == 2
    assert f"{tmp_path / 'no' / 'such' / 'dir'} does not exist" in err
    assert not (tmp_path / "no").exists()  # nothing created


def test_unmasked_export_needs_stored_full_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tui.sandbox.server import SandboxServer

    with SandboxServer() as server:
        cfg = tmp_path / "c.toml"
        cfg.write_text(
            f"""
[profiles.full]
providers = ["offline", "ip138"]
store_full_number = true
[profiles.full.ip138]
base_url = "{server.url}/ip138"
token = "demo-ip138-token"
""",
            encoding="utf-8",
        )
        cfg.chmod(0o600)
        assert run(capsys, "--config", str(cfg), "check", "13800138000")[0] == 0
        masked, unmasked = tmp_path / "masked.csv", tmp_path / "full.csv"
        run(capsys, "--config", str(cfg), "history", "--export", str(masked))
        run(capsys, "--config", str(cfg), "history", "--export", str(unmasked), "--unmasked")
    assert "+8613800138000" not in masked.read_text(encoding="utf-8")
    assert "+8613800138000" in unmasked.read_text(encoding="utf-8")


def test_purge_asks_first_and_yes_skips(
    capsys: pytest.CaptureFixture[str], three: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, out, err = run(capsys, "history", "purge", "--number", "13800138056")
    assert code == 1 and "nothing was deleted" in err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script with no terminal, no --yes
    code, out, err = run(capsys, "history", "purge", "--number", "13800138056")
    assert code == 1 and "add --yes" in err and "nothing was deleted" in err
    code, out, _ = run(capsys, "history", "purge", "--number", "138-0013-8056", "--yes")
    assert code == 0 and "Deleted 1" in out
    code, out, _ = run(capsys, "history", "purge", "--older-than", "1d", "--yes")
    assert "Nothing to purge" in out
    code, _, err = run(capsys, "history", "purge", "--older-than", "soon", "--yes")
    assert code == 2 and "30d" in err
    code, _, err = run(capsys, "history", "purge")
    assert code == 2 and "exactly one of" in err
    code, out, _ = run(capsys, "history", "purge", "--all", "--yes")
    assert "Deleted 2" in out


@contextlib.contextmanager
def tiny_disk(where: Path, size: str = "1m") -> Iterator[Path]:
    """A small file system at `where`, 1 MiB unless `size` says (needs root; the test is
    skipped without it)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill(disk: Path) -> Path:
    """Fill `disk` to the last byte; returns the filler file."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 4096)
    return filler


@pytest.mark.layer("command")
def test_a_full_disk_keeps_the_history_and_still_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        monkeypatch.setenv("PORTCHECK_HOME", str(disk))
        for number in ("13800138001", "13800138002"):
            assert run(capsys, "check", number, "--json")[0] == 0
        filler = fill(disk)
        code, out, err = run(capsys, "check", "13800138003", "--json")
        assert code == 0  # the lookup is shown
        data = json.loads(out)
        assert [r["status"] for r in data["results"]][:3] == ["ok", "ok", "ok"]
        assert any("disk full" in w for w in data.get("warnings", [])), (data.get("warnings"), err)
        assert not list((disk / "data").glob("*.corrupt-*"))  # a healthy file is kept
        filler.unlink()  # space is back: nothing was lost
        code, out, _ = run(capsys, "history")
        assert code == 0 and out.count("138****800") == 2
        assert run(capsys, "check", "13800138004", "--json")[0] == 0
        assert run(capsys, "history")[1].count("138****800") == 3
