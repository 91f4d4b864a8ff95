"""``mapkit train ...``: prepare, train, generate, bundle. Imports TensorFlow only inside the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

app = typer.Typer(
    help="Train Magenta's drums RNN on your loop library and get new loops back in your own sampler's map. "
         "Needs the training add-on: pip install 'mapkit[train]' && pip install --no-deps magenta==2.1.4",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

_INSTALL = ("the training add-on is not installed: pip install 'mapkit[train]' && "
            "pip install --no-deps -r train/requirements-nodeps.txt (magenta==2.1.4)")


def _need(module: str):
    """Import a part of the add-on, or say in one line how to install it."""
    import importlib

    try:
        return importlib.import_module(f"mapkit_train.{module}")
    except ImportError as e:
        err.print(f"[bold red]error:[/] {_INSTALL} ({e.name or e})", highlight=False)
        raise typer.Exit(1) from None


def _fail(message: str, code: int = 2):
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=False)
    raise typer.Exit(code)


@app.command(no_args_is_help=True)
def prepare(
    library: Annotated[Path, typer.Argument(help="Folder (or file) of MIDI loops.", show_default=False)],
    source: Annotated[str, typer.Option("--from", "-f", help="Map the loops are in (`mapkit maps list`).")] = ...,
    run_dir: Annotated[Path, typer.Option("--out", "-o", help="Run directory to create.")] = ...,
    eval_ratio: Annotated[float, typer.Option(help="Share of files held out for evaluation (split by file).")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the train/eval split.")] = 0,
    min_bars: Annotated[int, typer.Option(help="Shortest drum track kept, in bars (Magenta's script: 7).")] = 1,
    tile_to: Annotated[int, typer.Option(help="Repeat shorter loops, whole bars, to this many bars (0: off).")] = 8,
) -> None:
    """Convert a library to GM on the fly and build Magenta's training and evaluation sets.

    Short loops are kept: each is repeated to --tile-to bars. Every file's examples (and, for files that
    gave none, the reason) go to RUN_DIR/examples.csv.

    Example: mapkit train prepare ../shared/corpora/groove-midi --from roland-td --out runs/groove
    """
    if not library.exists():
        _fail(f"{library}: no such file or folder")
    ds = _need("dataset")
    import mapkit

    try:
        mapkit.load_map(source)
    except mapkit.MapError as e:
        _fail(str(e))
    with Progress(TextColumn("preparing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err,
                  transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("prepare", total=None)
        report = ds.prepare(library, source, run_dir, eval_ratio=eval_ratio, seed=seed, min_bars=min_bars,
                            tile_to=tile_to, progress=lambda d, t: bar.update(task, completed=d, total=t))
    d = report.to_dict()
    out.print(f"{d['files']:,} files → {d['train_examples']:,} training and {d['eval_examples']:,} evaluation "
              f"examples from {d['files_with_examples']:,} files in {d['seconds']:.1f} s "
              f"({sum(f.tiled for f in report.files):,} short tracks tiled to {tile_to} bars)")
    for reason, n in d["reasons"].items():
        out.print(f"  {n:,} files gave no example: {reason}", highlight=False)
    out.print(f"details: {run_dir}/examples.csv; next: mapkit train run {run_dir}")


@app.command(no_args_is_help=True)
def run(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `mapkit train prepare`.")],
    steps: Annotated[int, typer.Option(help="Train until this global step (resumes where the last run stopped).")]
    = 1000,
    config: Annotated[Optional[str], typer.Option(help="Magenta config (first run only; default drum_kit).")] = None,
    hparams: Annotated[Optional[str], typer.Option(help="Magenta hparams, e.g. 'batch_size=128,rnn_layer_sizes=[256,256,256]' "
                                                        "(first run only; stored in RUN_DIR/hparams.json).")] = None,
    checkpoint_every: Annotated[int, typer.Option(help="Steps between checkpoints.")] = 100,
    sample_every: Annotated[int, typer.Option(help="Write a 4-bar sample to RUN_DIR/samples every N steps (0: off).")] = 0,
) -> None:
    """Train Magenta's drums RNN in-process, with a progress bar (step, loss, accuracy, steps/s).

    Ctrl-C stops after the current step and keeps a checkpoint; run it again to resume.

    Example: mapkit train run runs/groove --steps 2000 --hparams 'batch_size=64,rnn_layer_sizes=[64,64]'
    """
    tr = _need("training")
    gen_mod = _need("generate") if sample_every else None
    samples = run_dir / "samples"

    def sample(step: int, _train_dir: Path) -> None:
        gen_mod.generate(run_dir, samples, bars=4, count=1, name=f"step-{step:06d}")

    try:
        with Progress(TextColumn("step {task.completed}/{task.total}"), BarColumn(),
                      TextColumn("loss {task.fields[loss]:.3f}  accuracy {task.fields[acc]:.3f}  "
                                 "{task.fields[rate]:.2f} steps/s"), TimeRemainingColumn(), console=err,
                      disable=not err.is_terminal) as bar:
            task = bar.add_task("train", total=steps, loss=0.0, acc=0.0, rate=0.0)
            last = tr.train(run_dir, config=config, hparams=hparams, steps=steps, checkpoint_every=checkpoint_every,
                            sample_every=sample_every,
                            on_step=lambda s: bar.update(task, completed=s.step, loss=s.loss, acc=s.accuracy,
                                                         rate=s.steps_per_second),
                            on_sample=sample if sample_every else None)
    except (tr.HparamsMismatch, FileNotFoundError) as e:
        _fail(str(e))
    if last is None:
        out.print(f"already at step {steps}: nothing to do (raise --steps to train on)")
        return
    out.print(f"step {last.step}: loss {last.loss:.3f}, accuracy {last.accuracy:.3f}; checkpoints in {run_dir}/train")


@app.command(no_args_is_help=True)
def generate(
    run_dir: Annotated[Path, typer.Argument(help="A trained run directory, or a .mag bundle.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the new loops.")] = ...,
    target: Annotated[str, typer.Option("--to", "-t", help="Map of the sampler you will play them in.")] = "gm",
    bars: Annotated[int, typer.Option(help="Length of each loop.")] = 4,
    count: Annotated[int, typer.Option(help="How many loops.")] = 8,
    temperature: Annotated[float, typer.Option(help="Higher: wilder; lower: safer.")] = 1.0,
    primer: Annotated[Optional[Path], typer.Option(help="A MIDI loop to start from (any map; detected).")] = None,
    bpm: Annotated[float, typer.Option(help="Tempo of the loops.")] = 120.0,
) -> None:
    """New loops from the latest checkpoint (or a .mag bundle), converted into your sampler's map.

    Example: mapkit train generate runs/groove --bars 4 --count 8 --to ni-abbey-road-80s --out my-loops/
    """
    g = _need("generate")
    import mapkit

    try:
        mapkit.load_map(target)
        paths = g.generate(run_dir, out_dir, bars=bars, count=count, temperature=temperature, primer=primer,
                           target_map=target, bpm=bpm)
    except (mapkit.MapError, FileNotFoundError) as e:
        _fail(str(e))
    t = Table(title=f"{len(paths)} loops in {target}", title_justify="left")
    t.add_column("file")
    t.add_column("hits", justify="right")
    for p in paths:
        t.add_row(str(p), str(len(mapkit.read_hits(p, target).hits)))
    out.print(t)


@app.command(no_args_is_help=True)
def bundle(
    run_dir: Annotated[Path, typer.Argument(help="A trained run directory.")],
    out_file: Annotated[Path, typer.Argument(help="The .mag file to write.")],
) -> None:
    """Write the run's latest checkpoint as a Magenta .mag bundle (one file to share or keep)."""
    g = _need("generate")
    try:
        p = g.bundle(run_dir, out_file)
    except FileNotFoundError as e:
        _fail(str(e))
    out.print(f"wrote {p}")
