"""The command line, as a user drives it: exit codes, one-line errors, reports, --json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mapkit.cli import _mount_plugins, app

from conftest import GROOVE, needs_shared
from midi_builders import loop

runner = CliRunner()
_mount_plugins()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_maps_list_shows_the_built_in_maps_with_confidence():
    result = run("maps", "list", "--json")
    assert result.exit_code == 0
    maps = {m["name"]: m for m in json.loads(result.stdout)}
    for name in ("gm", "ni-studio-drummer", "ni-abbey-road-80s", "ezdrummer", "ezdrummer1", "superior-drummer-3",
                 "dfh-superior", "dfh-original", "roland-td", "addictive-drums-2", "ssd5"):
        assert name in maps, name
        assert maps[name]["confidence"] in ("high", "medium", "low")
    table = run("maps", "list")
    assert "ni-abbey-road-80s" in table.stdout and "confidence" in table.stdout


def test_maps_show_names_notes_in_the_maps_own_octave_convention():
    result = run("maps", "show", "ni-studio-drummer")
    assert result.exit_code == 0
    row = next(line for line in result.stdout.splitlines() if line.strip().startswith("│") and " 60 " in line)
    assert "C3" in row and "kick" in row
    data = json.loads(run("maps", "show", "gm", "--json").stdout)
    assert data["name"] == "gm" and any(n["note"] == 36 for n in data["notes"])


def test_maps_check_reports_each_problem(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({
        "name": "bad", "title": "Bad", "confidence": "low", "drum_channel": 17,
        "sources": [{"id": "me", "title": "me"}],
        "notes": [{"note": 36, "articulation": "kick"}, {"note": 36, "articulation": "kick"},
                  {"note": 200, "articulation": "snare_center"}, {"note": 40, "articulation": "cowbell_xl"}],
    }))
    result = run("maps", "check", str(bad))
    assert result.exit_code == 1
    text = result.stdout
    assert "drum_channel" in text and "200" in text and "cowbell_xl" in text


def test_maps_schema_is_json_schema():
    schema = json.loads(run("maps", "schema").stdout)
    assert schema["title"] == "mapkit drum map" and "notes" in schema["properties"]


def test_convert_folder_reports_and_exits_1_on_a_bad_file(tmp_path):
    src = tmp_path / "loops"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.mid").write_bytes(loop(notes=(36, 38, 50)))
    (src / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x00\x00\x01")
    (src / "cover.jpg").write_bytes(b"\xff\xd8")
    result = run("convert", str(src), str(tmp_path / "out"), "--from", "gm", "--to", "ezdrummer")
    assert result.exit_code == 1
    assert (tmp_path / "out" / "sub" / "a.mid").is_file()
    assert "broken.mid" in result.stderr and "Traceback" not in result.stderr + result.stdout
    report = json.loads(run("convert", str(src), str(tmp_path / "out2"), "--from", "gm", "--to", "ezdrummer",
                            "--json").stdout)
    assert report["summary"]["converted"] == 1 and report["summary"]["failed"] == 1
    assert report["summary"]["skipped_not_midi"] == 1


def test_convert_usage_errors_exit_2_with_one_line(tmp_path):
    (tmp_path / "a.mid").write_bytes(loop())
    for args in (["--from", "no-such-map"], ["--from", "gm", "--unmapped", "maybe"]):
        result = runner.invoke(app, ["convert", str(tmp_path / "a.mid"), str(tmp_path / "o.mid"), *args])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
    inside = runner.invoke(app, ["convert", str(tmp_path), str(tmp_path / "out"), "--from", "gm"])
    assert inside.exit_code == 2 and "inside" in inside.output


def test_dry_run_lists_the_moves(tmp_path):
    (tmp_path / "a.mid").write_bytes(loop(notes=(36, 38, 46)))
    result = run("convert", str(tmp_path / "a.mid"), "--from", "gm", "--to", "ni-studio-drummer", "--dry-run")
    assert result.exit_code == 0
    assert "hihat_open" in result.stdout and "dry run" in result.stdout


@needs_shared
def test_groove_midi_folder_to_gm_as_a_new_user_would(tmp_path):
    """The issue's acceptance run, through the installed console script."""
    exe = Path(sys.executable).with_name("mapkit")
    cmd = [str(exe) if exe.exists() else "mapkit", "convert", str(GROOVE), str(tmp_path / "gm"),
           "--from", "roland-td", "--to", "gm", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["summary"]["failed"] == 0
    assert report["summary"]["converted"] + report["summary"]["unchanged"] == 1021
    assert report["summary"]["skipped_not_midi"] >= 2  # LICENSE, README, info.csv
    assert len(list((tmp_path / "gm").rglob("*.mid"))) == 1021
