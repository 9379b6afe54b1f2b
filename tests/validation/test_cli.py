"""``datahub validate``: formats, languages, exit codes, clear errors, same report as the API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from datahub.validation import DataDictionary, validate_file
from datahub.validation.cli import main

from .helpers import FIXTURES, cat_row, csv_bytes, hip_row

ROOT = Path(__file__).resolve().parents[2]
CAT = str(FIXTURES / "CAT_1.4.xlsx")


@pytest.fixture
def files(tmp_path: Path, cat: DataDictionary) -> dict[str, Path]:
    def write(name: str, rows) -> Path:
        path = tmp_path / name
        path.write_bytes(csv_bytes(cat.field_names, rows))
        return path

    return {
        "clean": write("11111111_0_CAT_1.4_1_20201214_PROD.csv", [cat_row(1), cat_row(2)]),
        "warning": write("w.csv", [cat_row(1, ControleDatum="2021-06-01"), cat_row(2)]),
        "errors": write("e.csv", [cat_row(i, ODS="X" if i == 1 else "OD") for i in range(1, 5)]),
        "rejected": write("r.csv", [cat_row(1, ODS="X")]),
    }


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_clean_file_exits_0_with_a_readable_summary(capsys, files) -> None:
    code, out, err = run(capsys, "--dictionary", CAT, str(files["clean"]))
    assert code == 0 and err == ""
    assert "Status:" in out and "Verwerkt" in out
    assert "2 totaal, 2 verwerkt, 0 niet verwerkt" in out
    assert "Geen bevindingen." in out


def test_warnings_only_exit_0(capsys, files) -> None:
    code, out, _ = run(capsys, "--dictionary", CAT, str(files["warning"]))
    assert code == 0
    assert "Verwerkt met waarschuwingen" in out and "020_TERMIJN" in out


def test_record_errors_exit_1_and_list_every_finding(capsys, files) -> None:
    code, out, _ = run(capsys, "--dictionary", CAT, str(files["errors"]))
    assert code == 1
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Record "))
    # the report fields of every finding, as in the portal's report and the CSV export
    assert lines[header].split() == [
        "Record",
        "Regel",
        "OperatieID",
        "Operatiedatum",
        "PatientCode",
        "ODS",
        "Niveau",
        "Code",
        "Veld",
        "Waarde",
        "Omschrijving",
    ]
    first = lines[header + 1].split()
    assert first[:2] == ["1", "2"] and first[5:10] == ["X", "Record", "fout", "001_RefTab", "ODS"]
    assert first[2] == "11000001"  # the record's OperatieID


def test_english_text_has_no_dutch_statuses_or_levels(capsys, files) -> None:
    _code, out, _ = run(capsys, "--dictionary", CAT, "--lang", "en", str(files["errors"]))
    assert "Status:          Processed with errors" in out
    assert "Record error" in out and "Verwerkt" not in out and " fout " not in out
    _code, out, _ = run(capsys, "--dictionary", CAT, "--lang", "en", str(files["rejected"]))
    assert "Status:          Rejected" in out and "Afgekeurd" not in out


def test_a_rejected_file_exits_1(capsys, files) -> None:
    code, out, _ = run(capsys, "--dictionary", CAT, "--format", "json", str(files["rejected"]))
    assert code == 1
    assert json.loads(out)["status"] == "Afgekeurd"


def test_the_json_output_is_the_reports_json(capsys, files, cat) -> None:
    _code, out, _ = run(
        capsys, "--dictionary", CAT, "--format", "json", "--period", "2020K4", str(files["errors"])
    )
    expected = validate_file(cat, files["errors"], period="2020K4").to_dict()
    assert json.loads(out) == expected


def test_the_csv_output_is_the_reports_csv(capsysbinary, files, cat) -> None:
    code = main(["--dictionary", CAT, "--format", "csv", str(files["errors"])])
    assert code == 1
    out = capsysbinary.readouterr().out
    assert out == validate_file(cat, files["errors"]).to_csv()
    assert ",Record fout,001_RefTab," in out.decode("utf-8-sig")  # the manual's words


def test_english_output(capsys, files) -> None:
    _code, out, _ = run(capsys, "--dictionary", CAT, "--lang", "en", str(files["errors"]))
    assert "Errors:" in out and "which is not in the reference list" in out


def test_the_period_enables_check_009(capsys, files) -> None:
    code, out, _ = run(capsys, "--dictionary", CAT, "--period", "2019", str(files["clean"]))
    assert code == 0 and "009" in out and "buiten de periode 2019" in out


def test_a_stored_json_dictionary_can_be_used(capsys, files, tmp_path, cat) -> None:
    stored = tmp_path / "cat.json"
    stored.write_text(json.dumps(cat.to_dict()))
    code, out, _ = run(
        capsys, "--dictionary", str(stored), "--format", "json", str(files["errors"])
    )
    assert code == 1 and json.loads(out) == validate_file(cat, files["errors"]).to_dict()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dictionary", "missing.xlsx", "x.csv"], "data dictionary niet gevonden"),
        (["--dictionary", CAT, "missing.csv"], "bestand niet gevonden"),
        (["--dictionary", CAT, "--period", "2020Q1", "x.csv"], "onbekende periode"),
        (["--dictionary", CAT, "--format", "pdf", "x.csv"], "invalid choice"),
        (["--dictionary", CAT], "required"),
        (["x.csv"], "--dictionary"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(capsys, args, message) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in err
    assert "Traceback" not in err


def test_an_unusable_dictionary_exits_2_naming_its_problems(capsys, tmp_path, files) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is no workbook")
    code, _, err = run(capsys, "--dictionary", str(bad), str(files["clean"]))
    assert code == 2 and "geen Excel-werkmap" in err


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d["general"].update(code=None),
        lambda d: d["general"].update(rejection_percentage="x"),
        lambda d: d["fields"][0].update(name=None),
        lambda d: d["rules"][0].update(expression=5),
    ],
    ids=["code null", "percentage text", "field name null", "expression number"],
)
def test_a_spoilt_stored_dictionary_exits_2_without_a_traceback(
    capsys, tmp_path, files, cat, spoil
) -> None:
    data = cat.to_dict()
    spoil(data)
    stored = tmp_path / "cat.json"
    stored.write_text(json.dumps(data))
    code, out, err = run(capsys, "--dictionary", str(stored), str(files["clean"]))
    assert code == 2 and out == ""
    assert "kan niet worden gebruikt" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dictionary", "missing.xlsx", "x.csv"], "data dictionary not found"),
        (["--dictionary", CAT, "missing.csv"], "file not found"),
        (["--dictionary", CAT, "."], ". is a directory, not a file"),
        (["--dictionary", CAT, "--period", "2020Q1", "x.csv"], "unknown period"),
    ],
)
def test_the_commands_own_messages_follow_lang(capsys, args, message) -> None:
    code, _, err = run(capsys, "--lang", "en", *args)
    assert code == 2 and message in err


def test_ctrl_c_stops_with_a_message_not_a_traceback(capsys, files, monkeypatch) -> None:
    from datahub.validation import cli

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "validate_file", interrupted)
    code, out, err = run(capsys, "--dictionary", CAT, str(files["clean"]))
    assert (code, out, err) == (130, "", "datahub validate: afgebroken\n")


def test_a_reader_that_goes_away_ends_the_output_quietly(tmp_path: Path, cat) -> None:
    rows = [cat_row(i, ODS="X") for i in range(1, 3000)]
    data = tmp_path / "many.csv"
    data.write_bytes(csv_bytes(cat.field_names, rows))
    command = [sys.executable, "-m", "datahub.cli", "validate", "--dictionary", CAT, str(data)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    assert process.wait(timeout=60) == 1
    assert b"Traceback" not in process.stderr.read()


def test_the_progress_bar_ends_its_line_when_checking_stops_early(capsys, monkeypatch) -> None:
    from datahub.validation import cli

    bar = cli._ProgressBar()
    bar(10, 100)
    bar.finish()  # T99 stopped the reading at 10 %: the summary must not land on the bar's line
    assert capsys.readouterr().err == "\r[##                       ]  10%\n"
    silent = cli._ProgressBar()
    silent.finish()
    assert capsys.readouterr().err == ""


def test_a_named_pipe_is_read(capsys, tmp_path, cat) -> None:
    """A named pipe (or a shell's ``<(...)``) was "bestand niet gevonden"."""
    import os
    import threading

    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    data = csv_bytes(cat.field_names, [cat_row(1), cat_row(2, ODS="X")])
    writer = threading.Thread(target=path.write_bytes, args=(data,))
    writer.start()
    code, out, _ = run(capsys, "--dictionary", CAT, str(path))
    if writer.is_alive():  # the pipe was never opened: free the writer (no hanging test)
        with path.open("rb") as pipe:
            pipe.read()
    writer.join()
    assert code == 1 and "2 totaal, 1 verwerkt, 1 niet verwerkt" in out


def test_help_exits_0(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "--dictionary" in out


def test_the_command_runs_as_a_process(tmp_path: Path, hip_path: Path, hip) -> None:
    data = tmp_path / "h.csv"
    data.write_bytes(csv_bytes(hip.field_names, [hip_row(1), hip_row(2, Zijde="Q")]))
    commands = [[sys.executable, "-m", "datahub.cli", "validate"]]
    installed = shutil.which("datahub", path=str(Path(sys.executable).parent))
    if installed:
        commands.append([installed, "validate"])
    for command in commands:
        result = subprocess.run(
            [*command, "--dictionary", str(hip_path), "--format", "json", str(data)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1, result.stderr
        report = json.loads(result.stdout)
        assert [f["code"] for f in report["findings"]] == ["001_RefTab", "H04"]
        assert report == validate_file(hip, data).to_dict()


CASES = {
    "001_RefTab": ("cat", [cat_row(1, ODS="XX")]),
    "002": ("cat", [cat_row(1, Geslacht="")]),
    "004": ("cat", [cat_row(1, Operatiedatum="2020-02-30")]),
    "005": ("cat", [cat_row(1), cat_row(1)]),
    "006": ("hip", [hip_row(1, PatientID="Q00001")]),
    "007": ("hip", [hip_row(1, Opmerking="x" * 21)]),
    "008": ("cat", [cat_row(1), cat_row(1, ODS="OS")]),
    "009": ("hip", [hip_row(1, Opnamedatum="2021-06-01", Ontslagdatum="2021-06-02")]),
    "015_X_Y_EQ": ("hip", [hip_row(1, Pijnscore="-1")]),
    "003_Y_EQ": ("cat", [cat_row(1, ControleDatum="2020-10-01")]),
    "H02": ("hip", [hip_row(1, Pijnscore="9")]),
    "H03": ("hip", [hip_row(1, Gewicht="260")]),
}


@pytest.mark.parametrize("code", list(CASES))
def test_every_content_check_through_the_command(code, capsys, tmp_path, request, hip_path):
    name, rows = CASES[code]
    dictionary = request.getfixturevalue(name)
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(dictionary.field_names, rows))
    workbook = CAT if name == "cat" else str(hip_path)
    exit_code, out, _ = run(
        capsys, "--dictionary", workbook, "--format", "json", "--period", "2021K1", str(path)
    )
    report = json.loads(out)
    assert code in [f["code"] for f in report["findings"]]
    level = next(f["level"] for f in report["findings"] if f["code"] == code)
    assert exit_code == (0 if level == "waarschuwing" and not report["errors"] else 1)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\xff\xfe,\n", "T01"),
        (b"A,B\n", "T02"),
        (None, "T03"),
        (None, "T04"),
        (None, "T07"),
        (b"<CAT><record><Foo/></record></CAT>", "T06"),
    ],
)
def test_every_technical_check_through_the_command(capsys, tmp_path, cat, content, code):
    header = ",".join(cat.field_names).encode() + b"\n"
    row = csv_bytes(cat.field_names, [cat_row(1)]).split(b"\n")[1] + b"\n"
    generated = {"T03": header + row + b"\n" + row, "T04": header + b"1,2\n", "T07": header}
    data = content if content is not None else generated[code]
    path = tmp_path / ("x.xml" if code == "T06" else "x.csv")
    path.write_bytes(data)
    exit_code, out, _ = run(capsys, "--dictionary", CAT, "--format", "json", str(path))
    report = json.loads(out)
    assert exit_code == 1 and report["status"] == "Afgekeurd"
    assert code in [f["code"] for f in report["findings"]]


def test_a_file_with_cr_line_endings_gets_one_clear_finding_through_the_command(
    capsys, tmp_path, cat
):
    path = tmp_path / "mac.csv"
    path.write_bytes(csv_bytes(cat.field_names, [cat_row(1), cat_row(2)], newline="\r"))
    code, out, _ = run(capsys, "--dictionary", CAT, "--lang", "en", str(path))
    assert code == 1 and "Rejected" in out
    assert out.count(" T04 ") == 1 and "Line 1 ends with a lone CR" in out and " T02 " not in out


def test_control_characters_in_values_cannot_steer_the_terminal(capsys, tmp_path, cat) -> None:
    """A value holding an escape sequence set the terminal's title and colours, a CR sent
    the cursor back over the row: they are shown as escapes."""
    path = tmp_path / "esc.csv"
    hostile = "\x1b]0;pwned\x07\x1b[31mX"
    path.write_bytes(csv_bytes(cat.field_names, [cat_row(1, ODS=hostile, PatientCode="P\r1")]))
    code, out, _ = run(capsys, "--dictionary", CAT, str(path))
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "Kolom" not in out and "ODS bevat waarde \\x1b]0;pwned\\x07\\x1b[31mX, deze" in out
    assert "P\\r1" in out


def test_a_semicolon_file_gets_one_clear_finding_through_the_command(capsys, tmp_path, cat):
    path = tmp_path / "export.csv"
    text = csv_bytes(cat.field_names, [cat_row(1)]).decode().replace(",", ";")
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "--dictionary", CAT, "--lang", "en", str(path))
    assert code == 1 and "Rejected" in out and "1 total" in out  # (counted, not read)
    assert out.count(" T02 ") == 1 and "separated by ';' instead of commas" in out


