"""Drum maps: which MIDI note plays which articulation in one sampler.

A map is a JSON file validated by the pydantic models below (``mapkit maps
schema`` prints their JSON Schema). Built-in maps ship in ``mapkit/mappings``;
users add their own by path, or by dropping files into ``$MAPKIT_MAPS`` (a
``os.pathsep``-separated list of folders) or ``~/.config/mapkit/maps``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .articulations import vocabulary

__all__ = [
    "DrumMap",
    "MapNote",
    "Source",
    "HihatController",
    "HihatLevel",
    "MapError",
    "load_map",
    "list_maps",
    "map_schema",
    "check_map_file",
    "user_map_dirs",
    "note_name",
]

MidiNote = Annotated[int, Field(ge=0, le=127, description="MIDI note number, 0-127")]
Velocity = Annotated[int, Field(ge=1, le=127)]
Confidence = Literal["high", "medium", "low"]
OctaveConvention = Literal["C3=60", "C4=60", "C5=60"]

_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(note: int, convention: OctaveConvention = "C3=60") -> str:
    """``note_name(36, "C3=60") == "C1"``; the same note is C2 for Roland and C3 in FL Studio."""
    octave_of_60 = int(convention[1])
    return f"{_NAMES[note % 12]}{note // 12 - 5 + octave_of_60}"


class MapError(ValueError):
    """A map that cannot be found or does not pass the schema; the message says which and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a map's facts come from."""

    id: str = Field(description="short key that notes cite, e.g. 'ni-manual'")
    title: str
    url: str | None = None


