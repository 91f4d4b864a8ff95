"""Drum-grid pictures of MIDI loops, in a map's words.

``plot_grid("groove.mid", "roland-td", "groove.png", bars=(1, 8))`` draws a drum
grid: one row per articulation the file plays (labelled with the map's name for
it, not a note number), kick at the bottom, then snare, toms, percussion,
hi-hat, ride and the other cymbals at the top; bar lines, beat lines and a faint
sixteenth grid; every hit a box at its real (unquantised) time, coloured by kit
piece and shaded by velocity (pale = soft, full colour = loud). Several files
go into one picture, one panel each, with the same rows so they can be compared
(``plot_grid(["ckpt1.mid", "ckpt2.mid"], ...)``: a training run's samples).

matplotlib is optional (``pip install 'mapkit[plot]'``); it is imported only when a
picture is drawn, with the non-interactive Agg backend.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .articulations import vocabulary
from .hits import DrumPart, read_hits
from .maps import DrumMap, load_map
from .smf import Smf
from .stats import Bar, bar_layout

__all__ = ["PlotUnavailable", "GridPlot", "Panel", "plot_grid", "row_order", "row_label", "parse_bars", "FAMILY_COLOURS"]

#: Bottom to top: the kit as a drummer sees it, feet low, cymbals high; unmapped notes on top, where they show.
FAMILY_ORDER = ("kick", "snare", "tom", "percussion", "hihat", "ride", "crash", "splash", "china", "stack", "other")

#: One hue per kit piece (distinct in colour-blind simulations too: red/orange vs blue/teal/green differ in lightness).
FAMILY_COLOURS = {
    "kick": "#b2182b", "snare": "#e66101", "tom": "#7b3294", "percussion": "#a6761d", "hihat": "#2166ac",
    "ride": "#01857a", "crash": "#1b7837", "splash": "#5aae61", "china": "#4d4d4d", "stack": "#8c510a",
    "other": "#777777",
}

Source = str | os.PathLike[str] | bytes | Smf | DrumPart


class PlotUnavailable(ImportError):
    """matplotlib is missing; ``str()`` says how to install it, in one line."""


@dataclass(slots=True)
class Panel:
    """Where one file landed in the picture, in image pixels (origin top left), for checks and tests."""

    title: str
    first_bar: int  #: 1-based, as musicians count
    last_bar: int
    total_bars: int  #: bars in the whole file
    hits: int  #: hits drawn
    row_bands: dict[str, tuple[int, int]] = field(default_factory=dict)  #: row -> (top, bottom) pixel rows
    x_span: tuple[int, int] = (0, 0)  #: (left, right) pixel columns of the grid
    bar_x: list[tuple[int, int]] = field(default_factory=list)  #: (bar number, pixel column of its bar line)


@dataclass(slots=True)
class GridPlot:
    """What was drawn: the rows (articulations, bottom to top), their labels, and each panel's geometry."""

    path: str | None
    rows: list[str]
    labels: list[str]
    size: tuple[int, int]  #: (width, height) in pixels
    panels: list[Panel]


def parse_bars(text: str) -> tuple[int, int]:
    """``"1-8"`` -> (1, 8); ``"5"`` -> (5, 5). Bars count from 1, as musicians count."""
    try:
        a, _, b = text.strip().partition("-")
        first, last = int(a), int(b or a)
    except ValueError:
        raise ValueError(f"bars must look like 1-8 or 5, not {text!r}") from None
    if first < 1 or last < first:
        raise ValueError(f"bars {text!r}: the first bar is 1 and the range must not run backwards")
    return first, last


def _family(art: str) -> str:
    a = vocabulary().get(art)
    return a.family if a is not None and a.family in FAMILY_ORDER else "other"


# Within a family, order by what the name says about pitch or openness (the vocabulary's
# order is about fallbacks, not height): pedal hat below closed below open, floor toms below rack toms.
_HEIGHT_WORDS = (("pedal", 0), ("closed", 1), ("half", 2), ("open", 3), ("floor", 0), ("low_mid", 2), ("low", 1),
                 ("high_mid", 3), ("mid", 2.5), ("high", 4), ("rack", 4), ("sidestick", 0), ("center", 1),
                 ("rimshot", 2), ("bow", 0), ("edge", 1), ("bell", 2))


def _height(art: str) -> float:
    for word, h in _HEIGHT_WORDS:
        if word in art:
            return h
    return 5


def row_order(articulations: Iterable[str]) -> list[str]:
    """Articulations sorted bottom to top: by kit family, then by height within it, then vocabulary order."""
    vocab = vocabulary()

    def key(a: str) -> tuple:
        fam = _family(a)
        order = vocab[a].order if a in vocab else 10_000
        note = int(a[5:]) if a.startswith("note ") and a[5:].isdigit() else 0
        return FAMILY_ORDER.index(fam), _height(a) if fam != "other" else 0, order, note

    return sorted(set(articulations), key=key)


