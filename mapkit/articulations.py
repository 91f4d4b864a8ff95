"""The shared vocabulary of drum articulations, and how one falls back to another.

The vocabulary is data (``articulations.json`` beside this module): every
articulation a map may use, in a drummer's words, each with at most one
``fallback``: the articulation to play instead when a kit lacks it
(``hihat_open_3 -> hihat_open -> hihat_half_open -> hihat_closed``).
Following fallbacks always ends at an articulation General MIDI has, so every
note of every map can reach GM.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Articulation", "Placement", "vocabulary", "fallback_chain", "nearest", "family_of"]


@dataclass(frozen=True, slots=True)
class Articulation:
    """One way of hitting one part of the kit (``snare_rimshot``, ``ride_bell``)."""

    name: str
    family: str  #: kit piece group: kick, snare, hihat, tom, ride, crash, china, splash, stack, percussion, other
    description: str
    fallback: str | None  #: what to play instead where a kit lacks this one; None at the root of a chain
    order: int  #: position in the vocabulary; breaks ties, most representative first


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one articulation lands in a kit that may lack it."""

    articulation: str  #: the articulation the kit has
    up: int  #: fallback steps taken towards a more general articulation
    down: int  #: steps taken from there to a more specific one the kit has

    @property
    def exact(self) -> bool:
        return self.up == 0 and self.down == 0


@cache
def vocabulary() -> Mapping[str, Articulation]:
    """Every known articulation by name, in vocabulary order."""
    raw = json.loads(resources.files("mapkit").joinpath("articulations.json").read_text("utf-8"))
    out: dict[str, Articulation] = {}
    for i, entry in enumerate(raw["articulations"]):
        art = Articulation(
            name=entry["name"],
            family=entry["family"],
            description=entry.get("description", ""),
            fallback=entry.get("fallback"),
            order=i,
        )
        if art.name in out:
            raise ValueError(f"articulations.json: {art.name!r} is listed twice")
        out[art.name] = art
    for art in out.values():
        if art.fallback is not None and art.fallback not in out:
            raise ValueError(f"articulations.json: {art.name!r} falls back to unknown {art.fallback!r}")
    return out


def family_of(name: str) -> str:
    return vocabulary()[name].family


@cache
def fallback_chain(name: str) -> tuple[str, ...]:
    """``name`` followed by its fallbacks, most specific first, ending at a root."""
    vocab = vocabulary()
    chain = [name]
    while (nxt := vocab[chain[-1]].fallback) is not None:
        if nxt in chain:
            raise ValueError(f"fallback cycle: {' -> '.join([*chain, nxt])}")
        chain.append(nxt)
    return tuple(chain)


def nearest(name: str, available: Iterable[str], preferred: Iterable[str] = ()) -> Placement | None:
    """The articulation of ``available`` that best stands in for ``name``.

    Walk up ``name``'s fallback chain; at each step take the articulation
    itself if the kit has it, otherwise the closest more specific articulation
    under it (GM's one ``hihat_open`` lands on a kit's ``hihat_open_3``, not on
    its closed hat). Ties go to ``preferred`` articulations, then vocabulary
    order. None when nothing in the kit is related at all.
    """
    have = set(available)
    if not have:
        return None
    prefer = set(preferred)
    vocab = vocabulary()
    for up, step in enumerate(fallback_chain(name)):
        if step in have:
            return Placement(step, up, 0)
        below = []
        for cand in have:
            chain = fallback_chain(cand)
            if step in chain:
                below.append((chain.index(step), cand not in prefer, vocab[cand].order, cand))
        if below:
            down, _, _, cand = min(below)
            return Placement(cand, up, down)
    return None
