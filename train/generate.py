"""``generate``: new loops from a trained run (or a ``.mag`` bundle), in the user's own sampler map."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from . import _magenta  # noqa: F401  (must come before TensorFlow and Magenta)

import note_seq  # noqa: E402
from magenta.models.drums_rnn import drums_rnn_model, drums_rnn_sequence_generator  # noqa: E402
from magenta.models.shared import sequence_generator_bundle  # noqa: E402
from note_seq.protobuf import generator_pb2  # noqa: E402

import mapkit  # noqa: E402

from .training import load_config  # noqa: E402

__all__ = ["generator", "generate", "bundle"]


def generator(run_dir: str | Path | None = None, bundle_file: str | Path | None = None):
    """Magenta's drums RNN generator from the latest checkpoint of a run, or from a bundle."""
    if bundle_file is not None:
        b = sequence_generator_bundle.read_bundle_file(str(bundle_file))
        cfg = drums_rnn_model.default_configs[b.generator_details.id]
        cfg.hparams.batch_size = 1
        return drums_rnn_sequence_generator.DrumsRnnSequenceGenerator(
            model=drums_rnn_model.DrumsRnnModel(cfg), details=cfg.details,
            steps_per_quarter=cfg.steps_per_quarter, bundle=b)
    cfg = load_config(run_dir)
    cfg.hparams.batch_size = 1
    train_dir = Path(run_dir) / "train"
    if not any(train_dir.glob("*.index")):
        raise FileNotFoundError(f"no checkpoint in {train_dir}: run `mapkit train run {run_dir}` first")
    return drums_rnn_sequence_generator.DrumsRnnSequenceGenerator(
        model=drums_rnn_model.DrumsRnnModel(cfg), details=cfg.details,
        steps_per_quarter=cfg.steps_per_quarter, checkpoint=str(train_dir))


def _primer(primer: str | Path | None, bpm: float):
    if primer is None:
        return note_seq.DrumTrack([frozenset([36])]).to_sequence(qpm=bpm)
    data = mapkit.convert_bytes(Path(primer).read_bytes(), mapkit.best_map(primer) or "gm", "gm").data
    seq = note_seq.midi_to_note_sequence(data)
    q = note_seq.quantize_note_sequence(seq, 4)
    track = note_seq.DrumTrack()
    track.from_quantized_sequence(q, gap_bars=float("inf"))
    return track.to_sequence(qpm=bpm)


def generate(
    source: str | Path,
    out_dir: str | Path,
    *,
    bars: int = 4,
    count: int = 8,
    temperature: float = 1.0,
    primer: str | Path | None = None,
    target_map: str = "gm",
    bpm: float = 120.0,
    name: str = "loop",
    gen=None,
) -> list[Path]:
    """Write ``count`` loops of ``bars`` bars into ``out_dir``, in ``target_map``'s notes, at ``bpm``.

    ``source`` is a run directory or a ``.mag`` bundle.
    """
    src = Path(source)
    gen = gen or (generator(bundle_file=src) if src.suffix == ".mag" else generator(run_dir=src))
    target = mapkit.load_map(target_map)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds_per_step = 60.0 / bpm / 4
    start = _primer(primer, bpm)
    end_time = bars * 16 * seconds_per_step
    written = []
    for i in range(count):
        opts = generator_pb2.GeneratorOptions()
        opts.args["temperature"].float_value = temperature
        opts.generate_sections.add(start_time=max(start.total_time, seconds_per_step), end_time=end_time)
        seq = gen.generate(start, opts)
        with tempfile.TemporaryDirectory() as tmp:
            mid = Path(tmp) / "gm.mid"
            note_seq.sequence_proto_to_midi_file(seq, str(mid))
            data = mapkit.convert_bytes(mid.read_bytes(), "gm", target).data
        path = out / f"{name}-{i + 1:02d}.mid"
        tmp_path = path.with_name(f".{path.name}.tmp")
        tmp_path.write_bytes(data)
        os.replace(tmp_path, path)
        written.append(path)
    return written


def bundle(run_dir: str | Path, out_path: str | Path, description: str = "mapkit drums RNN") -> Path:
    """A ``.mag`` bundle of the run's latest checkpoint (for ``generate --bundle``)."""
    gen = generator(run_dir=run_dir)
    gen.create_bundle_file(str(out_path), description)
    return Path(out_path)
