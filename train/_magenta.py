"""Make Magenta's drums RNN run on Python 3.11 with TensorFlow 2.21, without patching Magenta.

Two runtime fixes (see ../shared/reference/magenta-drums-rnn-on-python311.md):
1. TF >= 2.16 ships Keras 3, whose RNN cells Magenta cannot use: the legacy Keras switch
   must be set before TensorFlow is first imported anywhere in the process.
2. tf-slim 1.1.0 (the newest) still looks for ``ops.IndexedSlices``, which TF 2.13 moved.

Import this module before anything imports TensorFlow or Magenta.
"""

from __future__ import annotations

import os
import sys
import warnings

if "tensorflow" not in sys.modules:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# note_seq imports pydub, which warns about ffmpeg at import; the drums RNN never plays audio.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg")
warnings.filterwarnings("ignore", category=DeprecationWarning)

from tensorflow.python.framework import indexed_slices, ops  # noqa: E402

if not hasattr(ops, "IndexedSlices"):
    ops.IndexedSlices = indexed_slices.IndexedSlices

import tensorflow.compat.v1 as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")  # TF 1 deprecation notices are Magenta's business, not the user's
tf.disable_v2_behavior()
try:  # absl logs every restore and save at INFO otherwise
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)
except ImportError:  # pragma: no cover
    pass
