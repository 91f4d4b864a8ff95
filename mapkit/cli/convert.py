"""``mapkit convert``: a file or a whole library from one map to another."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..convert import ConversionError, LibraryReport, convert_library
from ..maps import MapError, load_map
from ._app import EXIT_OK, EXIT_PROBLEMS, app, err, fail, out, print_json, progress


@app.command(no_args_is_help=True)
def convert(
    src: Annotated[Path, typer.Argument(help="A MIDI file, or a folder (searched recursively).", show_default=False)],
    dst: Annotated[Optional[Path], typer.Argument(help="Output file or folder; a folder mirrors SRC's tree. "
                                                       "Not needed with --dry-run.", show_default=False)] = None,
    source: Annotated[str, typer.Option("--from", "-f", help="Map the loops are in: a name from `mapkit maps list`, "
                                                             "a .json path, or 'auto' to detect it per file.")] = ...,
    target: Annotated[str, typer.Option("--to", "-t", help="Map to convert to (name or .json path).")] = "gm",
    unmapped: Annotated[str, typer.Option(help="Notes the source map does not know, or the target cannot play: "
                                               "keep them as they are, drop them, or fail the file (error).")] = "keep",
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Report what would change; write nothing.")] = False,
    force: Annotated[bool, typer.Option(help="Convert again even where the output is up to date.")] = False,
    in_place: Annotated[bool, typer.Option("--in-place", help="Allow DST to be SRC: overwrite each file, keeping "
                                                              "the original as NAME.bak.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Processes to use (default: all cores).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="The full report as JSON on stdout.")] = False,
    details: Annotated[bool, typer.Option("--details", help="Also list every file's unmapped notes and collisions.")] = False,
) -> None:
    """Convert drum loops from one sampler's note map to another's, losslessly.

    Only drum notes change (their numbers, and their channel when the target map wants
    another drum channel); tempo, controllers, sysex, other instruments and timing stay
    exactly as they were. Sources are never modified; outputs are written atomically; a
    bad file is reported and the rest goes on. Re-running skips up-to-date outputs.

    Examples:

      mapkit convert loops/ loops-gm/ --from ni-abbey-road-80s --to gm

      mapkit convert groove.mid groove-ezd.mid --from gm --to ezdrummer

      mapkit convert loops/ --from auto --to gm --dry-run
    """
    if unmapped not in ("keep", "drop", "error"):
        fail(f"--unmapped must be keep, drop or error, not {unmapped!r}")
    if dst is None and not dry_run:
        fail("give an output file or folder (DST), or --dry-run to only report")
    if not src.exists():
        fail(f"{src}: no such file or folder")
    try:
        tgt = load_map(target)
        src_map = None if source == "auto" else load_map(source)
    except MapError as e:
        fail(str(e))
    if src_map is None:
        from ..detect import best_map

        detected = best_map(src)
        if detected is None:
            fail(f"could not detect the map of {src}; give --from (see `mapkit detect {src}`)")
        err.print(f"detected map: {detected} (see `mapkit detect` for the evidence)")
        src_map = load_map(detected)
    try:
        with progress("converting", quiet=as_json) as bar:
            task = bar.add_task("converting", total=None)
            report = convert_library(
                src, dst, src_map, tgt, unmapped=unmapped, dry_run=dry_run,  # type: ignore[arg-type]
                force=force, in_place=in_place, jobs=jobs or None,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except (ConversionError, FileNotFoundError) as e:
        fail(str(e))
    except KeyboardInterrupt:
        err.print("interrupted: finished files are complete, no partial file was left behind")
        raise typer.Exit(130) from None
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report, dry_run, details)
    raise typer.Exit(EXIT_PROBLEMS if report.failed else EXIT_OK)


def _print_report(report: LibraryReport, dry_run: bool, details: bool) -> None:
    would = "would be " if dry_run else ""
    summary = Table(title=f"{report.source} → {report.target}{' (dry run: nothing written)' if dry_run else ''}",
                    title_justify="left", show_header=False)
    for label, n in (
        (f"{would}converted", report.count("converted")),
        ("unchanged (nothing to renumber)", report.count("unchanged")),
        ("up to date (skipped; --force to redo)", report.count("up_to_date")),
        ("failed", len(report.failed)),
        ("not MIDI (skipped)", report.skipped_not_midi),
    ):
        if n or label.startswith(("converted", "failed", would)):
            summary.add_row(label, f"{n:,}")
    out.print(summary)

    moved = report.moved()
    if moved:
        t = Table(title="Notes per articulation", title_justify="left")
        for col in (report.source, report.target, "notes", ""):
            t.add_column(col, justify="right" if col == "notes" else "left")
        fallbacks = report.fallbacks()
        for (a, b), n in sorted(moved.items(), key=lambda kv: -kv[1]):
            t.add_row(a, b, f"{n:,}", "fallback" if (a, b) in fallbacks else "")
        out.print(t)
    for (a, b), n in sorted(report.fallbacks().items(), key=lambda kv: -kv[1]):
        out.print(f"fallback: {report.source} {a} → {report.target} {b} ({n:,} notes)", highlight=False)

    problems = [(f, "unknown", p) for f in report.files for p in f.unknown] + \
               [(f, "unplaced", p) for f in report.files for p in f.unplaced]
    if problems:
        total = sum(p.count for _, _, p in problems)
        out.print(f"[yellow]{total:,} notes could not be mapped[/] in {len({f.path for f, _, _ in problems}):,} files "
                  "(--unmapped decides what happens to them):")
        by_note: dict[tuple[int, str], list] = {}
        for f, kind, p in problems:
            by_note.setdefault((p.note, kind if kind == "unknown" else f"unplaced {p.articulation}"), []).append((f, p))
        for (note, kind), rows in sorted(by_note.items(), key=lambda kv: -sum(p.count for _, p in kv[1])):
            why = f"not in {report.source}" if kind == "unknown" else \
                f"{kind.split()[1]}, which {report.target} cannot play"
            f, p = rows[0]
            out.print(f"  note {note} ({why}): {sum(p.count for _, p in rows):,} notes in {len(rows):,} files, "
                      f"first in {escape(f.path)} track {p.track} at tick {p.first_tick}", highlight=False)
        if details:
            for f, kind, p in problems:
                out.print(f"    {escape(f.path)}: note {p.note}, track {p.track}, first at tick {p.first_tick}, "
                          f"{p.count}×", highlight=False)
        else:
            out.print("  (--details lists every file, --json gives all of it)")
    collisions = sum(f.collisions for f in report.files)
    if collisions:
        out.print(f"[yellow]{collisions:,} collisions[/]: two source notes landed on one target note at once; "
                  "the louder was kept.")
        if details:
            for f in report.files:
                for track, tick, note in f.collision_at:
                    out.print(f"  {escape(f.path)}: track {track}, tick {tick}, note {note}", highlight=False)
    for f in report.failed:
        err.print(f"[red]failed[/] {escape(f.path)}: {escape(f.reason)}", highlight=False)
    if report.files and not dry_run:
        outs = [f.output for f in report.files if f.output]
        if outs:
            out.print(f"[dim]output: {escape(os.path.commonpath(outs) if len(outs) > 1 else outs[0])}[/]")
