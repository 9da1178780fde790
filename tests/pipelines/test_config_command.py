"""`.env`, `.env.example` and `bookingest config`: every setting, where it came from, secrets masked."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config_command import masked_url
from pipelines.settings import Settings, field_of, variable

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_LINE = re.compile(r"^# ?([A-Z][A-Z0-9_]*)=(.*)$")
OTHER_PROGRAMS = ("PREFECT_", "XDG_")  # the variables of other programs that Settings reads


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No variable of the developer's environment, and a folder with no `.env` of theirs."""
    for name in list(os.environ):
        if name.startswith(("BOOKINGEST_", *OTHER_PROGRAMS)):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def config(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, err = run(capsys, "config", "--json")
    assert code == 0, err
    return {row["variable"]: row for row in json.loads(out)["settings"]}


def example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return {m[1]: m[2] for m in map(EXAMPLE_LINE.match, lines) if m}


def test_env_example_lists_every_variable_settings_reads_and_nothing_else() -> None:
    listed, read = set(example()), {variable(f) for f in Settings.model_fields}
    assert not read - listed, f"add these to .env.example (commented, with their defaults): {sorted(read - listed)}"
    assert not listed - read, f".env.example lists variables Settings does not read: {sorted(listed - read)}"


def test_env_example_shows_the_defaults(tmp_path: Path) -> None:
    # Every line uncommented: a `.env` that sets each variable to the value shown changes nothing.
    # (A value shown in <angle brackets> is worked out on each machine: it is not compared.)
    shown = {name: value for name, value in example().items() if value and not value.startswith("<")}
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in shown.items()))
    from_example, defaults = Settings.load(), Settings.model_construct()
    compared = [f for f in Settings.model_fields if variable(f) in shown or example().get(variable(f)) == ""]
    differ = [variable(f) for f in compared if getattr(from_example, f) != getattr(defaults, f)]
    assert not differ, f".env.example shows values that are not the defaults: {differ}"
    # Shown empty: no default (None), or the empty text.
    unset = {variable(f) for f in Settings.model_fields if getattr(defaults, f) in (None, "")}
    assert {name for name, value in example().items() if not value} == unset & set(example())


def test_config_says_where_each_value_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("BOOKINGEST_CHUNK_ROWS=7\nBOOKINGEST_FEW_BOOKINGS=8\n# BOOKINGEST_MAX_ROWS=9\n")
    monkeypatch.setenv("BOOKINGEST_FEW_BOOKINGS", "11")  # the environment wins over the file

    rows = config(capsys)

    assert rows["BOOKINGEST_CHUNK_ROWS"] == {"variable": "BOOKINGEST_CHUNK_ROWS", "value": 7, "source": ".env"}
    assert rows["BOOKINGEST_FEW_BOOKINGS"]["value"] == 11
    assert rows["BOOKINGEST_FEW_BOOKINGS"]["source"] == "environment"
    assert rows["BOOKINGEST_MAX_ROWS"]["source"] == "default"  # a comment sets nothing
    assert rows["BOOKINGEST_MAX_ROWS"]["value"] == Settings.model_construct().max_rows
    assert set(rows) == {variable(f) for f in Settings.model_fields}
    # What config says is what the commands use.
    assert Settings.load().tuning().chunk_rows == 7 and Settings.load().tuning().few_bookings == 11

    code, out, err = run(capsys, "config")
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("BOOKINGEST_CHUNK_ROWS "))
    assert line.split() == ["BOOKINGEST_CHUNK_ROWS", "7", ".env"]
    assert out.rstrip().endswith(f".env: {tmp_path / '.env'}")


