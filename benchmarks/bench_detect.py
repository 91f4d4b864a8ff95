"""Detection accuracy per map: real grooves rewritten into every built-in map, then detected.

    python benchmarks/bench_detect.py            # 30 Groove MIDI files per map
    python benchmarks/bench_detect.py --files 100

"top-1": the right map ranked first. "top group": the right map first or tied with the first
(maps that hear the file exactly alike, e.g. the NI Abbey Road family, cannot be told apart).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections import Counter
from pathlib import Path

import mapkit
from mapkit.convert import convert_bytes
from mapkit.detect import detect_file

GROOVE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "groove-midi"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--corpus", type=Path, default=GROOVE)
    args = ap.parse_args()
    files = sorted(args.corpus.rglob("*.mid"))
    random.Random(1).shuffle(files)
    sample = files[: args.files]
    maps = mapkit.list_maps()
    tmp = Path(tempfile.mkdtemp())
    print(f"{'map':24} {'top-1':>6} {'top group':>10}  most often confused with")
    all1 = allg = n = 0
    for m in maps:
        top1 = group = 0
        wrong: Counter[str] = Counter()
        for i, src in enumerate(sample):
            p = tmp / f"{i}.mid"
            p.write_bytes(convert_bytes(src.read_bytes(), "roland-td", m.name).data)
            d = detect_file(p, maps)
            top1 += d.best == m.name
            ok = d.best == m.name or m.name in d.tied
            group += ok
            if not ok:
                wrong[d.best or "unknown"] += 1
        all1, allg, n = all1 + top1, allg + group, n + len(sample)
        confused = ", ".join(f"{k} {v}" for k, v in wrong.most_common(2))
        print(f"{m.name:24} {top1 / len(sample):6.2f} {group / len(sample):10.2f}  {confused}")
    print(f"{'all':24} {all1 / n:6.2f} {allg / n:10.2f}   ({len(sample)} grooves x {len(maps)} maps)")
    whole = mapkit.detect(args.corpus)
    print(f"\n{args.corpus.name} as one library: {whole.pooled()[0][0]}; per file: "
          + ", ".join(f"{c} {m}" for m, c in whole.summary().most_common(4)))


if __name__ == "__main__":
    main()
