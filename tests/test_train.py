"""The training add-on, end to end on a tiny corpus: prepare, train a few steps, generate, in the user's map."""

from __future__ import annotations

import csv
import importlib.util

import mido
import pytest
from typer.testing import CliRunner

import mapkit

from conftest import GROOVE, needs_shared

if not all(importlib.util.find_spec(m) for m in ("tensorflow", "magenta", "note_seq")):
    pytest.skip("the training add-on is not installed (make install-train)", allow_module_level=True)

from mapkit_train.cli import app  # noqa: E402
from mapkit_train.dataset import prepare  # noqa: E402
from mapkit_train.generate import generate  # noqa: E402
from mapkit_train.training import HparamsMismatch, train  # noqa: E402

TINY = "batch_size=4,rnn_layer_sizes=[16,16],attn_length=0"
runner = CliRunner()


def short_loops(folder, bars: int, n: int = 4):
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        tr = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000)])
        for step in range(bars * 16):
            notes = [42] + ([36] if step % 8 == 0 else []) + ([38] if step % 8 == 4 + k % 2 else [])
            for j, note in enumerate(notes):
                tr.append(mido.Message("note_on", channel=9, note=note, velocity=100, time=0 if j or not step else 60))
            for j, note in enumerate(notes):
                tr.append(mido.Message("note_off", channel=9, note=note, velocity=0, time=60 if j == 0 else 0))
        mido.MidiFile(ticks_per_beat=480, tracks=[tr]).save(folder / f"loop{k}.mid")


@pytest.mark.slow
@pytest.mark.parametrize("bars", [2, 4])
def test_short_loops_give_examples(tmp_path, bars):
    short_loops(tmp_path / "lib", bars)
    r = prepare(tmp_path / "lib", "gm", tmp_path / "run", eval_ratio=0.0)
    assert r.count("train") == 4 and not r.without_examples
    assert all(f.tiled == 1 for f in r.files)


@needs_shared
@pytest.mark.slow
def test_prepare_train_generate_on_real_grooves(tmp_path):
    files = sorted(GROOVE.rglob("*.mid"))[:8]
    lib = tmp_path / "lib"
    lib.mkdir()
    for p in files:
        (lib / p.name).write_bytes(p.read_bytes())
    run = tmp_path / "run"
    r1 = prepare(lib, "roland-td", run, eval_ratio=0.3, seed=1)
    assert all(f.examples for f in r1.files), [(f.path, f.reason) for f in r1.files]
    rows = list(csv.DictReader(open(run / "examples.csv")))
    assert {row["file"] for row in rows} == {p.name for p in files}
    assert all(row["split"] in ("train", "eval") for row in rows)  # by file: no file in both
    again = prepare(lib, "roland-td", tmp_path / "run2", eval_ratio=0.3, seed=1)
    assert [(f.path, f.split, f.examples) for f in again.files] == [(f.path, f.split, f.examples) for f in r1.files]

    steps = []
    last = train(run, hparams=TINY, steps=3, checkpoint_every=2, on_step=steps.append)
    assert last.step == 3 and [s.step for s in steps] == [1, 2, 3] and steps[-1].loss > 0
    assert list((run / "train").glob("*.index"))
    resumed = train(run, steps=4)
    assert resumed.step == 4  # resumes from the checkpoint, with the stored hparams
    with pytest.raises(HparamsMismatch):
        train(run, hparams="batch_size=8", steps=5)

    paths = generate(run, tmp_path / "out", bars=2, count=2, target_map="ni-abbey-road-80s", bpm=95)
    assert len(paths) == 2
    for p in paths:
        part = mapkit.read_hits(p, "ni-abbey-road-80s")
        assert part.hits and all(h.articulation is not None for h in part.hits)
        assert round(part.bpm) == 95
        mido.MidiFile(p)  # valid MIDI


@pytest.mark.slow
def test_cli_runs_the_three_steps(tmp_path):
    short_loops(tmp_path / "lib", 4)
    run = tmp_path / "run"
    r = runner.invoke(app, ["prepare", str(tmp_path / "lib"), "--from", "gm", "--out", str(run)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["run", str(run), "--steps", "2", "--hparams", TINY])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["generate", str(run), "--bars", "1", "--count", "1", "--to", "ezdrummer",
                            "--out", str(tmp_path / "gen")])
    assert r.exit_code == 0, r.output
    assert list((tmp_path / "gen").glob("*.mid"))
    r = runner.invoke(app, ["bundle", str(run), str(tmp_path / "m.mag")])
    assert r.exit_code == 0 and (tmp_path / "m.mag").stat().st_size > 0
    r = runner.invoke(app, ["generate", str(tmp_path / "m.mag"), "--bars", "1", "--count", "1",
                            "--out", str(tmp_path / "gen2")])
    assert r.exit_code == 0, r.output
