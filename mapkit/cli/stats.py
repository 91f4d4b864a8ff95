"""``mapkit stats``: groove measures of files and folders, and a generated set beside its corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..maps import MapError, load_map
from ..stats import DEFAULT_TOLERANCE, MEASURES, Comparison, SetStats, collect, compare
from ._app import EXIT_OK, EXIT_PROBLEMS, app, err, fail, out, print_json

#: Folders with at most this many files list every file unless --files says otherwise.
_LIST_UP_TO = 20


@app.command(no_args_is_help=True)
def stats(
    paths: Annotated[list[Path], typer.Argument(help="MIDI files or folders (searched recursively). Several "
                                                     "folders are measured as separate sets, side by side.",
                                                show_default=False)],
    map_name: Annotated[str, typer.Option("--map", "-m", help="Map the files are in (name from `mapkit maps list` "
                                                              "or a .json path).")] = "gm",
    against: Annotated[Optional[Path], typer.Option("--compare", "-c", help="A library (file or folder) to put "
                                                    "PATHS beside, measure by measure, with the overlap of their "
                                                    "distributions.", show_default=False)] = None,
    tolerance: Annotated[float, typer.Option(help="On-grid tolerance, in sixteenths (0.125 = ±1/8 of a 16th).")]
    = DEFAULT_TOLERANCE,
    bins: Annotated[int, typer.Option(help="Histogram bins for --compare's overlap.")] = 20,
    files: Annotated[Optional[bool], typer.Option("--files/--no-files", help="List every file's measures "
                                                  f"(default: when a set has at most {_LIST_UP_TO} files).",
                                                  show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Everything as JSON on stdout.")] = False,
) -> None:
    """Groove measures of drum loops: on-grid rate, downbeat kicks, backbeat snares, groove
    consistency, empty beats, notes per bar and the share of each articulation.

    Kick and snare are found by articulation family, so the numbers mean the same in any map.
    Definitions: `python -c "import mapkit.stats; help(mapkit.stats)"`.

    Examples:

      mapkit stats groove.mid --map roland-td

      mapkit stats loops/ --map gm --json

      mapkit stats ckpt-1000/ ckpt-2000/ ckpt-3000/ --map gm

      mapkit stats samples/ --compare groove-midi/ --map roland-td
    """
    for p in [*paths, *([against] if against else [])]:
        if not p.exists():
            fail(f"{p}: no such file or folder")
    if not 0 <= tolerance <= 0.5:
        fail(f"--tolerance is in sixteenths and must lie in [0, 0.5], not {tolerance}")
    if bins < 1:
        fail("--bins must be at least 1")
    try:
        dm = load_map(map_name)
    except MapError as e:
        fail(str(e))

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
        def measure(p: Path) -> SetStats:
            task = bar.add_task(f"measuring {p.name or p}", total=None)
            s = collect(p, dm, tolerance=tolerance, name=str(p),
                        progress=lambda done, total: bar.update(task, completed=done, total=total))
            bar.remove_task(task)
            return s

        sets = [measure(p) for p in paths]
        library = measure(against) if against else None

    failed = [f for s in [*sets, *([library] if library else [])] for f in s.failed]
    if library is not None:
        gen = sets[0] if len(sets) == 1 else _merge(sets)
        result = compare(gen, library, dm, bins=bins)
        if as_json:
            print_json(result.to_dict())
        else:
            _print_comparison(result)
    elif as_json:
        print_json(sets[0].to_dict() if len(sets) == 1 else {"sets": [s.to_dict() for s in sets]})
    else:
        for s in sets:
            if files or (files is None and len(s.files) <= _LIST_UP_TO):
                _print_files(s)
        _print_sets(sets)
    for path, reason in failed:
        err.print(f"[red]failed[/] {escape(path)}: {escape(reason)}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _merge(sets: list[SetStats]) -> SetStats:
    merged = SetStats(name=" + ".join(s.name for s in sets))
    for s in sets:
        merged.files.extend(s.files)
        merged.failed.extend(s.failed)
    return merged


def _fmt(v: float | None, measure: str = "") -> str:
    if v is None:
        return "–"
    return f"{v:.1f}" if measure == "notes_per_bar" else f"{v:.3f}"


def _label(measure: str) -> str:
    return measure.replace("_", " ")


#: Column headers of the per-file table, short enough for an 80-column terminal.
_SHORT = {"on_grid_rate": "on\ngrid", "downbeat_kick_rate": "down\nkick", "backbeat_snare_rate": "back\nsnare",
          "groove_consistency": "consis\ntency", "empty_beat_rate": "empty\nbeats", "notes_per_bar": "notes\n/bar"}


def _short(name: str) -> str:
    """A set's column header: its last two path parts (full paths are in --json)."""
    parts = Path(name).parts
    return str(Path(*parts[-2:])) if len(parts) > 2 else name


