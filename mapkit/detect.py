"""Which map is a file in? Ranking every known map by how well it explains the drums.

Note sets alone cannot tell most maps apart (GM, Roland and the Toontrack family share
most of their numbers), and file names lie. So each map is scored on the music, read
through that map: every note becomes a kit piece (a *role*: kick, snare, closed hi-hat,
ride, crash...), and the result is scored as a drum performance:

- **which pieces play, and how much**: a groove is mostly kick, snare and a time-keeping
  cymbal; a map that turns the busiest note into a crash or a bongo reads an unlikely one;
- **where each piece lands** in the bar: kicks on 1 and 3, snares on the backbeat, hats
  and rides on eighths or sixteenths, crashes on downbeats;
- **how hard**: ghost notes live on the snare, crashes are loud, pedal hats are soft.

Each of these is a Dirichlet-multinomial over the file's own counts, so a file's mix may
differ from the average groove, and a pattern repeated for 64 bars is one piece of evidence,
not 64 (which keeps the confidence honest). The tables come from real drumming (half the
Groove MIDI drummers, and GM songs), fitted by ``benchmarks/bench_detect.py --fit``.

On top of the music, a map pays once for each note a file uses: 1 / (its notes for that
piece). Among maps that hear a file identically this prefers the one whose notes say the
most: a file on 22/26 (hi-hat edge) and 58 (floor tom rim) fits Roland's 24-note kit better
than a 110-note one that also has them. Maps that hear every note of a file as the same
pieces get the same music score and are reported together as a tie.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from .articulations import fallback_chain, nearest
from .hits import DrumPart, read_hits
from .maps import DrumMap, list_maps, load_map
from .smf import MidiFileError, parse, read

__all__ = ["Candidate", "FileDetection", "DetectionReport", "detect", "detect_file", "best_map", "ROLES"]

#: Kit pieces a map's articulations are heard as (through their nearest GM articulation).
ROLES = ("kick", "snare", "sidestick", "hihat_closed", "hihat_pedal", "hihat_open", "tom_high", "tom_mid",
         "tom_floor", "ride", "ride_bell", "crash", "fx_cymbal", "percussion", "other", "hihat_cc", "unknown")
_R = {r: i for i, r in enumerate(ROLES)}
_UNKNOWN = _R["unknown"]
_GM_ROLE = {
    "kick": "kick", "snare_center": "snare", "snare_alt": "snare", "snare_sidestick": "sidestick",
    "hihat_closed": "hihat_closed", "hihat_pedal": "hihat_pedal", "hihat_open": "hihat_open",
    "tom_high": "tom_high", "tom_high_mid": "tom_high", "tom_low_mid": "tom_mid", "tom_low": "tom_mid",
    "tom_floor_high": "tom_floor", "tom_floor_low": "tom_floor", "ride_bow": "ride", "ride_2": "ride",
    "ride_bell": "ride_bell", "crash_1": "crash", "crash_2": "crash", "china": "fx_cymbal", "splash": "fx_cymbal",
    # Not drumming: count-in sticks, clicks, scratches, effects.
    "sticks": "other", "high_q": "other", "slap": "other", "scratch_push": "other", "scratch_pull": "other",
    "square_click": "other", "metronome_click": "other", "metronome_bell": "other", "vibraslap": "other",
    "whistle_short": "other", "whistle_long": "other",
}  # every other GM articulation (hand percussion, clap, tambourine, cowbell) is "percussion"
_VEL_EDGES = (48, 80, 104)  #: velocity bins: ghost, soft, medium, loud

# --- The model: fitted on real drumming by `python benchmarks/bench_detect.py --fit` -------------
# (Groove MIDI drummers 1, 3, 5, 7, 9 read as roland-td, and the GM songs read as gm; the
# even drummers are left for measuring.) Shares of hits per role; per role, the share of its
# hits in each cell of (sixteenth of a 4/4 bar) x (velocity bin): 64 cells, slot-major.
# BEGIN FITTED
_ROLE_SHARE: dict[str, float] = {"kick": 0.1511, "snare": 0.3610, "sidestick": 0.0124, "hihat_closed": 0.1061, "hihat_pedal": 0.0803, "hihat_open": 0.0306, "tom_high": 0.1076, "tom_mid": 0.0011, "tom_floor": 0.0865, "ride": 0.0425, "ride_bell": 0.0034, "crash": 0.0171, "fx_cymbal": 0.0001, "percussion": 0.0001, "other": 0.0001, "unknown": 0.0001}
_CELLS: dict[str, tuple[float, ...]] = {
    "kick": (0.0841, 0.0647, 0.0123, 0.0537, 0.0158, 0.00326, 0.000108, 3.76e-05, 0.0148, 0.0121, 0.00125, 0.00634, 0.0365, 0.018, 0.00168, 0.00131, 0.0409, 0.0238, 0.00233, 0.0177, 0.00921, 0.00516, 0.00052, 0.000395, 0.0513, 0.0236, 0.00183, 0.00962, 0.0188, 0.00844, 0.00111, 0.00215, 0.0593, 0.0337, 0.00788, 0.0395, 0.0164, 0.00539, 0.000538, 0.00106, 0.0267, 0.0194, 0.00208, 0.0136, 0.0277, 0.0132, 0.000986, 0.00235, 0.0347, 0.0211, 0.00278, 0.0157, 0.0114, 0.00568, 0.000555, 0.00127, 0.0402, 0.0163, 0.00106, 0.00932, 0.0183, 0.00584, 0.000699, 0.00235),
    "snare": (0.0201, 0.00939, 0.00398, 0.0176, 0.0393, 0.00872, 0.00258, 0.00414, 0.0275, 0.0103, 0.00508, 0.0151, 0.0221, 0.0106, 0.00511, 0.0139, 0.0269, 0.0115, 0.0124, 0.0587, 0.0402, 0.00965, 0.00332, 0.00639, 0.02, 0.011, 0.00701, 0.0238, 0.0404, 0.013, 0.00378, 0.0114, 0.0204, 0.00886, 0.00557, 0.0198, 0.0322, 0.0115, 0.00663, 0.00963, 0.0237, 0.0108, 0.00565, 0.0166, 0.0208, 0.0126, 0.00432, 0.011, 0.015, 0.0113, 0.0139, 0.0576, 0.0269, 0.0118, 0.00378, 0.00854, 0.0206, 0.00992, 0.00597, 0.0195, 0.0347, 0.0107, 0.00438, 0.0107),
    "sidestick": (0.0245, 0.0413, 0.0157, 0.000137, 0.0126, 0.0138, 0.00442, 3.49e-08, 0.0278, 0.0372, 0.0163, 9.17e-08, 0.008, 0.0309, 0.0155, 6.16e-08, 0.0307, 0.0435, 0.0371, 1.26e-07, 0.0117, 0.0106, 0.00579, 3.18e-08, 0.0126, 0.0599, 0.025, 1.1e-07, 0.00676, 0.0257, 0.0144, 5.31e-08, 0.0234, 0.029, 0.0114, 7.22e-08, 0.00745, 0.0195, 0.0184, 5.14e-08, 0.026, 0.0274, 0.0142, 7.64e-08, 0.00841, 0.0307, 0.0129, 5.88e-08, 0.0228, 0.0421, 0.033, 1.11e-07, 0.00674, 0.0107, 0.00427, 2.47e-08, 0.0165, 0.0268, 0.018, 6.94e-08, 0.0102, 0.0308, 0.0172, 6.58e-08),
    "hihat_closed": (0.0191, 0.0317, 0.012, 0.0387, 0.0271, 0.0103, 0.00142, 0.00069, 0.0335, 0.0251, 0.00873, 0.0286, 0.0211, 0.00987, 0.00177, 0.0037, 0.0196, 0.0256, 0.0156, 0.0339, 0.0251, 0.0112, 0.00142, 0.00324, 0.0357, 0.0305, 0.01, 0.022, 0.0203, 0.0128, 0.00273, 0.00355, 0.022, 0.0287, 0.0129, 0.0375, 0.0224, 0.0126, 0.00208, 0.0018, 0.0274, 0.0211, 0.0082, 0.0211, 0.0166, 0.00903, 0.00172, 0.00367, 0.0108, 0.0188, 0.014, 0.0299, 0.0199, 0.00868, 0.00142, 0.00347, 0.0242, 0.02, 0.00757, 0.0177, 0.013, 0.00951, 0.00266, 0.00299),
    "hihat_pedal": (0.0293, 0.0463, 0.0195, 0.0137, 0.00346, 0.00332, 0.00139, 0.00233, 0.0143, 0.0322, 0.0177, 0.0168, 0.00517, 0.00804, 0.00401, 0.011, 0.0199, 0.0733, 0.0466, 0.0136, 0.00412, 0.00233, 0.00173, 0.00273, 0.0194, 0.0378, 0.0207, 0.0294, 0.00897, 0.00421, 0.00213, 0.0073, 0.0242, 0.0416, 0.0199, 0.0147, 0.00381, 0.00415, 0.00171, 0.0023, 0.0127, 0.0331, 0.0172, 0.0183, 0.00508, 0.0081, 0.00483, 0.00525, 0.0183, 0.0684, 0.0404, 0.0125, 0.00358, 0.00321, 0.00162, 0.00346, 0.0161, 0.0312, 0.0184, 0.0276, 0.00755, 0.00324, 0.00182, 0.00276),
    "hihat_open": (0.00547, 0.0203, 0.0119, 0.0866, 0.00369, 0.00612, 0.000466, 0.000712, 0.00948, 0.0191, 0.0163, 0.0299, 0.0113, 0.0113, 0.00163, 0.00386, 0.00698, 0.0131, 0.0107, 0.128, 0.00704, 0.00808, 0.00231, 0.0013, 0.00972, 0.019, 0.0148, 0.0368, 0.00946, 0.0125, 0.0037, 0.00363, 0.00545, 0.0162, 0.011, 0.0404, 0.00496, 0.00739, 0.00139, 0.00187, 0.0102, 0.0155, 0.0178, 0.036, 0.0136, 0.0101, 0.00128, 0.00559, 0.00167, 0.0127, 0.0115, 0.109, 0.00531, 0.00751, 0.00358, 0.00211, 0.00522, 0.016, 0.0223, 0.0419, 0.0134, 0.012, 0.0059, 0.00618),
    "tom_high": (0.0031, 0.0142, 0.0185, 0.0237, 0.00435, 0.0116, 0.00612, 0.00553, 0.00769, 0.0214, 0.00905, 0.00989, 0.00301, 0.0163, 0.00888, 0.0083, 0.00277, 0.0123, 0.014, 0.0253, 0.00443, 0.0228, 0.0129, 0.00939, 0.00611, 0.0253, 0.0216, 0.0209, 0.00318, 0.0195, 0.0167, 0.0134, 0.00402, 0.0179, 0.0238, 0.029, 0.00594, 0.0196, 0.0198, 0.025, 0.00887, 0.0256, 0.0158, 0.0298, 0.00427, 0.0212, 0.0237, 0.0229, 0.00302, 0.0158, 0.021, 0.0428, 0.00461, 0.0283, 0.0195, 0.0232, 0.00528, 0.033, 0.0256, 0.0245, 0.00268, 0.0166, 0.0202, 0.0147),
    "tom_mid": (0.000174, 0.0033, 0.00087, 0.0033, 0.000174, 0.0033, 0.00087, 0.0033, 0.000174, 0.0033, 0.00087, 0.0033, 0.000174, 0.0033, 0.00087, 0.0033, 0.00191, 0.0364, 0.0239, 0.165, 0.000174, 0.0033, 0.00087, 0.0033, 0.00191, 0.0364, 0.0239, 0.165, 0.000174, 0.0033, 0.00087, 0.0033, 0.00209, 0.183, 0.0247, 0.0397, 0.000174, 0.0033, 0.00087, 0.0033, 0.000696, 0.0418, 0.0178, 0.0132, 0.000174, 0.0033, 0.00087, 0.0033, 0.00087, 0.0737, 0.00435, 0.0165, 0.000174, 0.0033, 0.00087, 0.0033, 0.000522, 0.0385, 0.00261, 0.00991, 0.000174, 0.0033, 0.00087, 0.0033),
    "tom_floor": (0.00702, 0.0182, 0.0209, 0.0203, 0.00158, 0.00656, 0.00193, 0.00396, 0.0154, 0.0232, 0.0107, 0.00818, 0.00249, 0.00837, 0.00408, 0.00295, 0.00657, 0.0298, 0.0325, 0.0276, 0.00271, 0.00938, 0.00464, 0.00352, 0.0103, 0.0266, 0.0155, 0.0191, 0.00125, 0.006, 0.00419, 0.00532, 0.0118, 0.0232, 0.0247, 0.021, 0.00159, 0.0095, 0.00589, 0.006, 0.00803, 0.0256, 0.0205, 0.0164, 0.0017, 0.0121, 0.0104, 0.00861, 0.00749, 0.028, 0.0454, 0.0659, 0.00453, 0.0209, 0.0164, 0.0191, 0.0111, 0.0436, 0.0417, 0.0595, 0.00341, 0.0183, 0.023, 0.024),
    "ride": (0.0219, 0.0577, 0.0221, 0.0194, 0.00735, 0.00629, 0.00096, 0.000144, 0.032, 0.0405, 0.00718, 0.00498, 0.00859, 0.014, 0.00196, 0.00156, 0.0258, 0.0518, 0.0257, 0.0247, 0.011, 0.0112, 0.0011, 0.00139, 0.0328, 0.0527, 0.0102, 0.0065, 0.0126, 0.0244, 0.00565, 0.00174, 0.0231, 0.0537, 0.02, 0.00991, 0.00721, 0.0097, 0.00124, 0.00121, 0.0225, 0.0417, 0.0113, 0.00551, 0.00863, 0.0103, 0.00224, 0.000996, 0.017, 0.0387, 0.0218, 0.0226, 0.00689, 0.00725, 0.000783, 0.000711, 0.0213, 0.0417, 0.00888, 0.00583, 0.00852, 0.0174, 0.00405, 0.00128),
    "ride_bell": (0.0114, 0.0504, 0.0336, 0.0702, 1.31e-06, 0.000491, 0.000246, 0.000492, 0.0122, 0.0155, 0.00812, 0.0189, 0.00685, 0.0086, 0.00223, 0.0106, 0.0104, 0.0543, 0.0322, 0.0846, 0.00734, 0.0137, 0.0032, 0.00178, 0.0144, 0.0172, 0.013, 0.0172, 0.00148, 0.00687, 0.00417, 0.00468, 0.0138, 0.0562, 0.0309, 0.046, 0.000754, 0.00445, 0.00394, 0.0162, 0.0108, 0.0204, 0.011, 0.00868, 0.00782, 0.00565, 0.00198, 0.00322, 0.00794, 0.0364, 0.0236, 0.0858, 0.00368, 0.00834, 0.00539, 0.00201, 0.0113, 0.0138, 0.00762, 0.00987, 0.00171, 0.00318, 8.44e-06, 0.00124),
    "crash": (0.0149, 0.0913, 0.146, 0.224, 0.00169, 0.00218, 0.00218, 0.00317, 0.00483, 0.00292, 0.00486, 0.0109, 0.000724, 0.000727, 0.00097, 0.0017, 0.00196, 0.00876, 0.0182, 0.0509, 5.79e-07, 0.000483, 0.000243, 0.000487, 0.00508, 0.00946, 0.00516, 0.0421, 0.00121, 0.00338, 0.00411, 0.000761, 0.00703, 0.0122, 0.0142, 0.085, 0.000483, 0.00145, 0.00121, 0.000739, 0.00482, 0.00339, 0.00267, 0.00319, 0.000483, 0.000486, 0.00121, 0.00122, 0.00342, 0.0107, 0.0142, 0.0828, 0.000724, 0.000727, 0.00097, 0.0017, 0.0046, 0.00608, 0.00948, 0.0351, 0.00314, 0.00749, 0.0063, 0.0078),
    "fx_cymbal": (0.00079, 0.00079, 0.00079, 0.0397, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.000395, 0.000395, 0.000395, 0.0111, 0.0107, 0.0107, 0.0107, 0.755, 0.000395, 0.000395, 0.000395, 0.0111),
    "percussion": (0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.00296, 0.00296, 0.00296, 0.35, 0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.000174, 0.000174, 0.000174, 0.00713, 0.00296, 0.00296, 0.00296, 0.35, 0.000174, 0.000174, 0.000174, 0.00713, 0.00157, 0.00157, 0.00157, 0.178, 0.000174, 0.000174, 0.000174, 0.00713),
    "other": (0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.0185, 0.0185, 0.0185, 0.404, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00618, 0.00618, 0.00618, 0.118, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227, 0.00206, 0.00206, 0.00206, 0.0227),
}
_S_ROLE = 1000000000.0
_ROLE_POWER = 0.75
# END FITTED

#: Maps are not equally common: most MIDI files in the wild are GM. Among maps that hear a
#: file alike, the common one is the likelier (log odds against an unnamed map).
_MAP_PRIOR = {"gm": math.log(6.0), "roland-td": math.log(2.0)}
#: A hit on a note the map does not know, per hit: a map never produces those, so a map
#: cannot explain away a troublesome note by not knowing it (outside the Dirichlet terms,
#: where a repeated unknown note would soon cost nothing).
_UNKNOWN_HIT = math.log(0.01) + math.log(1 / 64)  # and a position and velocity, at random
#: A map that plays drums only on channel 10 reading a file whose drums are elsewhere.
_OFF_CHANNEL = math.log(0.05)
#: The confidence is a softmax of the log-likelihoods divided by (hits / this): the model
#: is simpler than drumming (hits are not independent), so a file's evidence is worth less
#: than it claims. 5 makes the mean confidence match the top-1 accuracy on training grooves.
_HITS_WORTH = 5.0


@dataclass(slots=True)
class Candidate:
    map: str
    score: float  #: log-likelihood per hit, prior included (higher is better)
    confidence: float  #: posterior share across maps, 0-1
    coverage: float  #: share of hits on notes the map knows


@dataclass(slots=True)
class FileDetection:
    path: str
    hits: int = 0
    ranking: list[Candidate] = field(default_factory=list)
    tied: list[str] = field(default_factory=list)  #: maps that hear the file exactly like the best one
    evidence: list[str] = field(default_factory=list)
    error: str | None = None
    totals: dict[str, float] = field(default_factory=dict, repr=False)  #: log-likelihood per map, without prior

    @property
    def best(self) -> str | None:
        """The best map, or None when the file is unreadable, has no drums, or no map explains it."""
        if self.error or not self.ranking or self.ranking[0].coverage < 0.5:
            return None
        return self.ranking[0].map

    @property
    def group(self) -> list[str]:
        """The best map and the maps tied with it."""
        return [self.ranking[0].map, *self.tied] if self.best else []

    def to_dict(self) -> dict:
        return {"path": self.path, "best": self.best, "tied": self.tied, "hits": self.hits, "error": self.error,
                "evidence": self.evidence, "ranking": [asdict(c) for c in self.ranking[:6]]}


@dataclass(slots=True)
class DetectionReport:
    files: list[FileDetection] = field(default_factory=list)

    def summary(self) -> Counter[str]:
        """Files per map ("unknown" for files no map explains). A file that the set's pooled
        best map explains as well as its own best map counts for the pooled one."""
        pooled = self.pooled()
        lead = pooled[0][0] if pooled else None
        out: Counter[str] = Counter()
        for f in self.files:
            b = f.best
            out[lead if b is not None and lead in f.group else (b or "unknown")] += 1
        return out

    def pooled(self) -> list[tuple[str, float]]:
        """Maps ranked for the whole set, as if it were one long file (log-likelihood per hit):
        a library is usually in one map, and the pooled evidence of many short loops tells
        apart maps that one loop cannot."""
        total: Counter[str] = Counter()
        explained = [f for f in self.files if f.totals]
        for f in explained:
            total.update(f.totals)
        hits = max(1, sum(f.hits for f in explained))
        return sorted(((m, (ll + _MAP_PRIOR.get(m, 0.0)) / hits) for m, ll in total.items()),
                      key=lambda kv: (-kv[1], kv[0]))

    def to_dict(self) -> dict:
        return {"summary": dict(self.summary().most_common()),
                "pooled": [{"map": m, "score": round(s, 4)} for m, s in self.pooled()[:6]],
                "files": [f.to_dict() for f in self.files]}


# --- reading a file ------------------------------------------------------------------------


@dataclass(slots=True)
class _Notes:
    """A file's drum hits, per note: counts per (sixteenth, velocity bin) cell (map-independent)."""

    cells: dict[int, list[int]]  #: note -> 64 counts, slot * 4 + velocity bin
    hits: dict[int, list[tuple[int, int]]]  #: note -> (velocity, cell) of each hit, for velocity-split maps
    channel: int
    n: int
    dynamics: bool = True  #: False when the velocities say nothing (programmed at 1-3 levels)

    def slots(self, note: int) -> list[int]:
        c = self.cells[note]
        return [sum(c[4 * s:4 * s + 4]) for s in range(16)]

    def count(self, note: int) -> int:
        return sum(self.cells[note])


