"""``mapkit plot``: drum-grid pictures of loops, one per file or several side by side."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..maps import MapError, load_map
from ..smf import MidiFileError
from ._app import EXIT_OK, EXIT_PROBLEMS, app, err, fail, out, print_json

#: A picture with more panels than this is a wall, not a comparison.
MAX_PANELS = 32


@app.command(no_args_is_help=True)
def plot(
    paths: Annotated[list[Path], typer.Argument(help="MIDI files or folders (searched recursively).",
                                                show_default=False)],
    map_name: Annotated[str, typer.Option("--map", "-m", help="Map the files are in (name from `mapkit maps list` "
                                                              "or a .json path); rows are named in its words.")] = "gm",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="A .png file (one file, or "
                                                   "--side-by-side), or a folder that gets one PNG per file "
                                                   "(mirroring a folder's tree). Default: NAME.png here.",
                                                   show_default=False)] = None,
    bars: Annotated[Optional[str], typer.Option("--bars", "-b", help="Bars to draw, counted from 1 at the file's "
                                                "start: 1-8, or 5. Default: from the first hit, at most --max-bars.",
                                                show_default=False)] = None,
    max_bars: Annotated[int, typer.Option(help="Without --bars, draw at most this many bars.")] = 16,
    side_by_side: Annotated[bool, typer.Option("--side-by-side", "-s", help="All files in one picture, one panel "
                                               "each, with the same rows (e.g. a training run's samples).")] = False,
    columns: Annotated[int, typer.Option(help="Panels per row with --side-by-side (0: 1 up to 4 files, else 2).")]
    = 0,
    all_rows: Annotated[bool, typer.Option("--all-rows", help="A row for every articulation of the map, "
                                           "not only those played.")] = False,
    dpi: Annotated[int, typer.Option(help="Resolution of the PNG.")] = 110,
    as_json: Annotated[bool, typer.Option("--json", help="What was drawn (files, rows, sizes) as JSON on stdout.")]
    = False,
) -> None:
    """Draw drum loops as a drum grid: one row per articulation in the map's words (kick at the
    bottom, cymbals at the top), bar and beat lines, each hit shaded by velocity.

    Examples:

      mapkit plot groove.mid --map roland-td -o groove.png --bars 1-8

      mapkit plot loops/ --map gm -o pictures/

      mapkit plot step-1000.mid step-2000.mid step-3000.mid --map gm -o run.png --side-by-side
    """
    from ..convert import find_files
    from ..hits import read_hits
    from ..plot import PlotUnavailable, parse_bars, plot_grid

    for p in paths:
        if not p.exists():
            fail(f"{p}: no such file or folder")
    try:
        dm = load_map(map_name)
    except MapError as e:
        fail(str(e))
    try:
        window = parse_bars(bars) if bars else None
    except ValueError as e:
        fail(f"--bars: {e}")
    if max_bars < 1 or dpi < 20:
        fail("--max-bars must be at least 1 and --dpi at least 20")

    # (file, the folder it was found under or None): folders mirror their tree into the output folder.
    files: list[tuple[Path, Path | None]] = []
    for p in paths:
        files += [(f, p if p.is_dir() else None) for f in find_files(p)[0]]
    if not files:
        fail("no MIDI files found in " + ", ".join(map(str, paths)))
    single = len(files) == 1 or side_by_side
    if single and output is not None and output.suffix.lower() != ".png" and side_by_side:
        fail(f"-o {output}: --side-by-side draws one picture; give a .png file")
    if not single and output is not None and output.suffix.lower() == ".png":
        fail(f"-o {output}: {len(files)} files make {len(files)} pictures; give a folder, or --side-by-side")
    if not single and output is None:
        fail(f"{len(files)} files: give -o FOLDER for one picture each, or --side-by-side -o FILE.png")
    if side_by_side and len(files) > MAX_PANELS:
        fail(f"{len(files)} files is too many for one picture (at most {MAX_PANELS}); pick some, or drop "
             "--side-by-side for one picture per file")

    drawn: list[dict] = []
    failed: list[tuple[str, str]] = []
    kw = dict(bars=window, max_bars=max_bars, all_rows=all_rows, dpi=dpi)
    try:
        if single:
            target = output or Path(f"{files[0][0].stem if len(files) == 1 else 'side-by-side'}.png")
            if target.suffix.lower() != ".png":
                target = target / f"{files[0][0].stem}.png"
            # Read every file first, so one bad file leaves a gap in the report, not in the picture.
            parts, good = [], []
            for f, _ in files:
                try:
                    parts.append(read_hits(f, dm))
                    good.append(f)
                except MidiFileError as e:
                    failed.append((str(f), _reason(e)))
            if parts:
                g = plot_grid(parts, dm, target, titles=[f.name for f in good], columns=columns or None, **kw)
                drawn.append(_describe(g, good))
        else:
            assert output is not None
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
                task = bar.add_task("drawing", total=len(files))
                for f, root in files:
                    rel = f.relative_to(root) if root is not None else Path(f.name)
                    target = output / rel.with_suffix(".png")
                    try:
                        drawn.append(_describe(plot_grid(f, dm, target, **kw), [f]))
                    except MidiFileError as e:
                        failed.append((str(f), _reason(e)))
                    bar.advance(task)
    except PlotUnavailable as e:
        fail(str(e))

    if as_json:
        print_json({"pictures": drawn, "failed": [{"path": p, "reason": r} for p, r in failed]})
    else:
        for d in drawn:
            out.print(f"wrote {escape(d['png'])} ({d['size'][0]}×{d['size'][1]}, {len(d['rows'])} rows: "
                      f"{escape(', '.join(d['labels'][::-1]))})", highlight=False, soft_wrap=True)
    for p, r in failed:
        err.print(f"[red]failed[/] {escape(p)}: {escape(r)}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _reason(e: MidiFileError) -> str:
    return str(MidiFileError(e.what, offset=e.offset, track=e.track))


def _describe(g, files: list[Path]) -> dict:
    return {"png": g.path, "files": [os.fspath(f) for f in files], "size": list(g.size), "rows": g.rows,
            "labels": g.labels, "panels": [{"title": p.title, "bars": [p.first_bar, p.last_bar], "hits": p.hits}
                                           for p in g.panels]}
