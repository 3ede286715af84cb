"""Model families as plug-ins. A family module builds a `Family` and calls
`register` once; the shared pipeline (own_data.py) and the command line look
families up here and never name one. Adding a family: a folder here whose family.py
registers it, and its line in `_MODULES`."""
from dataclasses import dataclass
from importlib import import_module
from typing import Callable, Dict, Tuple

_MODULES = ("crnn", "lstm_attn", "lle_svm", "gbdt")   # the families trained from a dataset description


class FamilyError(ValueError):
    """A description or data this family cannot train on (said plainly)."""


def _any_description(description):
    return None


@dataclass(frozen=True)
class Family:
    name: str                  # as on the command line and in the core's fs_model_info.kind
    summary: str               # one line for --help and the model card
    window_modes: Tuple[str, ...]  # description window modes it can train
    # fit(data: dataset.Dataset, spec, split, options, log) -> result dict with at least: model, spec, risk,
    # history, test (metrics.summary), baselines (name -> {"test": summary}), p_val, p_test, y, split,
    # train_windows, and for the plots x, indices, raw_test, attention_test
    fit: Callable
    # model_bytes(name, description_text, result, provenance) -> bytes of the model file
    model_bytes: Callable
    # write_golden(path, result, rows_frame) -> number of rows written (tests/golden format)
    write_golden: Callable
    # network_text(result) -> one paragraph for the model card
    network_text: Callable
    # probabilities(result, rows_frame) -> calibrated probability of every row, scored as one fresh stream
    # (windows from these rows only), as the core scores them: --holdout files
    probabilities: Callable
    # check_description(description) raises FamilyError before any data is read
    check_description: Callable = _any_description
    # whether --epochs means anything to fit (the rebuild command in the card names it only then)
    trains_in_epochs: bool = True


_REGISTRY: Dict[str, Family] = {}


def register(family: Family) -> Family:
    if family.name in _REGISTRY:
        raise ValueError(f"family {family.name!r} registered twice")
    _REGISTRY[family.name] = family
    return family


def _load():
    for module in _MODULES:
        import_module(f"{__name__}.{module}.family")


def get(name: str) -> Family:
    if not _REGISTRY:
        _load()
    if name not in _REGISTRY:
        raise KeyError(f"unknown family {name!r}; known: {', '.join(names())}")
    return _REGISTRY[name]


def names():
    if not _REGISTRY:
        _load()
    return sorted(_REGISTRY)
