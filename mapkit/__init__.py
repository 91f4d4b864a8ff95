"""mapkit: move MIDI drum loops between samplers' note maps, losslessly."""

from .articulations import Articulation, Placement, fallback_chain, nearest, vocabulary
from .maps import DrumMap, HihatController, MapError, MapNote, check_map_file, list_maps, load_map, map_schema

__version__ = "0.1.0"

__all__ = [
    "Articulation",
    "Placement",
    "fallback_chain",
    "nearest",
    "vocabulary",
    "DrumMap",
    "HihatController",
    "MapError",
    "MapNote",
    "check_map_file",
    "list_maps",
    "load_map",
    "map_schema",
]
