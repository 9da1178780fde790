"""The CLI before hostile text and bad arguments: output safe for a terminal, settings refused in one
sentence (exit 2), the last-resort handler (one sentence, exit 1, the traceback in a log file)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines import crash
from pipelines.cli import main
from pipelines.shown import shown

if TYPE_CHECKING:
    from pipelines.conftest import Exports

ROOT = Path(__file__).resolve().parents[2]
BOOKING_COM = ROOT / "data" / "samples" / "booking_com_reservations_2025-12.xls"
ESCAPE = "\x1b[2JFlat"  # clears a terminal's screen, then says Flat
BIDI = "\u202eevil\u202c"  # a right-to-left override: what follows is shown reversed
TRACEBACK = "Traceback (most recent call last)"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("BOOKINGEST_LOG_DIR", str(tmp_path / "logs"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("text", "in_text", "in_cell"),
    [
        (ESCAPE, "\\x1b[2JFlat", "\\x1b[2JFlat"),
        ("a\nb\tc\rd", "a\nb\tc\\x0dd", "a\\x0ab\\x09c\\x0dd"),
        ("\x00\x07\x7f\x85\x9b", "\\x00\\x07\\x7f\\x85\\x9b", "\\x00\\x07\\x7f\\x85\\x9b"),
        (BIDI + "\u2066x\u2069", "\\u202eevil\\u202c\\u2066x\\u2069", "\\u202eevil\\u202c\\u2066x\\u2069"),
        (
            "Zoë 1\u202f023,64\u00a0€ 日本 \u200d",
            "Zoë 1\u202f023,64\u00a0€ 日本 \u200d",
            "Zoë 1\u202f023,64\u00a0€ 日本 \u200d",
        ),
    ],
    ids=["escape-sequence", "line-breaks", "c0-del-c1", "bidi", "printable-unicode-kept"],
)
def test_shown_escapes_what_drives_a_terminal_and_keeps_the_rest(text: str, in_text: str, in_cell: str) -> None:
    assert shown(text) == in_text
    assert shown(text, cell=True) == in_cell


def _inbox(exports: Exports) -> Path:
    """The Booking.com sample whose property a bookingest.toml names with an escape sequence,
    beside an Airbnb export of an alias of that house with two overlapping stays (a double
    booking), one guest's name carrying a bidi override."""
    inbox = exports.folder / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(BOOKING_COM, inbox / BOOKING_COM.name)
    (inbox / "bookingest.toml").write_text(
        '[[files]]\nmatch = "booking_com_*"\nsource = "booking_com"\nproperty = "\\u001b[2JFlat"\n\n'
        '[[aliases]]\nproperty = "\\u001b[2JFlat"\nsource = "airbnb"\nalias = "Flat by the sea"\n',
        encoding="utf-8",
    )
    rows = [  # a CSV with an escape character is no text export: its listing is an alias of the house
        exports.Row("HMAAAAAAA1", dt.date(2026, 3, 1), dt.date(2026, 3, 5), listing="Flat by the sea", guest=BIDI),
        exports.Row("HMAAAAAAA2", dt.date(2026, 3, 3), dt.date(2026, 3, 8), listing="Flat by the sea"),
    ]
    exports.airbnb("inbox/airbnb.csv", rows)
    return inbox


def _no_raw_controls(text: str) -> None:
    assert "\x1b" not in text and "\u202e" not in text, text


