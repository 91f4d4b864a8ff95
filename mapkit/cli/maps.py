"""``mapkit maps ...``: list, show, check and describe drum maps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..articulations import fallback_chain, vocabulary
from ..maps import MapError, check_map_file, list_maps, load_map, map_schema, user_map_dirs
from ._app import app, fail, out, print_json

maps_app = typer.Typer(
    help="See the built-in and your own drum maps, check a map file you wrote, print the map schema.",
    no_args_is_help=True,
)
app.add_typer(maps_app, name="maps")

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


@maps_app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """Every map mapkit knows: built-in ones and yours (from $MAPKIT_MAPS or ~/.config/mapkit/maps).

    Any NAME shown here works wherever a map is asked for (--from, --to, --against, --map).
    """
    try:
        maps = list_maps()
    except MapError as e:
        fail(str(e))
    if as_json:
        print_json([{"name": m.name, "title": m.title, "vendor": m.vendor, "products": m.products,
                     "confidence": m.confidence, "drum_channel": m.drum_channel, "notes": len(m.notes),
                     "octave_convention": m.octave_convention} for m in maps])
        return
    table = Table(title=f"{len(maps)} drum maps", title_justify="left")
    for col in ("name", "title", "channel", "notes", "confidence"):
        table.add_column(col, justify="right" if col == "notes" else "left")
    for m in maps:
        table.add_row(m.name, m.title, str(m.drum_channel or "any"), str(len(m.notes)), m.confidence)
    out.print(table)
    out.print(f"Your own maps: {', '.join(str(d) for d in user_map_dirs())} (see `mapkit maps check --help`)",
              style="dim")


@maps_app.command()
def show(
    name: Annotated[str, typer.Argument(help="A map name (`mapkit maps list`) or a path to a .json map.")],
    as_json: JsonOpt = False,
) -> None:
    """Every note of one map: number, name in the map's own octave convention, articulation, label.

    Example: mapkit maps show ni-studio-drummer
    """
    try:
        m = load_map(name)
    except MapError as e:
        fail(str(e))
    if as_json:
        print_json(m.model_dump(mode="json", exclude_none=True))
        return
    table = Table(title=f"{m.name}: {m.title} ({m.confidence} confidence; drums on channel "
                        f"{m.drum_channel or 'any'}; names with {m.octave_convention})", title_justify="left")
    for col in ("note", "name", "articulation", "label", "source"):
        table.add_column(col, justify="right" if col == "note" else "left")
    for n in sorted(m.notes, key=lambda n: (n.note, n.velocity or (0, 0))):
        art = n.articulation + (f" [vel {n.velocity[0]}-{n.velocity[1]}]" if n.velocity else "")
        art += " *" if n.preferred else ""
        table.add_row(str(n.note), m.note_name(n.note), art, n.label, n.source or "")
    out.print(table)
    if m.hihat_controller:
        hh = m.hihat_controller
        levels = ", ".join(f"<= {lv.up_to}: {lv.articulation}" for lv in hh.levels)
        out.print(f"Hi-hat pedal: CC {hh.controller} decides {hh.articulation} ({levels})")
    for s in m.sources:
        out.print(f"[dim]{s.id}: {s.title}{' <' + s.url + '>' if s.url else ''}[/]", highlight=False)
    for d in m.decisions:
        out.print(f"[dim]decision: {d}[/]", highlight=False)
    out.print("[dim]* preferred note when several could receive a converted note[/]")


@maps_app.command()
def check(files: Annotated[list[Path], typer.Argument(help="Map files to check.")]) -> None:
    """Check map files you wrote against the schema; every problem gets its own line.

    Copy a built-in map to start from (`mapkit maps show gm --json > my-kit.json`), edit it,
    check it, then use it by path (--to my-kit.json) or put it in ~/.config/mapkit/maps
    (or a folder named in $MAPKIT_MAPS) to use it by name.
    """
    bad = 0
    for f in files:
        try:
            m = check_map_file(f)
        except MapError as e:
            bad += 1
            head, _, rest = str(e).partition(": ")
            out.print(f"[red]✗[/] {head}")
            for problem in rest.split("; "):
                out.print(f"    {problem}", highlight=False)
            continue
        out.print(f"[green]✓[/] {f}: map {m.name!r}, {len(m.notes)} notes")
    raise typer.Exit(1 if bad else 0)


@maps_app.command()
def schema() -> None:
    """Print the JSON Schema of a map file (point your editor at it for completion and checks)."""
    print_json(map_schema())


@maps_app.command()
def articulations(as_json: JsonOpt = False) -> None:
    """The articulation vocabulary every map is written in, with each one's fallback chain."""
    vocab = vocabulary()
    if as_json:
        print_json([{"name": a.name, "family": a.family, "description": a.description, "fallback": a.fallback,
                     "chain": list(fallback_chain(a.name))} for a in vocab.values()])
        return
    table = Table(title=f"{len(vocab)} articulations", title_justify="left")
    for col in ("articulation", "family", "falls back to", "description"):
        table.add_column(col)
    for a in vocab.values():
        table.add_row(a.name, a.family, " → ".join(fallback_chain(a.name)[1:]), a.description)
    out.print(table)