@pytest.mark.parametrize(
    ("name", "formats", "shown"),
    [("export.txt", (), ".csv, .xml"), ("x.TXT", ("csv",), ".csv"), ("x.csv", ("xml",), ".xml")],
)
def test_a_file_type_the_portal_refuses_is_a_t05(capsys, tmp_path, cat, name, formats, shown):
    """The command said Verwerkt (exit 0) for a file the portal would not take: a ``.txt``,
    or a CSV file for a registry whose ``Bestandsformaten`` list only XML."""
    stored = tmp_path / "cat.json"
    stored.write_text(
        json.dumps(replace(cat, general=replace(cat.general, formats=formats)).to_dict())
    )
    path = tmp_path / name
    path.write_bytes(csv_bytes(cat.field_names, [cat_row(1)]))
    code, out, _ = run(capsys, "--dictionary", str(stored), "--format", "json", str(path))
    report = json.loads(out)
    assert code == 1 and report["status"] == "Afgekeurd"
    extension = name.rsplit(".", 1)[1].lower()
    assert [(f["code"], f["message"]) for f in report["findings"]] == [
        ("T05", f"Bestanden met de extensie .{extension} worden niet geaccepteerd (wel: {shown})")
    ]
    assert report["records"] == {"total": 1, "processed": 0, "not_processed": 1}