def row_label(art: str, dm: DrumMap) -> str:
    """The map's own name for an articulation when its notes agree on one, else the articulation in words."""
    labels = list(dict.fromkeys(n.label for n in dm.notes_for(art) if n.label))
    if len(labels) == 1:
        return labels[0]
    if len(labels) > 1:
        # "HH Closed Bow" + "HH Closed Edge" -> "HH Closed Bow/Edge"; "Tom 1" + "Tom 1 Rim" -> "Tom 1 /Rim".
        words = [lb.split() for lb in labels]
        k = 0
        while all(len(w) > k for w in words) and len({w[k] for w in words}) == 1:
            k += 1
        if k:
            rest = [" ".join(w[k:]) for w in words]
            head, tail = " ".join(words[0][:k]), "/".join(r for r in rest if r)
            text = f"{head} (+{tail})" if "" in rest else f"{head} {tail}"
            if len(text) <= 30:
                return text
    if art.startswith("note "):
        return f"{art} (not in map)"
    words = art.replace("hihat", "hi-hat").replace("_", " ")
    return words[:1].upper() + words[1:]


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, never a window; safe on headless machines
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable("matplotlib is not installed: pip install 'mapkit[plot]'") from None
    return plt


def _blend(hex_colour: str, amount: float) -> tuple[float, float, float]:
    """``hex_colour`` mixed with white: amount 1 is the colour, 0 is white."""
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return (1 - (1 - r) * amount, 1 - (1 - g) * amount, 1 - (1 - b) * amount)


def _shade(velocity: int) -> float:
    # Never fully white: a soft ghost note must still be visible on the grid.
    return 0.22 + 0.78 * max(0, min(127, velocity)) / 127


@dataclass(slots=True)
class _Prepared:
    title: str
    part: DrumPart
    bars: list[Bar]  #: the bars shown
    first_bar: int
    total_bars: int
    hits: list[tuple[int, str, int]]  #: (tick, row, velocity) inside the window


def _prepare(src: Source, dm: DrumMap, bars: tuple[int, int] | None, max_bars: int, title: str | None) -> _Prepared:
    if isinstance(src, DrumPart):
        part, name = src, title or "drum part"
    else:
        part = read_hits(src, dm)
        name = title or (Path(os.fspath(src)).name if isinstance(src, str | os.PathLike) else "MIDI data")
    last_tick = max((h.tick for h in part.hits), default=0)
    layout = bar_layout(part, last_tick)
    starts = [b.start for b in layout]

    def bar_of(tick: int) -> int:  # 0-based
        return max(0, bisect.bisect_right(starts, tick) - 1)

    total = bar_of(last_tick) + 1 if part.hits else 0
    if bars is not None:
        first, last = bars[0] - 1, bars[1] - 1
    else:
        # Default: from the first hit's bar, at most max_bars, so a long performance stays readable.
        first = bar_of(part.hits[0].tick) if part.hits else 0
        last = min(max(first, total - 1), first + max_bars - 1)
    if last >= len(layout):
        layout = bar_layout(part, starts[-1] + (last - len(layout) + 2) * layout[-1].length)
    shown = layout[first:last + 1]
    lo, hi = shown[0].start, shown[-1].start + shown[-1].length
    # A hit belongs to the bar of its nearest sixteenth (as in mapkit.stats): a downbeat played a little
    # early is drawn at the start of its bar, and the next bar's early downbeat is left out.
    step = part.ticks_per_beat / 4
    hits = [(h.tick, h.articulation or f"note {h.note}", h.velocity) for h in part.hits
            if lo <= round(h.tick / step) * step < hi]
    return _Prepared(name, part, shown, first + 1, total, hits)