def _slot_of(part: DrumPart) -> Callable[[int], int]:
    """Tick -> sixteenth of a 4/4 bar. Other meters: the downbeat counts as beat 1, every other
    beat as beat 2 (what matters is which piece lands where, the same for every map)."""
    six = part.ticks_per_beat / 4
    sig = part.time_signatures[0][1:] if part.time_signatures else (4, 4)
    per_bar = max(1, sig[0] * 16 // sig[1])
    if per_bar == 16:
        return lambda t: round(t / six) % 16
    return lambda t: (lambda i: i if i < 4 else 4 + i % 4)(round(t / six) % per_bar)


def _vbin(v: int) -> int:
    return (v >= _VEL_EDGES[0]) + (v >= _VEL_EDGES[1]) + (v >= _VEL_EDGES[2])


def _features(part: DrumPart) -> _Notes:
    slot = _slot_of(part)
    # Velocity is evidence only in a played (or humanised) file: in a loop programmed at one
    # velocity, every piece would be judged by how often drummers play it at exactly that level.
    dynamics = len({h.velocity for h in part.hits}) >= 4
    f = _Notes({}, {}, part.channel or 0, len(part.hits), dynamics)
    for h in part.hits:
        cell = slot(h.tick) * 4 + (_vbin(h.velocity) if dynamics else 0)
        if h.note not in f.cells:
            f.cells[h.note], f.hits[h.note] = [0] * 64, []
        f.cells[h.note][cell] += 1
        f.hits[h.note].append((h.velocity, cell))
    return f


def _drums(smf) -> DrumPart:
    """The drum hits, on the drum channel whatever the map: channel 10 if it has notes,
    else the busiest channel (vendor exports put drums on channel 1)."""
    part = read_hits(smf, "gm")
    chans = part.note_channels
    if part.channel is None and chans:
        part = read_hits(smf, "gm", channel=max(chans, key=chans.get))
    return part


# --- maps as the model sees them -------------------------------------------------------------


def role_of(articulation: str | None) -> str:
    """The kit piece an articulation is heard as ("unknown" for None)."""
    return _role(articulation)


@lru_cache(maxsize=None)
def _role(articulation: str | None) -> str:
    if articulation is None:
        return "unknown"
    if "hihat_cc" in fallback_chain(articulation):
        # A hat whose openness the pedal controller decides: the note alone says "a hi-hat",
        # closed or open. Heard as both, half and half (neither the likelier nor the unlikelier).
        return "hihat_cc"
    place = nearest(articulation, load_map("gm").articulations)
    return _GM_ROLE.get(place.articulation, "percussion") if place else "other"


@dataclass(frozen=True, slots=True)
class _MapView:
    name: str
    roles: tuple[int, ...]  #: role index of each note 0-127 (at velocity 100)
    split: frozenset[int]  #: notes whose articulation depends on velocity
    per_role: tuple[int, ...]  #: per role, how many of this map's notes are heard as it
    channel10: bool
    dm: DrumMap


_view_cache: dict[int, tuple[DrumMap, _MapView]] = {}


def _view(m: DrumMap) -> _MapView:
    hit = _view_cache.get(id(m))
    if hit is not None and hit[0] is m:  # load_map caches maps, so a map object is seen again and again
        return hit[1]
    roles = tuple(_R[_role(m.articulation_of(n))] for n in range(128))
    per_role = Counter(roles)
    per_role[_UNKNOWN] = max(1, per_role[_UNKNOWN])
    split = frozenset(n.note for n in m.notes if n.velocity is not None)
    view = _MapView(m.name, roles, split, tuple(per_role[r] for r in range(len(ROLES))), m.drum_channel == 10, m)
    _view_cache[id(m)] = (m, view)
    return view


@lru_cache(maxsize=1)
def _tables() -> tuple[list[float], list[list[float]], list[list[float]]]:
    """Dirichlet parameters of the roles, and log-probabilities of each role's cells."""
    shares = dict(_ROLE_SHARE)
    cells = dict(_CELLS)
    if "hihat_closed" in cells and "hihat_open" in cells:
        # Halfway between hearing it closed and hearing it open (geometric means, not a mixture,
        # which would fit every hat better than either reading and reward the ambiguity).
        shares["hihat_cc"] = math.sqrt(shares["hihat_closed"] * shares["hihat_open"])
        cells["hihat_cc"] = tuple(math.sqrt(a * b) for a, b in zip(cells["hihat_closed"], cells["hihat_open"]))
    # Tempered: a common piece is likelier than a rare one, but not by its full ratio, or every
    # busy note would be read as the commonest piece a map offers.
    share = [max(shares.get(r, 0.0), 1e-4) ** _ROLE_POWER for r in ROLES]
    total = sum(share)
    a_role = [_S_ROLE * s / total for s in share]
    flat = (1 / 64,) * 64
    log_cells = [[math.log(max(x, 1e-6)) for x in cells.get(r, flat)] for r in ROLES]
    # Without dynamics a hit is only its slot: cell slot * 4 holds log P(slot).
    log_slots = [[math.log(max(sum(c[i - i % 4:i - i % 4 + 4]), 1e-6)) if i % 4 == 0 else 0.0
                  for i, _ in enumerate(c)] for c in (cells.get(r, flat) for r in ROLES)]
    return a_role, log_cells, log_slots


def _dm(counts: Iterable[int], alpha: list[float] | float, k: int = 0) -> float:
    """log P(counts | Dirichlet-multinomial(alpha)), without the multinomial coefficient
    (the same for every map, since the hits are the same). A float ``alpha`` is symmetric
    over ``k`` categories."""
    lg = math.lgamma
    counts = list(counts)
    if isinstance(alpha, float):
        a_sum, alphas = alpha * k, [alpha] * len(counts)
    else:
        a_sum, alphas = sum(alpha), alpha
    out = lg(a_sum) - lg(a_sum + sum(counts))
    for c, a in zip(counts, alphas):
        if c:
            out += lg(a + c) - lg(a)
    return out


@dataclass(slots=True)
class _Reading:
    music: float  #: log-likelihood of the performance as this map hears it
    notes: float  #: log-likelihood of the notes chosen for it
    known: int  #: hits on notes the map knows
    role_of_note: dict[int, int]  #: the role of each used note (the commonest, for split notes)


def _read(f: _Notes, v: _MapView) -> _Reading:
    n_roles = len(ROLES)
    a_role, log_cells, log_slots = _tables()
    if not f.dynamics:
        log_cells = log_slots
    rc = [0] * n_roles
    per_role: dict[int, list[int]] = {}  #: role -> hits of each note heard as it
    music = 0.0
    role_of_note: dict[int, int] = {}
    for note, cells in f.cells.items():
        if note in v.split:
            seen: Counter[int] = Counter()
            for vel, cell in f.hits[note]:
                r = _R[_role(v.dm.articulation_of(note, vel))]
                seen[r] += 1
                music += log_cells[r][cell]
            for r, c in seen.items():
                rc[r] += c
                per_role.setdefault(r, []).append(c)
            role_of_note[note] = seen.most_common(1)[0][0]
            continue
        r = v.roles[note]
        role_of_note[note] = r
        n = sum(cells)
        rc[r] += n
        per_role.setdefault(r, []).append(n)
        lc = log_cells[r]
        music += sum(c * lc[i] for i, c in enumerate(cells) if c)
    unknown = rc[_UNKNOWN]
    rc[_UNKNOWN] = 0
    music += _dm(rc, a_role) + unknown * (_UNKNOWN_HIT if f.dynamics else _UNKNOWN_HIT + math.log(4))
    # Occam: each note the file uses is one pick among the map's notes for that piece. (Per
    # note, not per hit: a drummer plays tip and edge of the same hat on purpose.)
    notes = -sum(len(counts) * math.log(v.per_role[r]) for r, counts in per_role.items() if r != _UNKNOWN)
    if v.channel10 and f.channel != 10:
        music += _OFF_CHANNEL
    return _Reading(music, notes, f.n - unknown, role_of_note)


# --- detection -------------------------------------------------------------------------------


def _detect(path: str | os.PathLike[str] | bytes, views: list[_MapView], name: str | None = None) -> FileDetection:
    det = FileDetection(path=name or (os.fspath(path) if not isinstance(path, bytes) else "<bytes>"))
    try:
        part = _drums(parse(path) if isinstance(path, bytes) else read(path))
    except MidiFileError as e:
        det.error = str(MidiFileError(e.what, offset=e.offset, track=e.track))
        return det
    except Exception as e:  # noqa: BLE001  a reader bug must not stop a run over a whole library
        det.error = f"mapkit could not read this file ({type(e).__name__}: {e}); please report it"
        return det
    if not part.hits:
        det.error = "no drum notes" if part.note_channels else "no notes"
        return det
    return _rank(det, _features(part), views)


def _rank(det: FileDetection, f: _Notes, views: list[_MapView]) -> FileDetection:
    det.hits = f.n
    readings = {v.name: _read(f, v) for v in views}
    total = {m: r.music + r.notes for m, r in readings.items()}
    det.totals = total
    post = {m: total[m] + _MAP_PRIOR.get(m, 0.0) for m in total}
    top = max(post.values())
    temperature = max(1.0, f.n / _HITS_WORTH)
    z = sum(math.exp((p - top) / temperature) for p in post.values())
    ranked = sorted(post, key=lambda m: (-post[m], m))
    det.ranking = [Candidate(m, round(post[m] / f.n, 4), round(math.exp((post[m] - top) / temperature) / z, 4),
                             round(readings[m].known / f.n, 4)) for m in ranked]
    best = ranked[0]
    # Maps that hear every note as the same piece get the same music score: the file cannot
    # tell them apart, whatever the ranking among them (note choice, prior) says.
    hear = readings[best].role_of_note
    det.tied = [m for m in ranked[1:] if readings[m].role_of_note == hear]
    det.evidence = _evidence(f, views, readings, det)
    return det


_ROLE_WORDS = {"kick": "a kick", "snare": "a snare", "sidestick": "a side stick", "hihat_closed": "a closed hi-hat",
               "hihat_pedal": "a pedal hi-hat", "hihat_open": "an open hi-hat", "tom_high": "a high tom",
               "tom_mid": "a mid tom", "tom_floor": "a floor tom", "ride": "a ride", "ride_bell": "a ride bell",
               "crash": "a crash", "fx_cymbal": "a china/splash", "percussion": "percussion",
               "other": "an effect", "hihat_cc": "a pedal-controlled hi-hat", "unknown": "unknown"}


def _evidence(f: _Notes, views: list[_MapView], readings: dict[str, _Reading], det: FileDetection) -> list[str]:
    by_name = {v.name: v for v in views}
    best = det.ranking[0].map
    rivals = [c.map for c in det.ranking[1:] if c.map not in det.tied][:2]
    lines = []
    per_note = sorted(f.cells, key=lambda n: -f.count(n))

    def reading(m: str, note: int) -> str:
        art = by_name[m].dm.articulation_of(note)
        return f"{_ROLE_WORDS[ROLES[readings[m].role_of_note[note]]]} ({art})" if art else "unknown"

    # Notes the runners-up hear as other pieces: that is what decided between them.
    differ = [n for n in per_note if any(readings[r].role_of_note[n] != readings[best].role_of_note[n] for r in rivals)]
    for note in differ[:3]:
        parts = [f"{reading(best, note)} in {best}"]
        parts += [f"{reading(r, note)} in {r}" for r in rivals
                  if readings[r].role_of_note[note] != readings[best].role_of_note[note]]
        lines.append(f"note {note} used {f.count(note):,} time{'' if f.count(note) == 1 else 's'}: " + ", ".join(parts))
    busiest = [n for n in per_note[:4] if n not in differ[:3]]
    if busiest:
        lines.append(f"in {best} (and its runners-up alike): "
                     + "; ".join(f"{n} ({f.count(n):,}x) {reading(best, n)}" for n in busiest))
    # The rhythm as the best map hears it.
    hear = readings[best].role_of_note
    def share(roles: set[str], slots: set[int]) -> tuple[int, float]:
        counts = [c for n, r in hear.items() if ROLES[r] in roles for c in [f.slots(n)]]
        n = sum(sum(c) for c in counts)
        return n, (sum(c[s] for c in counts for s in slots) / n if n else 0.0)
    n, on = share({"kick"}, {0, 8})
    if n:
        lines.append(f"as {best} hears it, {on:.0%} of {n:,} kicks land on beats 1 and 3")
    n, on = share({"snare"}, {4, 12})
    if n:
        lines.append(f"{on:.0%} of {n:,} snares on the backbeat (2 and 4)")
    n, on = share({"hihat_closed", "ride"}, set(range(0, 16, 2)))
    if n:
        lines.append(f"{on:.0%} of {n:,} hi-hat/ride strokes on eighths")
    if det.tied:
        why = ("the most common map" if _MAP_PRIOR.get(best, 0) > max(_MAP_PRIOR.get(m, 0) for m in det.tied)
               else "its notes are the more specific for these sounds")
        lines.append(f"{', '.join(det.tied[:6])}{' ...' if len(det.tied) > 6 else ''} hear this file the same "
                     f"way; {best} first: {why}")
    cov = det.ranking[0].coverage
    if cov < 1:
        unknown = [n for n, r in hear.items() if r == _UNKNOWN]
        lines.append(f"{1 - cov:.0%} of hits on notes {best} does not know: "
                     + ", ".join(f"{n} ({f.count(n)}x)" for n in sorted(unknown, key=lambda n: -f.count(n))))
    return lines


def _views(maps: Iterable[str | DrumMap] | None) -> list[_MapView]:
    return [_view(load_map(m)) for m in maps] if maps is not None else [_view(m) for m in list_maps()]


def detect_file(path: str | os.PathLike[str] | bytes, maps: Iterable[str | DrumMap] | None = None) -> FileDetection:
    """Rank ``maps`` (default: every known map) for one file (a path, or the file's bytes)."""
    return _detect(path, _views(maps))


def detect(path: str | os.PathLike[str], maps: Iterable[str | DrumMap] | None = None, *,
           progress: Callable[[int, int], None] | None = None) -> DetectionReport:
    """Rank the known maps for a file, or for every MIDI file under a folder. Never raises for a bad file."""
    from .convert import find_files  # convert imports the library; keep this module importable on its own

    views = _views(maps)
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    files, _ = find_files(root)
    report = DetectionReport()
    for i, p in enumerate(files):
        report.files.append(_detect(p, views))
        if progress:
            progress(i + 1, len(files))
    return report


def best_map(path: str | os.PathLike[str]) -> str | None:
    """The map a file or a whole folder is most likely in (for ``convert --from auto``).

    A folder is judged as one library (pooled evidence); None when nothing explains it.
    """
    report = detect(path)
    if not any(f.best for f in report.files):
        return None
    return report.pooled()[0][0]
