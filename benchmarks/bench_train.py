"""Training add-on, measured: dataset preparation against Magenta's own two scripts, and training speed.

    python benchmarks/bench_train.py              # Groove MIDI folder of ../shared/corpora
    python benchmarks/bench_train.py --quick      # fewer training steps

(1) Magenta's ``convert_dir_to_note_sequences`` then ``drums_rnn_create_dataset --config=drum_kit``
    versus ``mapkit train prepare --from roland-td``, each in its own process, in this run:
    wall time, peak memory, examples, files that gave examples.
(2) Training steps per second at batch 128 for a small model (rnn_layer_sizes=[64,64]) and for the
    default drum_kit model, after warm-up steps.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GROOVE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "groove-midi"
PY = sys.executable
SHIM = "import mapkit_train._magenta, importlib, sys; sys.argv[0] = {name!r}; importlib.import_module({mod!r}).console_entry_point()"


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB of the child, and its output."""
    t = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall, int(m.group(1)) / 1024 if m else float("nan"), proc.stdout + proc.stderr


def count_records(path: Path) -> int:
    code = ("import mapkit_train._magenta, tensorflow as tf, sys; "
            "print(sum(1 for _ in tf.compat.v1.io.tf_record_iterator(sys.argv[1])))")
    return int(subprocess.run([PY, "-c", code, str(path)], capture_output=True, text=True).stdout.strip() or 0)


def magenta_scripts(corpus: Path, work: Path) -> dict:
    ns = work / "notesequences.tfrecord"
    w1, m1, _ = timed([PY, "-c", SHIM.format(name="convert_dir_to_note_sequences",
                                             mod="magenta.scripts.convert_dir_to_note_sequences"),
                       f"--input_dir={corpus}", f"--output_file={ns}", "--recursive"])
    out = work / "magenta-seq"
    w2, m2, log = timed([PY, "-c", SHIM.format(name="drums_rnn_create_dataset",
                                               mod="magenta.models.drums_rnn.drums_rnn_create_dataset"),
                         "--config=drum_kit", f"--input={ns}", f"--output_dir={out}", "--eval_ratio=0.1"])
    examples = sum(count_records(p) for p in out.glob("*.tfrecord"))
    return {"wall": w1 + w2, "peak_mb": max(m1, m2), "examples": examples, "files_with_examples": None}


def mapkit_prepare(corpus: Path, work: Path) -> dict:
    run = work / "mapkit-run"
    wall, mb, _ = timed([str(Path(PY).with_name("mapkit")), "train", "prepare", str(corpus), "--from", "roland-td",
                         "--out", str(run)])
    rows = list(csv.DictReader(open(run / "examples.csv")))
    return {"wall": wall, "peak_mb": mb, "examples": sum(int(r["examples"]) for r in rows),
            "files_with_examples": sum(1 for r in rows if int(r["examples"]))}


def steps_per_second(run: Path, hparams: str, steps: int, warmup: int) -> float:
    code = f"""
import mapkit_train._magenta, time, sys
from mapkit_train.training import train
seen = []
train(sys.argv[1], hparams={hparams!r}, steps={steps}, checkpoint_every=10**9,
      on_step=lambda s: seen.append((s.step, time.perf_counter())))
(s0, t0), (s1, t1) = seen[{warmup} - 1], seen[-1]
print((s1 - s0) / (t1 - t0))
"""
    proc = subprocess.run([PY, "-c", code, str(run)], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=GROOVE)
    ap.add_argument("--quick", action="store_true", help="3 timed training steps instead of 8")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"corpus: {args.corpus} ({len(list(args.corpus.rglob('*.mid')))} MIDI files)")
        mg = magenta_scripts(args.corpus, work)
        mk = mapkit_prepare(args.corpus, work)
        print(f"\n{'dataset preparation':34} {'wall s':>8} {'peak MB':>8} {'examples':>9} {'files w/ ex.':>12}")
        print(f"{'Magenta scripts (convert+create)':34} {mg['wall']:8.1f} {mg['peak_mb']:8.0f} {mg['examples']:9d} "
              f"{'n/a':>12}")
        print(f"{'mapkit train prepare':34} {mk['wall']:8.1f} {mk['peak_mb']:8.0f} {mk['examples']:9d} "
              f"{mk['files_with_examples']:12d}")
        timed_steps = 3 if args.quick else 8
        print("\ntraining at batch 128 (8-bar tiles and real grooves, padded per batch):")
        for label, hp in (("rnn_layer_sizes=[64,64]", "batch_size=128,rnn_layer_sizes=[64,64]"),
                          ("drum_kit default [256,256,256]", "batch_size=128")):
            run = work / f"train-{len(hp)}"
            run.mkdir()
            for name in ("training_drum_tracks.tfrecord",):
                os.symlink(work / "mapkit-run" / name, run / name)
            rate = steps_per_second(run, hp, steps=2 + timed_steps, warmup=2)
            print(f"  {label:32} {rate:6.3f} steps/s ({1 / rate:5.2f} s/step)")


if __name__ == "__main__":
    main()