def plot_grid(
    paths: Source | Sequence[Source],
    drum_map: str | DrumMap = "gm",
    out_png: str | os.PathLike[str] | None = None,
    *,
    bars: tuple[int, int] | str | None = None,
    max_bars: int = 16,
    titles: Sequence[str] | None = None,
    all_rows: bool = False,
    columns: int | None = None,
    dpi: int = 110,
    title: str | None = None,
) -> GridPlot:
    """Draw one file, or several side by side (one panel each, same rows), into ``out_png``.

    ``bars``: (first, last) or ``"1-8"``, counted from 1 at the file's start; default:
    from the first hit's bar, at most ``max_bars`` bars. ``all_rows``: a row for every
    articulation of the map, played or not (default: the articulations the files play).
    ``columns``: panels per row of the picture (default 1 up to 4 files, then 2).
    Returns the rows (bottom to top), their labels and where everything landed.
    Raises ``MidiFileError`` for an unreadable file, ``PlotUnavailable`` without matplotlib.
    """
    plt = _pyplot()
    from matplotlib.collections import PolyCollection

    dm = load_map(drum_map)
    sources = [paths] if isinstance(paths, str | os.PathLike | bytes | bytearray | Smf | DrumPart) else list(paths)
    if not sources:
        raise ValueError("nothing to plot: no files given")
    window = parse_bars(bars) if isinstance(bars, str) else bars
    preps = [_prepare(s, dm, window, max_bars, titles[i] if titles and i < len(titles) else None)
             for i, s in enumerate(sources)]

    present = {row for p in preps for _, row, _ in p.hits}
    rows = row_order(present | (set(dm.articulations) if all_rows else set()))
    if not rows:
        rows = row_order(dm.articulations[:1])  # an empty file still gets a grid to show it is empty
    labels = [row_label(r, dm) for r in rows]
    y_of = {r: i for i, r in enumerate(rows)}

    # Size: a bar gets 1-3 inches, so 8 bars fit a page and a 1-bar fill is not a thumbnail.
    n_bars = max(len(p.bars) for p in preps)
    quarters = max(sum(b.length for b in p.bars) / p.part.ticks_per_beat for p in preps)
    bar_w = max(1.0, min(3.0, 12 / n_bars))
    label_w = 0.35 + 0.075 * max(len(s) for s in labels)
    grid_w, row_h = bar_w * n_bars, 0.24
    panel_w = label_w + grid_w + 0.3
    top_pad, bottom_pad = 0.42, 0.34
    panel_h = top_pad + row_h * len(rows) + bottom_pad
    cols = columns or (1 if len(preps) <= 4 else 2)
    cols = max(1, min(cols, len(preps)))
    nrows = -(-len(preps) // cols)
    head = 0.5 if (title or len(preps) > 1) else 0.0
    legend_h = 0.3
    fig_w, fig_h = panel_w * cols, panel_h * nrows + head + legend_h
    fig = plt.figure(figsize=(fig_w, fig_h), dpi=dpi, facecolor="white")

    panels_axes = []
    for i, p in enumerate(preps):
        r, c = divmod(i, cols)
        left = (c * panel_w + label_w) / fig_w
        bottom = (fig_h - head - legend_h - (r + 1) * panel_h + bottom_pad) / fig_h
        # Every panel on one time scale: a shorter file ends early instead of being stretched.
        ax = fig.add_axes((left, bottom, grid_w / fig_w, row_h * len(rows) / fig_h))
        _draw_panel(ax, p, rows, labels, y_of, PolyCollection, dm, show_map=(i == 0 and len(preps) == 1),
                    x_max=quarters)
        panels_axes.append(ax)

    if title or len(preps) > 1:
        fig.text(0.5 / fig_w, 1 - 0.32 / fig_h, title or f"{len(preps)} files  ·  map {dm.name}", fontsize=13,
                 fontweight="bold", ha="left", va="baseline")
    _legend(fig, fig_w, fig_h, legend_h, head)

    fig.canvas.draw()
    width, height = fig.canvas.get_width_height()
    result = GridPlot(path=None if out_png is None else os.fspath(out_png), rows=rows, labels=labels,
                      size=(width, height), panels=[])
    for p, ax in zip(preps, panels_axes):
        result.panels.append(_geometry(p, ax, rows, height))
    if out_png is not None:
        Path(out_png).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out_png, dpi=dpi, facecolor="white")
    plt.close(fig)
    return result