class MapNote(_Strict):
    """One note of a sampler's kit."""

    note: MidiNote
    articulation: str = Field(description="a name from mapkit's articulation vocabulary (`mapkit maps articulations`)")
    label: str = Field(default="", description="what the sampler calls it")
    velocity: tuple[Velocity, Velocity] | None = Field(
        default=None,
        description="[low, high]: this note plays the articulation only in this velocity range "
        "(samplers that split one articulation over notes by velocity)",
    )
    preferred: bool = Field(
        default=False,
        description="when several notes of this map could receive a converted note, take this one",
    )
    source: str | None = Field(default=None, description="id of the entry in `sources` this note comes from")
    confidence: Confidence | None = Field(default=None, description="overrides the map's confidence for this note")
    comment: str | None = None

    @field_validator("articulation")
    @classmethod
    def _known_articulation(cls, v: str) -> str:
        if v not in vocabulary():
            raise ValueError(f"unknown articulation {v!r} (see `mapkit maps articulations`)")
        return v

    @field_validator("velocity")
    @classmethod
    def _ordered(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and v[0] > v[1]:
            raise ValueError(f"velocity range [{v[0]}, {v[1]}] is upside down")
        return v


class HihatLevel(_Strict):
    up_to: Annotated[int, Field(ge=0, le=127)] = Field(description="highest controller value of this level")
    articulation: str

    @field_validator("articulation")
    @classmethod
    def _known_articulation(cls, v: str) -> str:
        if v not in vocabulary():
            raise ValueError(f"unknown articulation {v!r}")
        return v


class HihatController(_Strict):
    """A hi-hat whose openness a pedal controller decides (CC 4 on most kits)."""

    controller: Annotated[int, Field(ge=0, le=127)] = 4
    articulation: str = Field(description="the articulation of the note(s) whose sound the controller decides")
    levels: list[HihatLevel] = Field(
        min_length=1, description="controller ranges, lowest first; the last must reach 127"
    )

    @model_validator(mode="after")
    def _levels_cover(self) -> "HihatController":
        ups = [lv.up_to for lv in self.levels]
        if ups != sorted(set(ups)) or ups[-1] != 127:
            raise ValueError("hihat_controller.levels must rise strictly and end at up_to=127")
        return self

    def articulation_at(self, value: int) -> str:
        for lv in self.levels:
            if value <= lv.up_to:
                return lv.articulation
        return self.levels[-1].articulation


class DrumMap(_Strict):
    """A sampler's note layout: ``load_map("gm")``, ``load_map("path/to/my-kit.json")``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="short id used on the command line")
    title: str
    vendor: str = ""
    products: list[str] = Field(default_factory=list, description="products whose default layout this is")
    octave_convention: OctaveConvention = Field(
        default="C3=60", description="how the vendor names notes: C3=60 (NI, Toontrack, Cubase), C4=60 (Roland), C5=60 (FL)"
    )
    drum_channel: Annotated[int, Field(ge=1, le=16)] | None = Field(
        default=10, description="1-16, the channel its drums are on (10 for GM); null when any channel"
    )
    confidence: Confidence
    sources: list[Source] = Field(min_length=1)
    decisions: list[str] = Field(default_factory=list, description="where sources disagreed: what was chosen and why")
    hihat_controller: HihatController | None = None
    notes: list[MapNote] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "DrumMap":
        problems = []
        ids = {s.id for s in self.sources}
        for n in self.notes:
            if n.source is not None and n.source not in ids:
                problems.append(f"note {n.note} cites unknown source {n.source!r} (sources: {', '.join(sorted(ids))})")
        by_note: dict[int, list[MapNote]] = {}
        for n in self.notes:
            by_note.setdefault(n.note, []).append(n)
        for note, group in by_note.items():
            if len(group) == 1:
                continue
            if any(g.velocity is None for g in group):
                problems.append(f"duplicate note {note} (listed {len(group)} times; give each a velocity range to split it)")
                continue
            spans = sorted(g.velocity for g in group)  # type: ignore[type-var]
            for (lo1, hi1), (lo2, hi2) in zip(spans, spans[1:]):
                if lo2 <= hi1:
                    problems.append(f"note {note}: velocity ranges [{lo1}, {hi1}] and [{lo2}, {hi2}] overlap")
        if self.hihat_controller is not None and not any(
            n.articulation == self.hihat_controller.articulation for n in self.notes
        ):
            problems.append(
                f"hihat_controller names articulation {self.hihat_controller.articulation!r}, which no note plays"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- lookups ---------------------------------------------------------

    @cached_property
    def _by_note(self) -> dict[int, list[MapNote]]:
        out: dict[int, list[MapNote]] = {}
        for n in self.notes:
            out.setdefault(n.note, []).append(n)
        return out

    def note(self, number: int, velocity: int = 100) -> MapNote | None:
        """The entry that plays ``number`` at ``velocity``, or None if the map does not know it."""
        for n in self._by_note.get(number, ()):
            if n.velocity is None or n.velocity[0] <= velocity <= n.velocity[1]:
                return n
        return None

    def articulation_of(self, number: int, velocity: int = 100) -> str | None:
        n = self.note(number, velocity)
        return n.articulation if n else None

    @cached_property
    def articulations(self) -> tuple[str, ...]:
        """The articulations this kit can play, in map order, each once."""
        return tuple(dict.fromkeys(n.articulation for n in self.notes))

    def notes_for(self, articulation: str) -> list[MapNote]:
        """Notes that play ``articulation``, the preferred one first, then lowest note."""
        return sorted(
            (n for n in self.notes if n.articulation == articulation), key=lambda n: (not n.preferred, n.note)
        )

    @cached_property
    def velocity_split(self) -> bool:
        """True when some note's articulation depends on velocity."""
        return any(n.velocity is not None for n in self.notes)

    def note_name(self, number: int) -> str:
        return note_name(number, self.octave_convention)

    @property
    def known_notes(self) -> frozenset[int]:
        return frozenset(self._by_note)

    def find_drum_channel(self, note_channels: "Iterable[int]") -> int | None:
        """Which channel (1-16) holds the drums of a file whose notes are on ``note_channels``.

        Channel 10 wherever it has notes (GM files); otherwise this map's own
        channel (Toontrack and NI exports are often on channel 1); for a map
        that allows any channel, the file's only note channel. None: no drums.
        """
        chans = set(note_channels)
        if 10 in chans:
            return 10
        if self.drum_channel is not None:
            return self.drum_channel if self.drum_channel in chans else None
        return next(iter(chans)) if len(chans) == 1 else None


# -- finding and loading maps -----------------------------------------------


def user_map_dirs() -> list[Path]:
    """Folders searched for user maps: ``$MAPKIT_MAPS`` entries, then ``~/.config/mapkit/maps``."""
    dirs = [Path(p).expanduser() for p in os.environ.get("MAPKIT_MAPS", "").split(os.pathsep) if p]
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    dirs.append(base / "mapkit" / "maps")
    return dirs


def _builtin_files() -> dict[str, object]:
    root = resources.files("mapkit.mappings")
    return {p.name[:-5]: p for p in root.iterdir() if p.name.endswith(".json")}


def _candidates() -> dict[str, object]:
    """name -> file, user maps shadowing built-ins of the same name."""
    found = _builtin_files()
    for d in reversed(user_map_dirs()):
        if d.is_dir():
            for p in sorted(d.glob("*.json")):
                found[p.stem] = p
    return found


def _parse(text: str, where: str) -> DrumMap:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise MapError(f"{where}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    try:
        return DrumMap.model_validate(raw)
    except ValidationError as e:
        raise MapError(f"{where}: " + "; ".join(_describe(err, raw) for err in e.errors())) from None


def _describe(err: dict, raw: object) -> str:
    loc = err["loc"]
    where = ".".join(str(p) for p in loc) or "map"
    # Say "notes[3] (note 200)" rather than a bare index, so users find the line.
    if len(loc) >= 2 and loc[0] == "notes" and isinstance(loc[1], int) and isinstance(raw, dict):
        try:
            entry = raw["notes"][loc[1]]
            label = f"notes[{loc[1]}] (note {entry.get('note')!r}, {entry.get('articulation')!r})"
            where = ".".join([label, *(str(p) for p in loc[2:])])
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}: {msg}"


_cache: dict[tuple[str, float], DrumMap] = {}


def load_map(name_or_path: str | os.PathLike[str] | DrumMap) -> DrumMap:
    """A built-in or user map by name (``"gm"``), or any map file by path."""
    if isinstance(name_or_path, DrumMap):
        return name_or_path
    text_name = os.fspath(name_or_path)
    path = Path(text_name)
    if text_name.endswith(".json") or path.is_file():
        if not path.is_file():
            raise MapError(f"{text_name}: no such map file")
        key = (str(path.resolve()), path.stat().st_mtime)
        if key not in _cache:
            _cache[key] = _parse(path.read_text("utf-8"), text_name)
        return _cache[key]
    found = _candidates()
    if text_name not in found:
        raise MapError(f"unknown map {text_name!r}; known maps: {', '.join(sorted(found))} (or give a path to a .json file)")
    src = found[text_name]
    # A user's file is re-read when it changes; built-in maps (package resources) are read once.
    key = (str(src), src.stat().st_mtime if isinstance(src, Path) else 0.0)
    if key not in _cache:
        _cache[key] = _parse(src.read_text("utf-8"), str(src))  # type: ignore[attr-defined]
        if _cache[key].name != text_name:
            raise MapError(f"{src}: file is named {text_name!r} but the map says name={_cache[key].name!r}")
    return _cache[key]


def list_maps() -> list[DrumMap]:
    """Every map that loads, built-in and user, sorted by name."""
    return [load_map(name) for name in sorted(_candidates())]


def check_map_file(path: str | os.PathLike[str]) -> DrumMap:
    """Load ``path`` without caching; raises MapError naming every problem."""
    p = Path(path)
    if not p.is_file():
        raise MapError(f"{path}: no such file")
    return _parse(p.read_text("utf-8"), os.fspath(path))


def map_schema() -> dict:
    """JSON Schema of a map file, for editor support."""
    schema = DrumMap.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mapkit drum map"
    return schema
