"""The drum language model: continue a seed pattern in its own style.

``generate(seed, steps=32, temperature=1.0, rng_seed=None, variations=1)`` runs
the shipped LSTM in NumPy. Training (``train*.py``) is the only part that needs
PyTorch, and nothing here imports it.

Modules, in the order data flows: ``events`` (steps <-> 512 events, position
features), ``dataset`` (folders of drum MIDI), ``corpus`` (a prepared corpus
file; ``load_split`` reads either), ``training_files`` (a split as model
inputs), ``train`` (the PyTorch loop, with ``train_batches``,
``train_checkpoint``, ``train_distributed``, ``train_config``,
``train_report``), ``weights`` (the .npz + JSON spec), ``lstm`` (NumPy
inference), ``sampling``, ``drum_model`` (the public API), ``ngram`` (the
baseline) and ``evaluate``.
"""

from .drum_model import DrumModel, generate, load_default_model, load_model

__all__ = ["DrumModel", "generate", "load_default_model", "load_model"]
