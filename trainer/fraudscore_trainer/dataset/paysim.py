"""Loading and validating PaySim transaction logs.

Reads the public PaySim release (``PS_20174392719_1491204439457_log.csv``), samples of it, and
the output of :mod:`fraudscore_trainer.dataset.simulators.paysim`, which share one header. Validation happens
here, once, so that feature code downstream can rely on clean dtypes, known transaction types,
0/1 labels and time order instead of re-checking them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

PAYSIM_COLUMNS = [
    "step",
    "type",
    "amount",
    "nameOrig",
    "oldbalanceOrg",
    "newbalanceOrig",
    "nameDest",
    "oldbalanceDest",
    "newbalanceDest",
    "isFraud",
    "isFlaggedFraud",
]
PAYSIM_TYPES = ("CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER")

_MONEY_COLUMNS = ["amount", "oldbalanceOrg", "newbalanceOrig", "oldbalanceDest", "newbalanceDest"]
_LABEL_COLUMNS = ["isFraud", "isFlaggedFraud"]
_HASH_CHUNK_BYTES = 1 << 20


def load_paysim(path, nrows: int | None = None) -> pd.DataFrame:
    """Read and validate a PaySim CSV; return its rows in step order with a RangeIndex.

    Only the eleven PaySim columns are returned, in canonical order (extra columns are dropped).
    The sort is stable, so rows keep their file order within a step: sequence models read the
    stream in that order, and a sample file that is not sorted becomes one that is.
    Raises ValueError naming the offending columns or values when the file does not fit.
    """
    source = Path(path)
    # float_precision: correctly rounded, as the core's strtod reads the same file (pandas' default
    # parser can be one ulp off; on PaySim's two-decimal amounts both agree, this costs ~15%).
    df = pd.read_csv(
        source,
        nrows=nrows,
        dtype={"type": str, "nameOrig": str, "nameDest": str},
        low_memory=False,
        float_precision="round_trip",
    )
    _check_columns(df, source)
    df = df[PAYSIM_COLUMNS].copy()
    _check_no_missing(df, source)
    df["step"] = _integer_column(df, "step", source)
    for column in _MONEY_COLUMNS:
        df[column] = _numeric_column(df, column, source).astype(np.float64)
    for column in _LABEL_COLUMNS:
        df[column] = _label_column(df, column, source)
    _check_types(df, source)
    return df.sort_values("step", kind="stable").reset_index(drop=True)


def fingerprint(path) -> str:
    """SHA-256 hex digest of a file's bytes, read in chunks so multi-GB logs fit in memory.

    Recorded in model provenance so a model can be traced to the exact data it was trained on.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_columns(df: pd.DataFrame, source: Path) -> None:
    missing = [column for column in PAYSIM_COLUMNS if column not in df.columns]
    if missing:
        raise ValueError(f"{source}: missing PaySim column(s): {', '.join(missing)}")


def _check_no_missing(df: pd.DataFrame, source: Path) -> None:
    empty = [column for column in PAYSIM_COLUMNS if df[column].isna().any()]
    if empty:
        raise ValueError(f"{source}: missing values in column(s): {', '.join(empty)}")


def _numeric_column(df: pd.DataFrame, column: str, source: Path) -> pd.Series:
    try:
        return pd.to_numeric(df[column], errors="raise")
    except (ValueError, TypeError) as error:
        raise ValueError(f"{source}: column {column} is not numeric ({error})") from None


def _integer_column(df: pd.DataFrame, column: str, source: Path) -> pd.Series:
    values = _numeric_column(df, column, source)
    if not np.all(np.mod(values.to_numpy(dtype=np.float64), 1.0) == 0.0):
        raise ValueError(f"{source}: column {column} has non-integer values")
    return values.astype(np.int64)


def _label_column(df: pd.DataFrame, column: str, source: Path) -> pd.Series:
    values = _numeric_column(df, column, source)
    bad = sorted(set(values.unique()) - {0, 1})
    if bad:
        raise ValueError(f"{source}: column {column} must be 0/1, found {bad[:5]}")
    return values.astype(np.int64)


def _check_types(df: pd.DataFrame, source: Path) -> None:
    unknown = sorted(set(df["type"].unique()) - set(PAYSIM_TYPES))
    if unknown:
        raise ValueError(
            f"{source}: unknown transaction type(s) {unknown}; expected one of {list(PAYSIM_TYPES)}"
        )