def _print_files(s: SetStats) -> None:
    t = Table(title=f"{escape(s.name)}: per file", title_justify="left")
    t.add_column("file", overflow="fold", min_width=24)
    for col in ("bars", "time", *(_SHORT[m] for m in MEASURES)):
        t.add_column(col, justify="right", no_wrap=True)
    root = Path(s.name)
    for f in s.files:
        name = f.path or "?"
        if root.is_dir() and f.path:
            name = str(Path(f.path).relative_to(root)) if Path(f.path).is_relative_to(root) else f.path
        t.add_row(escape(name), str(f.bars), f.time_signature, *(_fmt(f.measure(m), m) for m in MEASURES))
    out.print(t)


def _print_sets(sets: list[SetStats]) -> None:
    t = Table(title="Groove measures (mean over files; median in brackets)", title_justify="left")
    t.add_column("measure", no_wrap=True)
    for s in sets:
        t.add_column(escape(_short(s.name)), justify="right", overflow="fold")
    t.add_row("files", *(f"{len(s.files):,}" + (f" ({len(s.failed)} failed)" if s.failed else "") for s in sets))
    t.add_row("bars", *(f"{sum(f.bars for f in s.files):,}" for s in sets))
    summaries = [s.measures for s in sets]
    for m in MEASURES:
        t.add_row(_label(m), *(f"{_fmt(ms[m].mean, m)} ({_fmt(ms[m].median, m)})" for ms in summaries))
    out.print(t)
    shares = [s.articulation_share for s in sets]
    names = sorted({a for sh in shares for a in sh}, key=lambda a: -sum(sh.get(a, 0) for sh in shares))
    if names:
        a = Table(title="Share of onsets per articulation", title_justify="left")
        a.add_column("articulation", no_wrap=True)
        for s in sets:
            a.add_column(escape(_short(s.name)), justify="right", overflow="fold")
        for name in names:
            a.add_row(escape(name), *(f"{sh.get(name, 0):.1%}" for sh in shares))
        out.print(a)


def _print_comparison(c: Comparison) -> None:
    g, lib = c.generated, c.library
    t = Table(title=escape(f"{g.name} ({len(g.files):,} files) beside {lib.name} ({len(lib.files):,} files)"),
              title_justify="left", caption=f"overlap: shared area of the two per-file histograms ({c.bins} bins), "
                                            "1 = same distribution, 0 = disjoint", caption_justify="left")
    t.add_column("measure", no_wrap=True)
    for col, just in ( ("generated mean", "right"), ("± std", "right"),
                      ("library mean", "right"), ("± std", "right"), ("overlap", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for row in c.measures:
        m = row.measure
        t.add_row(_label(m), _fmt(row.generated.mean, m), _fmt(row.generated.std, m), _fmt(row.library.mean, m),
                  _fmt(row.library.std, m), _fmt(row.overlap))
    out.print(t)
    if c.articulations:
        a = Table(title="Share of onsets per articulation", title_justify="left",
                  caption=f"overlap of the two shares: {_fmt(c.articulation_overlap)}", caption_justify="left")
        for col in ("articulation", "generated", "library"):
            a.add_column(col, justify="left" if col == "articulation" else "right")
        for name, sg, sl in c.articulations:
            a.add_row(escape(name), f"{sg:.1%}", f"{sl:.1%}")
        out.print(a)
