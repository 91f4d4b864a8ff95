"""Shared fixtures. Tests that need ../shared (the reference corpora) skip with a reason when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
GROOVE = CORPORA / "groove-midi"
BROKEN = CORPORA / "broken"
GM_SONGS = CORPORA / "gm-songs"

needs_shared = pytest.mark.skipif(
    not CORPORA.is_dir(), reason=f"../shared/corpora not found at {CORPORA} (a user's clone; CI has it)"
)


def corpus_files(folder: Path, pattern: str = "*.mid*") -> list[Path]:
    return sorted(p for p in folder.rglob(pattern) if p.is_file()) if folder.is_dir() else []


@pytest.fixture(scope="session")
def groove_files() -> list[Path]:
    files = corpus_files(GROOVE)
    if not files:
        pytest.skip(f"Groove MIDI corpus not found at {GROOVE} (a user's clone; CI has it)")
    return files
