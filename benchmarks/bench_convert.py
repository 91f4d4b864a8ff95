"""How fast is conversion, against the two things it should be compared with?

Generates a library of 4- and 8-bar drum loops (default 3,500 files) and times, in the same run:

  (a)  mapkit: ``convert_library`` (one process, then all cores), atomic writes included;
  (b)  plain mido: load -> change the drum notes' numbers -> save, one process;
  (c)  raw bytes: read each file and write it back unparsed (the disk's floor).

Machines here are shared and noisy, so only the ratios mean much: speedup over mido
(b/a) and how close mapkit comes to the disk (a/c, the slowdown over raw copying).

    python benchmarks/bench_convert.py                 # 3,500 files, ni-abbey-road-80s -> gm
    python benchmarks/bench_convert.py --files 500 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import mido

import mapkit
from mapkit.convert import convert_library, plan_conversion


def make_library(root: Path, n: int, source: mapkit.DrumMap, seed: int = 7) -> None:
    """Loops in ``source``'s mapping: kick/snare/hat patterns with ghost notes, fills and humanised timing."""
    rng = random.Random(seed)

    def note_for(*arts: str) -> int:
        for a in arts:
            notes = source.notes_for(a)
            if notes:
                return notes[0].note
        return source.notes[0].note

    kick, snare = note_for("kick"), note_for("snare_center")
    hat, hat_open = note_for("hihat_closed_tip", "hihat_closed"), note_for("hihat_open_2", "hihat_open")
    ride, crash = note_for("ride_bow", "ride_tip"), note_for("crash_1")
    toms = [note_for(a) for a in ("tom_rack_1", "tom_rack_2", "tom_floor_1")]
    channel = (source.drum_channel or 10) - 1
    tpb = 480
    for i in range(n):
        bars = rng.choice((4, 8))
        step = tpb // 4
        cymbal = ride if rng.random() < 0.2 else hat
        hits: list[tuple[int, int, int]] = []
        for s in range(bars * 16):
            t = s * step + rng.randint(-8, 8) if s else 0
            if s % 2 == 0 or rng.random() < 0.3:
                hits.append((t, cymbal if rng.random() > 0.05 else hat_open, rng.randint(60, 110)))
            if s % 16 in (0, 10) or rng.random() < 0.05:
                hits.append((t, kick, rng.randint(90, 127)))
            if s % 16 in (4, 12):
                hits.append((t, snare, rng.randint(95, 127)))
            elif rng.random() < 0.08:
                hits.append((t, snare, rng.randint(20, 45)))
            if s % 64 == 60:
                hits += [(t + k * step // 2, rng.choice(toms), 100) for k in range(6)]
        hits.append((0, crash, 120))
        events = []
        for t, note, vel in hits:
            t = max(0, t)
            events.append((t, 1, mido.Message("note_on", channel=channel, note=note, velocity=vel)))
            events.append((t + step // 2, 0, mido.Message("note_off", channel=channel, note=note, velocity=64)))
        events.sort(key=lambda e: (e[0], e[1]))
        track = mido.MidiTrack([mido.MetaMessage("track_name", name=f"loop {i}"),
                                mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(rng.randint(70, 160))),
                                mido.MetaMessage("time_signature", numerator=4, denominator=4)])
        last = 0
        for t, _, msg in events:
            track.append(msg.copy(time=t - last))
            last = t
        track.append(mido.MetaMessage("end_of_track", time=0))
        folder = root / f"pack{i % 12:02d}" / ("fills" if i % 5 == 0 else "grooves")
        folder.mkdir(parents=True, exist_ok=True)
        mido.MidiFile(type=0, ticks_per_beat=tpb, tracks=[track]).save(folder / f"loop_{i:05d}.mid")


def list_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.mid"))


def run_mapkit(src: Path, out: Path, source: str, target: str, jobs: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    report = convert_library(src, out, source, target, jobs=jobs)
    elapsed = time.perf_counter() - t
    assert not report.failed, report.failed[:3]
    return elapsed


def run_mido(files: list[Path], src: Path, out: Path, source: str, target: str) -> float:
    """The plain approach: mido round trip, renumbering with the same table mapkit uses."""
    shutil.rmtree(out, ignore_errors=True)
    plan = plan_conversion(source, target)
    table = [plan.route(n).target_note or n for n in range(128)]
    t = time.perf_counter()
    for p in files:
        mf = mido.MidiFile(p)
        for track in mf.tracks:
            for msg in track:
                if msg.type in ("note_on", "note_off"):
                    msg.note = table[msg.note]
        dst = out / p.relative_to(src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        mf.save(dst)
    return time.perf_counter() - t


def run_raw(files: list[Path], src: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    for p in files:
        dst = out / p.relative_to(src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(p.read_bytes())
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=3500)
    ap.add_argument("--source", default="ni-abbey-road-80s")
    ap.add_argument("--target", default="gm")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the median is reported")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for the parallel run")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args(argv)

    work = Path(args.workdir or tempfile.mkdtemp(prefix="mapkit-bench-"))
    src = work / "library"
    try:
        if not src.exists():
            print(f"generating {args.files} loops in {args.source} mapping under {src} ...", file=sys.stderr)
            make_library(src, args.files, mapkit.load_map(args.source))
        files = list_files(src)
        size = sum(p.stat().st_size for p in files)
        events = sum(len(t) for t in mido.MidiFile(files[0]).tracks)
        print(f"library: {len(files)} files, {size / 1e6:.1f} MB, e.g. {events} events in the first file")
        runs = {"a1": [], "aN": [], "b": [], "c": []}
        for _ in range(args.repeat):
            runs["c"].append(run_raw(files, src, work / "out-raw"))
            runs["a1"].append(run_mapkit(src, work / "out-mapkit", args.source, args.target, jobs=1))
            runs["aN"].append(run_mapkit(src, work / "out-mapkit-n", args.source, args.target, jobs=args.jobs))
            runs["b"].append(run_mido(files, src, work / "out-mido", args.source, args.target))
        med = {k: statistics.median(v) for k, v in runs.items()}
        n = len(files)
        rows = [
            ("(a) mapkit, 1 process", med["a1"]),
            (f"(a) mapkit, {args.jobs} processes", med["aN"]),
            ("(b) mido load/edit/save", med["b"]),
            ("(c) raw read/write bytes", med["c"]),
        ]
        print(f"\n{'':32} {'seconds':>9} {'files/s':>10}")
        for name, secs in rows:
            print(f"{name:32} {secs:9.3f} {n / secs:10.0f}")
        print(f"\nspeedup over mido, 1 process   (b / a): {med['b'] / med['a1']:.1f}x")
        print(f"speedup over mido, {args.jobs} processes (b / a): {med['b'] / med['aN']:.1f}x")
        print(f"cost over raw copying, 1 process (a / c): {med['a1'] / med['c']:.2f}x")
        print(f"parallel scaling, {args.jobs} processes vs 1: {med['a1'] / med['aN']:.2f}x on {os.cpu_count()} cores")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