def test_stored_control_characters_are_escaped_in_text_and_exact_in_json(
    db_url: str, exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = _inbox(exports)

    code, out, err = run(capsys, "ingest", str(inbox), "--db", db_url, "--no-prefect")

    assert code == 0, out + err
    _no_raw_controls(out + err)
    assert "new property: \\x1b[2JFlat" in out
    assert "\\x1b[2JFlat: airbnb HMAAAAAAA1 (\\u202eevil\\u202c, 2026-03-01→2026-03-05) overlaps" in out

    code, out, err = run(capsys, "tasks", "--from", "2025-01-01", "--to", "2027-12-31", "--db", db_url)
    assert code == 0, err
    _no_raw_controls(out)
    assert "\\x1b[2JFlat" in out and "\\u202eevil\\u202c" in out
    code, out, _ = run(capsys, "tasks", "--from", "2025-01-01", "--to", "2027-12-31", "--db", db_url, "--json")
    tasks = json.loads(out)
    assert {t["property"] for t in tasks} == {ESCAPE}
    assert BIDI in {t["guest_leaving"] for t in tasks}

    code, out, err = run(capsys, "conflicts", "--db", db_url)
    assert code == 0, err
    _no_raw_controls(out)
    assert "\n\\x1b[2JFlat: airbnb HMAAAAAAA1 (\\u202eevil\\u202c, 2026-03-01→2026-03-05) overlaps" in "\n" + out
    code, out, _ = run(capsys, "conflicts", "--db", db_url, "--json")
    found = json.loads(out)
    assert {c["property"] for c in found} == {ESCAPE}
    assert any(BIDI in c["first"] + c["second"] for c in found)

    code, out, err = run(capsys, "properties", "--db", db_url)
    _no_raw_controls(out)
    assert "\\x1b[2JFlat" in out
    code, out, err = run(capsys, "history", "HMAAAAAAA1", "--db", db_url)
    assert code == 0, err
    code, out, err = run(capsys, "properties", "alias", ESCAPE, "--source", "airbnb", "x\x1bq", "--db", db_url)
    assert code == 0, err
    _no_raw_controls(out)
    assert "'x\\x1bq' is now an alias of '\\x1b[2JFlat'" in out


def test_the_summary_and_its_json_of_a_fresh_database(exports: Exports, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = _inbox(exports)
    db = f"sqlite:///{exports.folder / 'b.db'}"

    code, out, err = run(capsys, "ingest", str(inbox), "--db", db, "--no-prefect", "--json")

    assert code == 0, err
    files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    assert files[BOOKING_COM.name]["new_properties"] == [ESCAPE]
    assert any(BIDI in c for c in files["airbnb.csv"]["conflicts"])


MANIFESTS = {
    "nested-array": ("x = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    "nested-tables": ("x = " + "{a = " * 3000 + "1" + "}" * 3000, "nested too deeply"),
    "property-number": ('[[files]]\nmatch = "*"\nproperty = 3', "'property' must be a text, not 3"),
    "match-list": ("[[files]]\nmatch = []", "'match' must be a text, not []"),
    "as_of-number": ('[[files]]\nmatch = "*"\nas_of = 12', "'as_of' must be a date-time, not 12"),
    "as_of-time": ('[[files]]\nmatch = "*"\nas_of = 07:00:00', "'as_of' must be a date-time"),
    "source-empty": ('[[files]]\nmatch = "*"\nsource = " "', "'source' is empty"),
    "files-table": ('[files]\nmatch = "*"', "'files' must be a list"),
    "unknown-key": ('[[files]]\nmatch = "*"\nproprety = "x"', "unknown key(s) proprety"),
    "unknown-top-key": ('layout = "x.toml"', "unknown key(s) layout"),
    "not-utf8": ("match = '\xff'", "not valid TOML"),
}


@pytest.mark.parametrize("name", MANIFESTS)
def test_a_bookingest_toml_it_cannot_use_is_refused_in_one_sentence(
    name: str, exports: Exports, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = MANIFESTS[name]
    inbox = exports.folder / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(BOOKING_COM, inbox)
    (inbox / "bookingest.toml").write_bytes(text.encode("latin-1" if name == "not-utf8" else "utf-8"))

    code, out, err = run(capsys, "ingest", str(inbox), "--db", f"sqlite:///{exports.folder / 'b.db'}", "--no-prefect")

    assert code == 2
    assert out == "" and TRACEBACK not in err
    assert len(err.strip().splitlines()) == 1 and expected in err, err
    assert not (exports.folder / "b.db").exists()  # refused before anything was opened


def test_a_layouts_file_nested_too_deeply_is_refused(exports: Exports, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = exports.folder / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(BOOKING_COM, inbox)
    (inbox / "layouts.toml").write_text("x = " + "[" * 5000 + "]" * 5000)

    code, _, err = run(capsys, "layouts", "--inbox", str(inbox))

    assert code == 2 and "nested too deeply" in err and TRACEBACK not in err


@pytest.mark.parametrize("value", ["", " ", "yesterday", "2025-13-01"])
def test_an_as_of_it_cannot_read_is_refused(value: str, exports: Exports, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ingest", str(BOOKING_COM), "--as-of", value, "--db", "sqlite:///x.db")

    assert code == 2 and out == ""
    assert f"--as-of: {value!r} is not a date-time" in err


@pytest.mark.parametrize("task_id", ["99999999999999999999999", str(2**31), str(2**63), "0", "-1"])
def test_a_task_id_out_of_range_is_no_such_task(task_id: str, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.ingest import open_database

    open_database(db_url).dispose()

    code, _, err = run(capsys, "task", task_id, "--done", "--db", db_url)

    assert code == 2 and TRACEBACK not in err
    assert err.strip() == f"bookingest: no task with id {task_id}"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("BOOKINGEST_MAX_ROWS", "many"), ("BOOKINGEST_RETRY_FOR_SECONDS", "-1"), ("BOOKINGEST_PREFECT", "maybe")],
)
def test_a_wrong_variable_is_refused_in_one_sentence(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(variable, value)

    for argv in (["ingest", str(BOOKING_COM)], ["tasks", "--from", "2025-01-01", "--to", "2025-02-01"]):
        code, _, err = run(capsys, *argv, "--db", "sqlite:///x.db")
        assert code == 2 and variable in err and len(err.strip().splitlines()) == 1, err


def _logged(tmp_path: Path) -> str:
    return (tmp_path / "logs" / crash.LOG_NAME).read_text(encoding="utf-8")


def test_an_unexpected_error_is_one_sentence_and_a_traceback_in_the_log(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the printer broke\nsecond line")

    monkeypatch.setattr("pipelines.cli.print_summary", broken)  # after the file was loaded

    code, out, err = run(capsys, "ingest", str(BOOKING_COM), "--property", "Flat", "--db", db_url, "--no-prefect")

    assert code == 1 and out == ""
    log = tmp_path / "logs" / crash.LOG_NAME
    assert err == (
        f"bookingest: unexpected error: RuntimeError: the printer broke; the traceback is in {log}; please report it\n"
    )
    assert TRACEBACK in _logged(tmp_path) and "in broken" in _logged(tmp_path)
    code, out, _ = run(capsys, "ingest", str(BOOKING_COM), "--db", db_url, "--no-prefect", "--json")
    assert json.loads(out)["files"][0]["status"] == "duplicate"  # the crash came after the commit


def test_with_json_an_unexpected_error_still_prints_what_was_done(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(url: str) -> str:
        raise KeyError(url)

    monkeypatch.setattr("pipelines.cli._safe_url", broken)

    code, out, err = run(
        capsys, "ingest", str(BOOKING_COM), "--property", "Flat", "--db", db_url, "--no-prefect", "--json"
    )

    assert code == 1 and TRACEBACK not in err and "unexpected error: KeyError" in err
    summary = json.loads(out)
    assert summary["error"].startswith("unexpected error: KeyError")
    [done] = summary["files"]
    assert (Path(done["path"]), done["status"], done["inserted"]) == (BOOKING_COM, "loaded", 20)


def test_a_report_with_json_gives_json_on_an_unexpected_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.ingest import open_database

    url = f"sqlite:///{tmp_path / 'b.db'}"
    open_database(url).dispose()

    def broken(*_: object, **__: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("reports.bookings.conflicts", broken)

    code, out, err = run(capsys, "conflicts", "--db", url, "--json")

    assert code == 1 and json.loads(out) == {"error": err.strip().removeprefix("bookingest: ")}


def test_the_log_follows_xdg_state_home_and_is_rotated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BOOKINGEST_LOG_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(crash, "LOG_BYTES", 2000)

    def broken(*_: object) -> None:
        raise RuntimeError("x" * 1500)

    monkeypatch.setattr("pipelines.lifecycle_command.print_table", broken)
    from pipelines.ingest import open_database

    url = f"sqlite:///{tmp_path / 'b.db'}"
    open_database(url).dispose()
    for _ in range(10):
        code, _, err = run(capsys, "tasks", "--from", "2025-01-01", "--to", "2025-02-01", "--db", url)
        assert code == 1 and str(tmp_path / "state" / "bookingest" / crash.LOG_NAME) in err

    logs = sorted(p.name for p in (tmp_path / "state" / "bookingest").iterdir())
    assert logs == [crash.LOG_NAME, *(f"{crash.LOG_NAME}.{n}" for n in range(1, crash.LOG_BACKUPS + 1))]
    assert all(p.stat().st_size < 5000 for p in (tmp_path / "state" / "bookingest").iterdir())


def test_an_unwritable_log_folder_is_said_and_the_log_goes_to_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("BOOKINGEST_LOG_DIR", str(tmp_path / "file" / "logs"))  # below a file: mkdir fails
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("pipelines.lifecycle_command.print_table", broken)
    from pipelines.ingest import open_database

    url = f"sqlite:///{tmp_path / 'b.db'}"
    open_database(url).dispose()

    code, _, err = run(capsys, "tasks", "--from", "2025-01-01", "--to", "2025-02-01", "--db", url)

    fallback = tmp_path / "tmp" / f"bookingest-{os.getuid()}"
    assert code == 1 and f"the traceback is in {fallback / crash.LOG_NAME}" in err
    assert TRACEBACK in (fallback / crash.LOG_NAME).read_text()
    assert fallback.stat().st_mode & 0o777 == 0o700  # the temporary folder is everyone's


@pytest.mark.slow
def test_no_traceback_reaches_the_terminal_of_a_real_process(tmp_path: Path) -> None:
    """The same in a process of its own: what the person at the terminal sees is one line."""
    code = (
        "import sys, pipelines.cli as cli\n"
        "def broken(*a): raise MemoryError()\n"
        "cli.print_summary = broken\n"
        "sys.exit(cli.main())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKINGEST_")}
    env |= {"BOOKINGEST_LOG_DIR": str(tmp_path / "logs"), "BOOKINGEST_PREFECT": "no"}
    db = f"sqlite:///{tmp_path / 'b.db'}"
    argv = [sys.executable, "-c", code, "ingest", str(BOOKING_COM), "--property", "F", "--db", db]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)

    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"bookingest: unexpected error: MemoryError; the traceback is in {tmp_path / 'logs' / crash.LOG_NAME}; "
        "please report it"
    ]
    assert "MemoryError" in _logged(tmp_path)


class _Panic(BaseException):
    """As pyo3's PanicException, which a Rust reader raises: not an Exception."""


def test_a_panic_that_is_no_exception_is_caught_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object) -> None:
        raise _Panic("slice index starts at 16384 but ends at 15976")

    monkeypatch.setattr("pipelines.cli.print_summary", broken)

    code, _, err = run(
        capsys, "ingest", str(BOOKING_COM), "--property", "F", "--db", f"sqlite:///{tmp_path / 'b.db'}", "--no-prefect"
    )

    assert code == 1
    assert err.startswith("bookingest: unexpected error: _Panic: slice index starts at 16384 but ends at 15976;")


def test_an_error_quoting_bytes_that_are_not_utf8_is_still_one_sentence_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError(os.fsdecode(b"name \xff"))

    monkeypatch.setattr("pipelines.cli.print_summary", broken)

    code, _, err = run(
        capsys, "ingest", str(BOOKING_COM), "--property", "F", "--db", f"sqlite:///{tmp_path / 'b.db'}", "--no-prefect"
    )

    assert code == 1 and len(err.splitlines()) == 1 and "RuntimeError: name \\udcff;" in err
    assert "name \\udcff" in _logged(tmp_path)


def test_a_declared_layouts_text_is_escaped_in_bookingest_layouts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    declared = (ROOT / "data" / "example_layouts.toml").read_text(encoding="utf-8")
    title = 'title = "example PMS reservations export"'
    assert title in declared
    (inbox / "layouts.toml").write_text(
        declared.replace(title, 'title = "\\u001b]0;owned\\u0007PMS"'), encoding="utf-8"
    )

    code, out, err = run(capsys, "layouts", "--inbox", str(inbox))

    assert code == 0, err
    _no_raw_controls(out)
    assert "\x07" not in out and "example_pms: \\x1b]0;owned\\x07PMS [en] (declared in" in out
    code, out, _ = run(capsys, "layouts", "--inbox", str(inbox), "--json")
    assert "\x1b]0;owned\x07PMS" in [layout["title"] for layout in json.loads(out)]


def test_a_background_thread_that_dies_is_logged_not_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)  # restored after the test
    crash.install_thread_hook(["ingest"])

    def die() -> None:
        raise _Panic("index out of bounds")

    thread = threading.Thread(target=die)
    thread.start()
    thread.join()

    err = capsys.readouterr().err
    assert err.startswith("bookingest: unexpected error in a background thread: _Panic: index out of bounds;")
    assert TRACEBACK not in err and len(err.splitlines()) == 1
    assert "in die" in _logged(tmp_path)
