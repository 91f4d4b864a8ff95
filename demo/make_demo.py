"""Write the bundled demo library: small drum loops in any map's own note layout.

The patterns are written in articulations (``kick``, ``hihat_open_2``...), then placed on
the notes of the chosen map, the way a loop pack for that sampler would be. Deterministic.

    python demo/make_demo.py ni-abbey-road-80s demo/loops
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import mido

import mapkit

# 16 steps per bar; each row: articulation, steps, velocity
PATTERNS: dict[str, list[tuple[str, str, int]]] = {
    "rock": [("kick", "x.......x.x.....", 115), ("snare_center", "....x.......x...", 110),
             ("hihat_closed_tip", "x.x.x.x.x.x.x.x.", 85), ("snare_center", "..........g....g", 30)],
    "funk": [("kick", "x..x......x..x..", 112), ("snare_center", "....x..g.g..x..g", 108),
             ("hihat_closed_tip", "xxxxxxxxxxxxxx.x", 70), ("hihat_open_2", "..............x.", 90),
             ("snare_rimshot", "............x...", 120)],
    "halftime": [("kick", "x.........x.....", 118), ("snare_rimshot", "........x.......", 125),
                 ("ride_bow", "x.x.x.x.x.x.x.x.", 90), ("ride_bell", "x.......x.......", 100),
                 ("hihat_pedal", "....x.......x...", 60)],
    "disco": [("kick", "x...x...x...x...", 110), ("snare_center", "....x.......x...", 105),
              ("hihat_closed_tip", "x...x...x...x...", 70), ("hihat_open_3", "..x...x...x...x.", 95)],
    "shuffle": [("kick", "x.....x.x.......", 110), ("snare_sidestick", "....x.......x...", 100),
                ("hihat_closed_tip", "x..x..x..x..x..x", 80)],
    "open-kick": [("kick_open", "x.......x.......", 120), ("kick", "......x.......x.", 100),
                  ("snare_center", "....x.......x...", 110), ("hihat_closed_tip", "x.x.x.x.x.x.x.x.", 80)],
}
FILL = [("tom_rack_1", "x.x.", 110), ("tom_rack_2", "..x.x", 108), ("tom_floor_1", "....x.x.x", 112),
        ("snare_center", "xx..", 115)]


def note_for(m: mapkit.DrumMap, art: str) -> int:
    """The map's note for ``art``, or for the nearest articulation it has."""
    place = mapkit.nearest(art, m.articulations)
    assert place is not None, art
    return m.notes_for(place.articulation)[0].note


def write_loop(m: mapkit.DrumMap, path: Path, style: str, bars: int, bpm: int, rng: random.Random) -> None:
    tpb, step = 480, 120
    hits = []
    for bar in range(bars):
        rows = PATTERNS[style]
        for art, steps, vel in rows:
            for i, c in enumerate(steps):
                if c in "xg":
                    t = (bar * 16 + i) * step + (rng.randint(-6, 6) if bar * 16 + i else 0)
                    v = vel if c == "x" else 28
                    hits.append((t, note_for(m, art), max(1, min(127, v + rng.randint(-8, 8)))))
        if bar == bars - 1 and bars >= 4:  # a tom fill over the last beat
            for art, steps, vel in FILL:
                for i, c in enumerate(steps):
                    if c == "x":
                        hits.append((bar * 16 * step + (12 + i % 4) * step + (i // 4) * 30, note_for(m, art), vel))
    hits.append((0, note_for(m, "crash_1"), 120))
    ch = (m.drum_channel or 10) - 1
    events = []
    for t, n, v in hits:
        events.append((max(0, t), 1, mido.Message("note_on", channel=ch, note=n, velocity=v)))
        events.append((max(0, t) + step // 2, 0, mido.Message("note_off", channel=ch, note=n, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1], e[2].note))
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=f"{style} {bars} bars"),
                            mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)),
                            mido.MetaMessage("time_signature", numerator=4, denominator=4)])
    last = 0
    for t, _, msg in events:
        track.append(msg.copy(time=t - last))
        last = t
    track.append(mido.MetaMessage("end_of_track", time=step))
    path.parent.mkdir(parents=True, exist_ok=True)
    mido.MidiFile(type=0, ticks_per_beat=tpb, tracks=[track]).save(path)


def main(map_name: str, out: str) -> None:
    m = mapkit.load_map(map_name)
    rng = random.Random(2026)
    root = Path(out)
    for k, style in enumerate(PATTERNS):
        for j, bars in enumerate((2, 4, 8)):
            write_loop(m, root / "grooves" / f"{style}_{j + 1:02d}.mid", style, bars, 84 + 9 * k + 4 * j, rng)
    print(f"wrote {len(list(root.rglob('*.mid')))} loops in {m.name} to {root}")


if __name__ == "__main__":
    main(*(sys.argv[1:] or ["ni-abbey-road-80s", "demo/loops"]))
