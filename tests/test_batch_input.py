"""What `portcheck batch` makes of the files agents actually have: Excel's CSVs in French and
Chinese (semicolons, legacy encodings), lists without a header, tabs."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_faults import PORTCHECK, portcheck
from tests.tui_helpers import config_for
from tui.core.batch.source import column_letters, read_rows
from tui.core.errors import InvalidInput
from tui.sandbox.server import SandboxServer

LAYER = "unit"


def _rows(text: str, **options: str) -> list[tuple[int, str, dict[str, str]]]:
    lines = text.splitlines(keepends=True)
    return [(r.index, r.number, r.columns) for r in read_rows(lines, csv_input=True, **options)]


def test_a_french_excel_csv_is_read_by_its_semicolons() -> None:
    text = 'Nom;Numéro;Ville\r\nDupont;06 12 34 56 78;"Paris; 75011"\r\nMartin;0712345678;Lyon\r\n'
    rows = _rows(text, number_column="numéro")
    assert rows == [
        (1, "06 12 34 56 78", {"Nom": "Dupont", "Numéro": "06 12 34 56 78",
                               "Ville": "Paris; 75011"}),
        (2, "0712345678", {"Nom": "Martin", "Numéro": "0712345678", "Ville": "Lyon"}),
    ]  # fmt: skip


def test_commas_inside_quotes_do_not_hide_a_semicolon_csv() -> None:
    rows = _rows('"Li, Wei";number\n"Wang, Fang";13800138000\n')
    assert rows == [(1, "13800138000", {"Li, Wei": "Wang, Fang", "number": "13800138000"})]


def test_a_tab_separated_list_is_a_table_whatever_its_name() -> None:
    lines = ["name\tnumber\n", "Li\t13800138000\n"]
    rows = list(read_rows(lines))  # not named .csv: told by its first line
    assert [(r.number, r.columns) for r in rows] == [
        ("13800138000", {"name": "Li", "number": "13800138000"})
    ]


def test_a_csv_without_a_header_keeps_its_first_row() -> None:
    rows = _rows("Li,13800138000\nWang,138 0013 8056\n")
    assert rows == [
        (1, "13800138000", {"A": "Li", "B": "13800138000"}),
        (2, "138 0013 8056", {"A": "Wang", "B": "138 0013 8056"}),
    ]  # the number is the first column that holds one
    assert _rows("13800138000\n13900139000\n") == [
        (1, "13800138000", {"A": "13800138000"}),
        (2, "13900139000", {"A": "13900139000"}),
    ]
    spreadsheet = _rows("1.38001E+10,Li\n")  # lost digits are still a row, reported as such
    assert spreadsheet == [(1, "1.38001E+10", {"A": "1.38001E+10", "B": "Li"})]


def test_the_columns_of_a_csv_without_a_header_are_chosen_by_letter() -> None:
    text = "13800138000,Li,02P261040S7Y\n"
    assert _rows(text, number_column="a") == [
        (1, "13800138000", {"A": "13800138000", "B": "Li", "C": "02P261040S7Y"})
    ]
    (only,) = read_rows([text], csv_input=True, rio_column="C")
    assert only.rio == "02P261040S7Y" and only.shown_columns["C"] == "02••••••••••"
    with pytest.raises(InvalidInput) as caught:
        _rows(text, number_column="phone")
    assert "no header (its first row holds a number)" in caught.value.message
    assert "named by letter: A, B, C" in caught.value.message


def test_a_header_is_still_a_header() -> None:
    rows = _rows("Tel 1,name\n13800138000,Li\n")
    assert rows == [(1, "13800138000", {"Tel 1": "13800138000", "name": "Li"})]


def test_spreadsheet_columns_are_named_as_a_spreadsheet_names_them() -> None:
    assert [column_letters(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


GBK_CSV = "号码,姓名\n13800138000,张三\n".encode("gbk")


@pytest.mark.layer("command")
def test_a_chinese_excel_csv_is_read_with_its_encoding(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "客户.csv"
    source.write_bytes(GBK_CSV)
    refused = portcheck(tmp_path / "home", "batch", str(source), "--yes", config=config)
    assert refused.code == 2, refused.err
    assert "not UTF-8 text" in refused.err and "--encoding gbk" in refused.err
    assert "Traceback" not in refused.err and "internal error" not in refused.err
    assert sum(sandbox.state.hits.values()) == 0
    ran = portcheck(tmp_path / "home", "batch", str(source), "--encoding", "gbk", "--yes",
                    config=config)  # fmt: skip
    assert ran.code == 0, ran.err
    (row,) = [json.loads(line) for line in ran.out.splitlines()]
    assert row["input"] == {"号码": "13800138000", "姓名": "张三"}
    assert row["number"] == "+8613800138000"


@pytest.mark.layer("command")
def test_stdin_is_read_in_its_encoding_too(tmp_path: Path, sandbox: SandboxServer) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(PORTCHECK_HOME=str(tmp_path / "home"), PORTCHECK_CONFIG=str(config), NO_COLOR="1")

    def batch(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([PORTCHECK, "batch", "-", "--yes", *args], input=GBK_CSV,
                              capture_output=True, env=env, timeout=60, check=False)  # fmt: skip

    refused = batch()
    err = refused.stderr.decode()
    assert refused.returncode == 2, err
    assert "stdin: not UTF-8 text" in err and "internal error" not in err
    ran = batch("--encoding", "gbk")
    assert ran.returncode == 0, ran.stderr.decode()
    assert json.loads(ran.stdout)["input"]["姓名"] == "张三"
    unknown = batch("--encoding", "klingon")
    assert unknown.returncode == 2
    assert "'klingon' is not an encoding Python knows" in unknown.stderr.decode()


@pytest.mark.layer("command")
def test_a_line_the_csv_reader_cannot_read_is_named(tmp_path: Path, sandbox: SandboxServer) -> None:
    source = tmp_path / "notes.csv"
    source.write_text("number,notes\n13800138000,short\n13900139000," + "x" * 200_000 + "\n")
    ran = portcheck(tmp_path / "home", "batch", str(source), "--yes",
                    config=config_for(sandbox, tmp_path / "c.toml"))  # fmt: skip
    assert ran.code == 2, ran.err
    assert "line 3 is longer than 100,000 characters" in ran.err
    assert "internal error" not in ran.err
    assert sum(sandbox.state.hits.values()) == 0  # not even the rows before it


HOSTILE: dict[str, tuple[Callable[[], str | bytes], str]] = {
    "cells.csv": (
        lambda: "number,a\n13800138000," + ",".join(["x"] * 40_000) + "\n",
        "line 2 of the CSV has 40,001 cells, more than 1,000",
    ),
    "huge.txt": (
        lambda: "13800138000\n" + "1" * 50_000_000 + "\n",
        "line 2 is longer than 100,000 characters",
    ),
    "first.csv": (
        lambda: "number," + "n" * 140_000 + "\n13800138000,x\n",
        "line 1 is longer than 100,000 characters",
    ),
    "quote.csv": (
        lambda: 'number,name\n13800138000,"Li\n13800138001,Wang\n13800138002,Zhao\n',
        'line 2 of the CSV cannot be read (a quote (") opened on line 2 is never closed',
    ),
    "utf16.csv": (
        lambda: "number,name\n13800138000,Li\n".encode("utf-16-le"),
        "line 1 holds NUL characters",
    ),
}
"""Lists no spreadsheet writes, and the refusal each gets (its content made on demand)."""


@pytest.mark.layer("command")
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_lists_get_a_clear_refusal_in_bounded_time_and_memory(
    tmp_path: Path, sandbox: SandboxServer, name: str
) -> None:
    make, said = HOSTILE[name]
    source = tmp_path / name
    content = make()
    if isinstance(content, bytes):
        source.write_bytes(content)
    else:
        source.write_text(content, encoding="utf-8")
    del content
    ran = portcheck(tmp_path / "home", "batch", str(source), "--yes",
                    config=config_for(sandbox, tmp_path / "c.toml"), timeout=60)  # fmt: skip
    assert ran.code == 2, ran.err  # within the timeout: a 50 MB line took 109 minutes
    assert said in ran.err
    assert "internal error" not in ran.err and "Traceback" not in ran.err
    assert sum(sandbox.state.hits.values()) == 0


@pytest.mark.layer("command")
def test_a_workbook_given_for_a_csv_says_how_to_save_one(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    import zipfile

    book = tmp_path / "customers.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    ran = portcheck(tmp_path / "home", "batch", str(book), "--yes",
                    config=config_for(sandbox, tmp_path / "c.toml"))  # fmt: skip
    assert ran.code == 2, ran.err
    assert "customers.xlsx is a spreadsheet workbook, not a CSV" in ran.err
    assert "save it as CSV UTF-8" in ran.err and "--encoding" not in ran.err


@pytest.mark.layer("command")
def test_a_csv_answer_opens_in_the_spreadsheet_the_list_came_from(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = tmp_path / "clients.csv"
    source.write_text("Numéro;Nom\n13800138000;Léa\n", encoding="utf-8-sig")  # Excel in French
    target = tmp_path / "réponses.csv"
    ran = portcheck(tmp_path / "home", "batch", str(source), "-o", str(target), "--yes",
                    config=config_for(sandbox, tmp_path / "c.toml"))  # fmt: skip
    assert ran.code == 0, ran.err
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfNum\xc3\xa9ro;Nom;e164;verdict;")  # "CSV UTF-8", as Excel
    assert "13800138000;Léa;+8613800138000;" in data.decode("utf-8-sig")
    assert "中国移动" in data.decode("utf-8-sig")


def test_a_continued_csv_answer_has_one_byte_order_mark(tmp_path: Path) -> None:
    from tui.core.answers.row import BatchRow, RowAnswer
    from tui.core.batch.output import open_output

    target = tmp_path / "out.csv"
    answer = RowAnswer("+8613800138000")
    with open_output(target, [], separator=";") as emit:
        emit(BatchRow(1, {"number": "13800138000"}, answer))
    with open_output(target, [], append=True, separator=";") as emit:
        emit(BatchRow(2, {"number": "13800138000"}, answer))
    data = target.read_bytes()
    assert data.count(b"\xef\xbb\xbf") == 1 and data.startswith(b"\xef\xbb\xbfnumber;e164;")
    assert data.decode("utf-8-sig").count("13800138000;+8613800138000;") == 2


def test_a_header_of_numbers_is_a_header_when_its_column_is_asked_for() -> None:
    text = "Client,20241205,Phone\nLi,3,13800138000\n"  # a pivot export: a date names a column
    assert _rows(text, number_column="phone") == [
        (1, "13800138000", {"Client": "Li", "20241205": "3", "Phone": "13800138000"})
    ]
    # Asked for by letter, a first row of data stays data, even holding that letter.
    assert [r[:2] for r in _rows("b,13800138000\nc,13900139000\n", number_column="B")] == [
        (1, "13800138000"),
        (2, "13900139000"),
    ]


@pytest.mark.layer("command")
def test_excels_unicode_text_is_read_without_being_told(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = tmp_path / "客户.txt"  # Excel's "Unicode Text": UTF-16 with its mark, tabs
    source.write_text("号码\t姓名\r\n13800138000\t张三\r\n", encoding="utf-16")
    ran = portcheck(tmp_path / "home", "batch", str(source), "--yes",
                    config=config_for(sandbox, tmp_path / "c.toml"))  # fmt: skip
    assert ran.code == 0, ran.err
    (row,) = [json.loads(line) for line in ran.out.splitlines()]
    assert row["input"] == {"号码": "13800138000", "姓名": "张三"}
    assert row["number"] == "+8613800138000"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Nom;Numéro\nLéa;06 12 34 56 78\n", "06 12 34 56 78"),  # Excel in French
        ("姓名,手机号\n张三,13800138000\n", "13800138000"),  # Excel in Chinese
        ("Client;Téléphone;Ville\nLéa;0612345678;Paris\n", "0612345678"),
        ("Client;Contact\nLéa;+33 6 12 34 56 78\n", "+33 6 12 34 56 78"),  # no known name
        ("Client;Contact\nLéa;Paris\n", "Léa"),  # nothing holds a number: the first column
    ],
)
def test_the_number_column_is_found_without_being_named(text: str, number: str) -> None:
    assert [r[1] for r in _rows(text)] == [number]


def test_no_cell_is_lost_to_a_blank_or_repeated_header() -> None:
    # Excel exports an unnamed column with a blank header; a sheet may name two alike.
    rows = _rows("Name,,Name,number\nLi,VIP,Wei,13800138000\n")
    assert rows == [
        (1, "13800138000", {"Name": "Li", "B": "VIP", "Name (C)": "Wei", "number": "13800138000"})
    ]


def test_no_cell_is_lost_beyond_the_header() -> None:
    text = "name,number\nLi,13800138000,call after 6pm,\nWang,13900139000,,\n"
    assert _rows(text) == [
        (1, "13800138000", {"name": "Li", "number": "13800138000", "C": "call after 6pm"}),
        (2, "13900139000", {"name": "Wang", "number": "13900139000"}),  # blanks beyond: none
    ]


@pytest.mark.layer("command")
def test_a_csv_answer_keeps_every_cell_of_its_row(tmp_path: Path, sandbox: SandboxServer) -> None:
    source = tmp_path / "clients.csv"
    source.write_text("Nom;;Nom;Numéro\nLéa;VIP;Li;13800138000\nMax;;Wu;13900139000;rappeler\n")
    target = tmp_path / "réponses.csv"
    ran = portcheck(tmp_path / "home", "batch", str(source), "-o", str(target), "--yes",
                    config=config_for(sandbox, tmp_path / "c.toml"))  # fmt: skip
    assert ran.code == 0, ran.err
    header, first, second = [
        line.split(";") for line in target.read_text(encoding="utf-8-sig").splitlines()
    ]
    assert header[:5] == ["Nom", "B", "Nom (C)", "Numéro", "e164"]
    assert first[:5] == ["Léa", "VIP", "Li", "13800138000", "+8613800138000"]
    # A cell beyond the header comes after the answer, so the answer's columns stay aligned.
    assert second[:5] == ["Max", "", "Wu", "13900139000", "+8613900139000"]
    assert second[len(header) :] == ["rappeler"] and len(first) == len(header)


@pytest.mark.layer("command")
@pytest.mark.parametrize(
    ("text", "old_row"),
    [
        # Before 2026-12-05 the first row of a file without a header was its header…
        ("13800138000,Li\n13900139000,Wang\n13700137000,Zhang\n",
         {"13800138000": "13900139000", "Li": "Wang"}),
        # …and of two cells named alike, or blank, one was kept.
        ("Nom,Nom,number\nLi,Wei,13800138000\nWang,Fang,13900139000\n",
         {"Nom": "Wei", "number": "13800138000"}),
    ],
)  # fmt: skip
async def test_a_run_an_earlier_portcheck_read_otherwise_is_not_continued(
    tmp_path: Path, sandbox: SandboxServer, text: str, old_row: dict[str, str]
) -> None:
    """Continuing a run whose rows were numbered or named otherwise would write a row twice
    and lose one, or mix two layouts in one file: it is refused, with nothing sent."""
    from tui.core.batch.resume import run_key
    from tui.core.store.sqlite.aio import AsyncStore
    from tui.core.store.sqlite.store import Store

    source = tmp_path / "list.csv"
    source.write_text(text, encoding="utf-8")
    output = tmp_path / "answers.jsonl"
    before = json.dumps({"row": 1, "input": old_row, "number": "+8613900139000"}) + "\n"
    output.write_text(before, encoding="utf-8")
    store = AsyncStore(Store(tmp_path / "home" / "data"))  # PORTCHECK_HOME's history
    point = await store.checkpoint(run_key(source, output, "cn", None))  # as it was made
    await store.batch_written(point.run_id, 1)
    await store.close()

    ran = portcheck(tmp_path / "home", "batch", str(source), "-o", str(output), "--yes",
                    config=config_for(sandbox, tmp_path / "c.toml"))  # fmt: skip
    assert ran.code == 2, ran.err
    assert "holds a run stopped by an earlier Portcheck" in ran.err
    assert "cannot be continued. Give --restart to start over" in ran.err
    assert output.read_text(encoding="utf-8") == before
    assert sum(sandbox.state.hits.values()) == 0
    # Started over, every row is answered once, in its place.
    ran = portcheck(tmp_path / "home", "batch", str(source), "-o", str(output), "--yes",
                    "--restart", config=config_for(sandbox, tmp_path / "c.toml"))  # fmt: skip
    assert ran.code == 0, ran.err
    assert [json.loads(line)["row"] for line in output.read_text().splitlines()] == [1, 2, 3][
        : len(text.splitlines()) - (0 if text[0].isdigit() else 1)
    ]
    # The restart forgot that run: the finished answers are now what a new run would replace.
    ran = portcheck(tmp_path / "home", "batch", str(source), "-o", str(output), "--yes",
                    config=config_for(sandbox, tmp_path / "c.toml"))  # fmt: skip
    assert ran.code == 2 and "holds no stopped run of this command" in ran.err, ran.err


def test_a_continued_runs_counts_are_said_in_the_singular_too(tmp_path: Path) -> None:
    from tui.core.batch.resume import Resumed
    from tui.core.i18n import use
    from tui.core.store.model import Checkpoint

    point = Checkpoint(1, written=1, answered={2: 5}, asking={3})
    said = Resumed("key", point).message(tmp_path / "a.jsonl", "--restart starts over")
    assert said == (
        f"Continuing the stopped run: 1 row already in {tmp_path / 'a.jsonl'}, 1 answered and "
        "not yet written, 1 whose outcome is unknown (--restart starts over)."
    )
    try:
        use("fr")
        said = Resumed("key", point).message(tmp_path / "a.jsonl", "x")
    finally:
        use("en")
    assert "1 ligne déjà dans" in said and "1 répondue pas encore écrite" in said


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_an_output_is_cut_after_its_first_rows_whatever_its_cells_hold(
    tmp_path: Path, suffix: str
) -> None:
    from tui.core.batch.resume import keep_rows, rows_in

    output = tmp_path / f"out{suffix}"
    if suffix == ".csv":
        output.write_text('\ufeffrow,name\n1,"Li\nsecond line"\n2,王\n3,"a,b"\n', encoding="utf-8")
    else:
        output.write_text('{"row": 1}\n{"row": 2, "n": "王"}\n{"row": 3}\n', encoding="utf-8")
    keep_rows(output, 2)
    assert rows_in(output) == 2
    text = output.read_text(encoding="utf-8")
    assert text.endswith("2,王\n" if suffix == ".csv" else '"王"}\n')
    keep_rows(output, 0)
    assert rows_in(output) == 0
    assert output.read_text(encoding="utf-8") == ("\ufeffrow,name\n" if suffix == ".csv" else "")


@pytest.mark.layer("command")
def test_a_byte_order_mark_decides_over_encoding_and_utf8_given_as_gbk_is_refused(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    marked = tmp_path / "marked.csv"
    marked.write_bytes("\ufeffNom,numéro\nHélène,13800138000\n".encode())  # Excel's CSV UTF-8
    out = tmp_path / "out.csv"
    ran = portcheck(tmp_path / "home", "batch", str(marked), "-o", str(out), "--yes",
                    "--provider", "offline", "--encoding", "gbk", config=config)  # fmt: skip
    assert ran.code == 0, ran.err
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("Nom,numéro,") and "Hélène" in text and "锘" not in text
    plain = tmp_path / "plain.csv"
    plain.write_bytes("Nom,numéro\nHélène,13800138000\n".encode())
    refused = portcheck(tmp_path / "home", "batch", str(plain), "--yes", "--provider",
                        "offline", "--encoding", "gbk", config=config)  # fmt: skip
    assert refused.code == 2, refused.err
    assert "plain.csv is UTF-8 text, not gbk" in refused.err and "num茅ro" not in refused.out
    assert refused.out == ""
