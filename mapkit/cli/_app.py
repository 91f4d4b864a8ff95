"""The typer application every command module registers on, and the helpers they share."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

app = typer.Typer(
    name="mapkit",
    help="Move MIDI drum loops between samplers' note maps (GM, NI, Toontrack, DFH, Addictive Drums, Roland...), "
    "validate a library against a map, and detect which map a file is in.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: Results go to stdout (so ``--json`` output can be piped); messages and progress to stderr.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

#: Exit codes: 0 all good, 1 some file failed or has errors, 2 usage error (bad option, unknown map).
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr, then exit; never a traceback. ``message`` is plain text, not markup."""
    err.print(Text.assemble(("error: ", "bold red"), message), highlight=False)
    raise typer.Exit(code)


def progress(label: str, quiet: bool = False) -> Progress:
    """A progress bar on stderr for long runs; silent when output is for machines or not a terminal."""
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err,
                    transient=True, disable=quiet or not err.is_terminal)


def print_json(payload: object) -> None:
    """JSON on stdout, untouched by rich (no wrapping, no colour)."""
    import json

    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