def _draw_panel(ax, p: _Prepared, rows, labels, y_of, PolyCollection, dm: DrumMap, show_map: bool,
                x_max: float) -> None:
    tpb = p.part.ticks_per_beat
    origin = p.bars[0].start
    x_end = (p.bars[-1].start + p.bars[-1].length - origin) / tpb
    n = len(rows)
    margin = 0.12  # quarters each side, so a hit played just before the first bar line is not cut in half
    ax.set_xlim(-margin, max(x_end, x_max) + margin)
    ax.set_ylim(-0.5, n - 0.5)
    ax.set_facecolor("white")

    # Row bands: zebra stripes so the eye follows a row across, and a line where a kit piece family changes.
    for i, r in enumerate(rows):
        if i % 2 == 0:
            ax.fill_between([-margin, x_end + margin], i - 0.5, i + 0.5, color="#f3f3f3", zorder=0, lw=0)
        if i and _family(rows[i - 1]) != _family(r):
            ax.plot([-margin, x_end + margin], [i - 0.5, i - 0.5], color="#9a9a9a", lw=0.8, zorder=1)

    # Time grid: sixteenths faint, pulses (beats) medium, bar lines strong.
    step = tpb / 4
    for b in p.bars:
        x0 = (b.start - origin) / tpb
        k = 1
        while k * step < b.length:
            ax.axvline(x0 + k * step / tpb, color="#e4e4e4", lw=0.5, zorder=1)
            k += 1
        for pulse in b.pulses[1:]:
            ax.axvline((pulse - origin) / tpb, color="#b5b5b5", lw=0.9, zorder=1)
        ax.axvline(x0, color="#3a3a3a", lw=1.4, zorder=2)
    ax.axvline(x_end, color="#3a3a3a", lw=1.4, zorder=2)

    # Hits: a box from the onset, 3/4 of a sixteenth long (drum hits have no musical length).
    width = 0.75 * step / tpb
    polys, colours, edges = [], [], []
    for tick, row, vel in p.hits:
        x, y = (tick - origin) / tpb, y_of[row]
        polys.append([(x, y - 0.36), (x + width, y - 0.36), (x + width, y + 0.36), (x, y + 0.36)])
        base = FAMILY_COLOURS[_family(row)]
        colours.append(_blend(base, _shade(vel)))
        edges.append(_blend(base, min(1.0, _shade(vel) + 0.25)))
    if polys:
        ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors=edges, linewidths=0.6, zorder=3))

    ax.set_yticks(range(n), labels, fontsize=8.5)
    for tick_label, r in zip(ax.get_yticklabels(), rows):
        tick_label.set_color(FAMILY_COLOURS[_family(r)] if _family(r) != "other" else "#c00000")
    ax.tick_params(axis="y", length=0, pad=4)
    ax.set_xticks([(b.start - origin) / tpb for b in p.bars],
                  [str(p.first_bar + i) for i in range(len(p.bars))], fontsize=8.5)
    ax.tick_params(axis="x", length=3, pad=2)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)

    first = p.bars[0]
    facts = [f"{first.numerator}/{first.denominator}", f"{p.part.bpm:.0f} BPM"]
    if show_map:
        facts.insert(0, f"map {dm.name}")
    shown = f"bars {p.first_bar}–{p.first_bar + len(p.bars) - 1} of {p.total_bars}"
    if p.first_bar + len(p.bars) - 1 > p.total_bars:
        shown = f"bars {p.first_bar}–{p.first_bar + len(p.bars) - 1} (the file has {p.total_bars})"
    ax.set_title(p.title, loc="left", fontsize=11, fontweight="bold", pad=6)
    ax.annotate("  ·  ".join([*facts, shown, f"{len(p.hits)} hits"]), xy=(1, 1), xycoords="axes fraction",
                xytext=(0, 6), textcoords="offset points", ha="right", va="bottom", fontsize=8.5, color="#555555")


def _legend(fig, fig_w: float, fig_h: float, legend_h: float, head: float) -> None:
    """Velocity swatches in neutral grey at the top right: the key to the shading."""
    y = 1 - (head + legend_h * 0.62) / fig_h
    x = 1 - 3.1 / fig_w
    fig.text(x, y, "velocity", fontsize=8, color="#555555", ha="right", va="center")
    for i, vel in enumerate((20, 50, 80, 110, 127)):
        fig.patches.append(_swatch(fig, x + (0.08 + i * 0.42) / fig_w, y, vel, fig_w, fig_h))
        fig.text(x + (0.08 + i * 0.42 + 0.16) / fig_w, y - 0.1 / fig_h, str(vel), fontsize=7, color="#555555",
                 ha="left", va="top")


def _swatch(fig, x: float, y: float, vel: int, fig_w: float, fig_h: float):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y - 0.06 / fig_h), 0.14 / fig_w, 0.13 / fig_h, transform=fig.transFigure,
                     facecolor=_blend("#333333", _shade(vel)), edgecolor="none")


def _geometry(p: _Prepared, ax, rows: list[str], height: int) -> Panel:
    tr = ax.transData
    tpb, origin = p.part.ticks_per_beat, p.bars[0].start
    bands = {}
    for i, r in enumerate(rows):
        (_, y_top), (_, y_bot) = tr.transform((0, i + 0.5)), tr.transform((0, i - 0.5))
        bands[r] = (round(height - y_top), round(height - y_bot))
    x0 = tr.transform((0, 0))[0]
    x1 = tr.transform(((p.bars[-1].start + p.bars[-1].length - origin) / tpb, 0))[0]
    bar_x = [(p.first_bar + i, round(tr.transform(((b.start - origin) / tpb, 0))[0])) for i, b in enumerate(p.bars)]
    return Panel(p.title, p.first_bar, p.first_bar + len(p.bars) - 1, p.total_bars, len(p.hits), bands,
                 (round(x0), round(x1)), bar_x)
