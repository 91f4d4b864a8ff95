"""``mapkit detect``: which map a file, or a library, is in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..detect import detect as detect_maps
from ..maps import MapError
from ._app import app, fail, out, print_json, progress


@app.command(no_args_is_help=True)
def detect(
    path: Annotated[Path, typer.Argument(help="A MIDI file, or a folder (searched recursively).", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Rankings and evidence as JSON on stdout.")] = False,
    files: Annotated[bool, typer.Option("--files", help="For a folder, also show each file's best maps.")] = False,
) -> None:
    """Rank the known maps (built-in and yours) by how well each explains the drum notes: which notes
    are used, and how each map would make them sound in time (kicks on strong beats, snares on the
    backbeat, hats on eighths). Maps that hear a file identically are shown as a tie.

    A folder is also judged as one library, pooling the evidence of all its files.

    Examples:

      mapkit detect groove.mid

      mapkit detect loops/ --files
    """
    if not path.exists():
        fail(f"{path}: no such file or folder")
    with progress("listening", quiet=as_json) as bar:
        task = bar.add_task("detect", total=None)
        try:
            report = detect_maps(path, progress=lambda d, t: bar.update(task, completed=d, total=t))
        except MapError as e:
            fail(str(e))
    if as_json:
        print_json(report.to_dict())
        return
    single = len(report.files) == 1
    for f in report.files if (single or files) else []:
        out.print(f"[bold]{escape(f.path)}[/]", highlight=False)
        if f.error:
            out.print(f"  [red]{escape(f.error)}[/]", highlight=False)
            continue
        t = Table(show_header=True, box=None, padding=(0, 2))
        for col in ("map", "confidence", "notes known", "score"):
            t.add_column(col, justify="left" if col == "map" else "right")
        for c in f.ranking[:5]:
            name = c.map + (" (tie)" if c.map in f.tied else "")
            t.add_row(name, f"{c.confidence:.0%}", f"{c.coverage:.0%}", f"{c.score:.3f}")
        out.print(t)
        if f.tied:
            out.print(f"  hears this file exactly like {f.ranking[0].map}: {', '.join(f.tied)}")
        for line in f.evidence:
            out.print(f"  · {escape(line)}", highlight=False)
    if not single:
        summary = report.summary()
        mix = ", ".join(f"{n:,} {m}" for m, n in summary.most_common())
        out.print(f"{len(report.files):,} files: {mix}")
        pooled = report.pooled()
        if pooled:
            # Maps that read every file of the library alike score exactly alike: name them together.
            tied = [m for m, sc in pooled if abs(sc - pooled[0][1]) < 1e-9]
            rest = [m for m, _ in pooled[len(tied):len(tied) + 3]]
            verdict = " = ".join(tied) + (" (they hear this library identically)" if len(tied) > 1 else "")
            out.print(f"as one library: [bold]{verdict}[/] (then {', '.join(rest)})")
