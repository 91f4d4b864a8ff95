"""``train``: Magenta's drums RNN, trained in-process on a prepared run directory.

The graph is Magenta's own (``events_rnn_graph``); the loop is a plain
``MonitoredTrainingSession`` so that every step's loss and accuracy reach the caller's
progress bar. Checkpoints go to ``RUN_DIR/train`` and a later call resumes from the last
one. Ctrl-C stops after the current step and saves a checkpoint. The config and hparams
are stored in ``RUN_DIR/hparams.json`` on the first run, so ``generate`` and later runs
use the same model without anybody repeating them.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import _magenta  # noqa: F401  (must come before TensorFlow and Magenta)

import tensorflow.compat.v1 as tf  # noqa: E402
from magenta.models.drums_rnn import drums_rnn_model  # noqa: E402
from magenta.models.shared import events_rnn_graph  # noqa: E402

from .dataset import EVAL_FILE, TRAIN_FILE  # noqa: E402

__all__ = ["Step", "load_config", "train", "HparamsMismatch"]


class HparamsMismatch(ValueError):
    """A run directory trained with other hparams than the ones asked for now."""


@dataclass(slots=True)
class Step:
    step: int
    loss: float
    accuracy: float
    steps_per_second: float


def load_config(run_dir: str | Path, config: str | None = None, hparams: str | None = None):
    """The run's Magenta config: stored on its first use, then always the same."""
    path = Path(run_dir) / "hparams.json"
    if path.exists():
        stored = json.loads(path.read_text())
        if (config and config != stored["config"]) or (hparams and hparams != stored["hparams"]):
            raise HparamsMismatch(f"{run_dir} was trained with --config {stored['config']} --hparams "
                                  f"'{stored['hparams']}'; use a new run directory for other settings")
        config, hparams = stored["config"], stored["hparams"]
    else:
        config, hparams = config or "drum_kit", hparams or ""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"config": config, "hparams": hparams}, indent=1))
    cfg = copy.deepcopy(drums_rnn_model.default_configs[config])
    if hparams:
        cfg.hparams.parse(hparams)
    return cfg


def train(
    run_dir: str | Path,
    *,
    config: str | None = None,
    hparams: str | None = None,
    steps: int = 1000,
    checkpoint_every: int = 100,
    sample_every: int = 0,
    on_step: Callable[[Step], None] | None = None,
    on_sample: Callable[[int, Path], None] | None = None,
) -> Step | None:
    """Train until global step ``steps`` (resuming where the last run stopped); return the last step."""
    run = Path(run_dir)
    records = run / TRAIN_FILE
    if not records.exists():
        raise FileNotFoundError(f"{records} not found: run `mapkit train prepare` first")
    cfg = load_config(run, config, hparams)
    train_dir = run / "train"
    last: Step | None = None
    with tf.Graph().as_default():
        events_rnn_graph.get_build_graph_fn("train", cfg, [str(records)])()
        global_step = tf.train.get_or_create_global_step()
        loss = tf.get_collection("loss")[0]
        accuracy = tf.get_collection("metrics/accuracy")[0]
        train_op = tf.get_collection("train_op")[0]
        hooks = [tf.train.StopAtStepHook(last_step=steps)]
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(train_dir), hooks=hooks,
                                               save_checkpoint_steps=checkpoint_every, save_checkpoint_secs=None,
                                               save_summaries_steps=None, save_summaries_secs=None,
                                               log_step_count_steps=None) as sess:
            t_prev, s_prev = time.perf_counter(), None
            while not sess.should_stop():
                try:
                    _, gs, lo, acc = sess.run([train_op, global_step, loss, accuracy])
                except KeyboardInterrupt:
                    # Leave the loop normally so the session's end hooks save a checkpoint.
                    break
                now = time.perf_counter()
                rate = 0.0 if s_prev is None else (gs - s_prev) / max(now - t_prev, 1e-9)
                t_prev, s_prev = now, gs
                last = Step(int(gs), float(lo), float(acc), rate)
                if on_step:
                    on_step(last)
                if sample_every and gs % sample_every == 0 and on_sample:
                    on_sample(int(gs), train_dir)
    return last


def has_eval_set(run_dir: str | Path) -> bool:
    p = Path(run_dir) / EVAL_FILE
    return p.exists() and p.stat().st_size > 0