SECRETS = ("s3cr3t-pw", "api-key-value", "pw-in-query")


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_config_masks_every_secret(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {
        "BOOKINGEST_DATABASE_URL": f"postgresql+psycopg://ops:{SECRETS[0]}@db.example:5432/bookings",
        "PREFECT_API_KEY": SECRETS[1],
        "PREFECT_API_URL": f"https://ops:{SECRETS[0]}@prefect.example/api?password={SECRETS[2]}",
    }
    if where == ".env":
        (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    else:
        for k, v in values.items():
            monkeypatch.setenv(k, v)

    rows = config(capsys)
    code, text, err = run(capsys, "config")

    assert code == 0, err
    for out in (json.dumps(rows), text):
        assert not [s for s in SECRETS if s in out], out
    assert rows["BOOKINGEST_DATABASE_URL"]["value"] == "postgresql+psycopg://ops:***@db.example:5432/bookings"
    assert rows["PREFECT_API_KEY"] == {"variable": "PREFECT_API_KEY", "value": "***", "source": where}
    assert rows["PREFECT_API_URL"]["value"] == "https://ops:***@prefect.example/api?password=***"
    # The settings themselves keep the real values.
    assert Settings.load().database_url == values["BOOKINGEST_DATABASE_URL"]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:///bookingest.db", "sqlite:///bookingest.db"),
        ("postgresql://u@h/db?password=x&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
        ("https://h/api?api_key=k&x=1", "https://h/api?api_key=***&x=1"),
        ("not a url ://a:b@c", "not a url ://a:***@c"),  # SQLAlchemy cannot read it: masked all the same
    ],
)
def test_masked_url(url: str, shown: str) -> None:
    assert masked_url(url) == shown


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("BOOKINGEST_CHUNK_ROWS=0\n", "BOOKINGEST_CHUNK_ROWS in {env}: Input should be greater than 0"),
        ("BOOKINGEST_PREFECT=maybe\n", "BOOKINGEST_PREFECT in {env}: Input should be 'auto', 'yes' or 'no'"),
        ("# settings\nBOOKINGEST_CHUNK_ROWS\n", "{env}, line 2: not NAME=value"),
        ('BOOKINGEST_LOG_DIR="unterminated\n', "{env}, line 1: not NAME=value"),
    ],
)
def test_a_bad_env_file_stops_every_command_in_one_sentence(
    content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = tmp_path / ".env"
    env.write_text(content)
    database = tmp_path / "bookingest.db"
    export = tmp_path / "export.csv"
    export.write_text("anything\n")

    for argv in (["config"], ["ingest", str(export), "--no-prefect"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert err.startswith("bookingest: ") and message.format(env=env) in err, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not database.exists()  # nothing was done with settings half read


def test_a_bad_value_in_the_environment_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("BOOKINGEST_CHUNK_ROWS=5\n")
    monkeypatch.setenv("BOOKINGEST_CHUNK_ROWS", "-1")  # overrides the good value of the file
    code, _out, err = run(capsys, "config")
    assert code == 2
    assert "BOOKINGEST_CHUNK_ROWS in the environment: Input should be greater than 0" in err, err


def test_an_env_file_that_is_not_utf8_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".env").write_bytes(b"BOOKINGEST_LOG_DIR=/var/log/caf\xe9\n")
    code, _out, err = run(capsys, "config")
    assert code == 2
    assert err.strip() == f"bookingest: {tmp_path / '.env'} is not UTF-8 text (byte 32); save it as UTF-8"


def test_config_names_the_variables_no_setting_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("BOOKINGEST_CHUNKROWS=7\nBOOKINGEST_CHUNK_ROWS=8\nOTHER_TOOL=1\n")
    monkeypatch.setenv("BOOKINGEST_DATABSE_URL", "sqlite:///typo.db")

    code, out, err = run(capsys, "config", "--json")

    assert code == 0, err
    assert json.loads(out)["unknown"] == [
        {"variable": "BOOKINGEST_CHUNKROWS", "source": ".env"},
        {"variable": "BOOKINGEST_DATABSE_URL", "source": "environment"},
    ]
    code, out, err = run(capsys, "config")
    assert code == 0, err
    assert f"not a bookingest setting, ignored: BOOKINGEST_CHUNKROWS (in {tmp_path / '.env'})" in out
    assert "not a bookingest setting, ignored: BOOKINGEST_DATABSE_URL (in the environment)" in out
    assert "OTHER_TOOL" not in out  # not ours to judge


@pytest.mark.parametrize(
    ("key", "field", "name"),
    [("PREFECT_API_URL", "prefect_api_url", "PREFECT_API_URL"), ("chunk_rows", "chunk_rows", "BOOKINGEST_CHUNK_ROWS")],
)
def test_an_error_location_maps_to_the_variable_a_person_sets(key: str, field: str, name: str) -> None:
    # pydantic names an aliased field by its alias, any other by the field.
    assert (field_of(key), variable(field_of(key))) == (field, name)