def test_a_file_without_an_extension_is_a_t05_that_says_so(capsys, tmp_path, cat) -> None:
    path = tmp_path / "export"
    path.write_bytes(csv_bytes(cat.field_names, [cat_row(1)]))
    code, out, _ = run(capsys, "--dictionary", CAT, "--format", "json", str(path))
    report = json.loads(out)
    assert code == 1
    assert [(f["code"], f["message"]) for f in report["findings"]] == [
        ("T05", "Een bestand zonder extensie wordt niet geaccepteerd (wel: .csv, .xml)")
    ]


def test_an_xml_file_of_another_registry_gets_t08_as_in_the_portal(capsys, tmp_path) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(
        b"<?xml version='1.0'?><MMYIKNL><record><PatientCode>1</PatientCode></record></MMYIKNL>"
    )
    code, out, _ = run(capsys, "--dictionary", CAT, "--format", "json", str(path))
    report = json.loads(out)
    assert code == 1 and report["status"] == "Afgekeurd"
    first = report["findings"][0]
    assert (first["code"], first["line"]) == ("T08", 1)
    assert first["message"] == (
        "Registratie in het bestand (MMYIKNL) komt niet overeen met de aanlevering (CAT)"
    )


def test_the_text_summary_shows_the_completeness_per_field(capsys, tmp_path, cat) -> None:
    rows = [cat_row(i, Opmerking="" if i > 1 else "oog", IOLType="") for i in range(1, 1001)]
    rows[2] = cat_row(3, Opmerking="", IOLType="")
    path = tmp_path / "c.csv"
    path.write_bytes(csv_bytes(cat.field_names, rows))
    _, out, _ = run(capsys, "--dictionary", CAT, str(path))
    lines = out.splitlines()
    start = lines.index("Volledigheid per veld:")
    table = lines[start + 1 : start + 2 + len(cat.fields)]
    assert table[0].split() == ["Veld", "Verplicht", "Records", "met", "een", "waarde", "Aandeel"]
    rows_by_field = {line.split()[0]: line.split()[1:] for line in table[1:]}
    assert list(rows_by_field) == list(cat.field_names)  # every field, in the dictionary's order
    assert rows_by_field["OperatieID"] == ["ja", "1000", "100,0", "%"]
    assert rows_by_field["Opmerking"] == ["nee", "1", "0,1", "%"]
    assert rows_by_field["IOLType"] == ["nee", "0", "0,0", "%"]

    _, english, _ = run(capsys, "--dictionary", CAT, "--lang", "en", str(path))
    assert "Completeness per field:" in english
    assert any(line.split()[:4] == ["Opmerking", "no", "1", "0.1"] for line in english.splitlines())


def test_a_share_is_rounded_down_so_only_a_complete_field_shows_100(capsys, tmp_path, cat):
    rows = [cat_row(i, ODS="" if i == 1 else "OD") for i in range(1, 2001)]
    path = tmp_path / "d.csv"
    path.write_bytes(csv_bytes(cat.field_names, rows))
    _, out, _ = run(capsys, "--dictionary", CAT, str(path))
    ods = next(line for line in out.splitlines() if line.startswith("ODS "))
    assert ods.split()[1:] == ["ja", "1999", "99,9", "%"]  # 99.95 %, not 100,0 %


def test_a_file_rejected_as_a_file_shows_no_completeness(capsys, tmp_path, cat) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"OperatieID;PatientCode\r\n1;2\r\n")
    _, out, _ = run(capsys, "--dictionary", CAT, str(path))
    assert "T02" in out and "Volledigheid" not in out
