"""``mapkit validate``: what is wrong with each file of a library, against a map and for Magenta."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..maps import MapError
from ..validate import validate as validate_library
from ._app import app, fail, out, print_json, progress

_STYLE = {"ok": "green", "warning": "yellow", "error": "red"}


@app.command(no_args_is_help=True)
def validate(
    path: Annotated[Path, typer.Argument(help="A MIDI file, or a folder (searched recursively).", show_default=False)],
    against: Annotated[str, typer.Option("--against", "-a", help="Map to check against (name or .json path).")] = "gm",
    for_: Annotated[str, typer.Option("--for", help="Also check what a consumer will do with the files: "
                                                    "'magenta' (always on against gm).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Every file's problems as JSON on stdout.")] = False,
    show: Annotated[str, typer.Option(help="Which files to list: problems (warnings and errors), errors, all, none.")]
    = "problems",
) -> None:
    """Check drum loops against a map: does each file parse (and if not, what and where), are its drum notes
    ones the map knows, are they on the map's channel; with --for magenta, what Magenta's drums RNN will
    silently drop (drums off channel 10, under 7 bars, tempo or meter changes, silent bars, unknown pitches).

    Exit code: 0 every file passes (warnings allowed), 1 some file has an error, 2 usage error.

    Examples:

      mapkit validate loops-gm/

      mapkit validate loops/ --against ni-abbey-road-80s

      mapkit validate loops-gm/ --for magenta --json > report.json
    """
    if for_ not in ("", "magenta"):
        fail(f"--for takes 'magenta', not {for_!r}")
    if show not in ("problems", "errors", "all", "none"):
        fail(f"--show takes problems, errors, all or none, not {show!r}")
    if not path.exists():
        fail(f"{path}: no such file or folder")
    with progress("checking", quiet=as_json) as bar:
        task = bar.add_task("checking", total=None)
        try:
            report = validate_library(path, against, for_magenta=for_ == "magenta",
                                      progress=lambda d, t: bar.update(task, completed=d, total=t))
        except MapError as e:
            fail(str(e))
    if as_json:
        print_json(report.to_dict())
        raise typer.Exit(report.exit_code)

    listed = [f for f in report.files if show == "all" or (show == "problems" and f.status != "ok")
              or (show == "errors" and f.status == "error")]
    for f in listed:
        out.print(f"[{_STYLE[f.status]}]{f.status:7}[/] {escape(f.path)}", highlight=False)
        for p in f.problems:
            out.print(f"        [{_STYLE[p.severity]}]{p.code}[/]: {escape(p.message)}", highlight=False)
    summary = Table(title=f"{len(report.files):,} files against {report.against}"
                          f"{' (and Magenta)' if report.for_magenta else ''}", title_justify="left", show_header=False)
    for status in ("ok", "warning", "error"):
        summary.add_row(f"[{_STYLE[status]}]{status}[/]", f"{report.count(status):,}")
    if report.skipped_not_midi:
        summary.add_row("not MIDI (skipped)", f"{report.skipped_not_midi:,}")
    out.print(summary)
    common = report.common_problems()
    if common:
        t = Table(title="Most common problems", title_justify="left")
        t.add_column("problem")
        t.add_column("severity")
        t.add_column("files", justify="right")
        for code, sev, n in common[:12]:
            t.add_row(code, f"[{_STYLE[sev]}]{sev}[/]", f"{n:,}")
        out.print(t)
    raise typer.Exit(report.exit_code)
