"""mapkit's command line: a thin layer over the library, one module per command group."""

from __future__ import annotations

from importlib.metadata import entry_points

from . import convert, detect, maps, plot, stats, validate  # noqa: F401  (each registers its commands)
from ._app import app

__all__ = ["app", "main"]


def _mount_plugins() -> None:
    # Add-ons (the training add-on) register sub-commands through an entry point,
    # so the core never imports them and works without their heavy dependencies.
    for ep in entry_points(group="mapkit.commands"):
        try:
            sub = ep.load()
        except ImportError:
            continue
        app.add_typer(sub, name=ep.name)


def main() -> None:
    _mount_plugins()
    app()
