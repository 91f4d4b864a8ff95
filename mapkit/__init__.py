"""mapkit: move MIDI drum loops between samplers' note maps, losslessly."""

from .articulations import Articulation, Placement, fallback_chain, nearest, vocabulary
from .convert import (
    ConversionError,
    ConversionPlan,
    Converted,
    FileReport,
    LibraryReport,
    convert_bytes,
    convert_file,
    convert_library,
    plan_conversion,
)
from .detect import DetectionReport, best_map, detect
from .hits import DrumPart, Hit, read_hits
from .maps import DrumMap, HihatController, MapError, MapNote, check_map_file, list_maps, load_map, map_schema
from .smf import MidiFileError
from .validate import ValidationReport, validate

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
    "ConversionError",
    "ConversionPlan",
    "Converted",
    "FileReport",
    "LibraryReport",
    "convert_bytes",
    "convert_file",
    "convert_library",
    "plan_conversion",
    "DrumPart",
    "Hit",
    "read_hits",
    "MidiFileError",
    "DetectionReport",
    "best_map",
    "detect",
    "ValidationReport",
    "validate",
]
