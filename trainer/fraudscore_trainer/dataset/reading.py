"""Read a described dataset strictly: every value parses as its column says, or
a `DataError` names the file, row, column and value. Rows come back in time
order (stable), with the label as 0/1 and problems the build can live with
listed as warnings."""
import hashlib
from dataclasses import dataclass, field
from typing import List

import numpy as np
import pandas as pd

from fraudscore_trainer.dataset.description import NUMERIC_TIME_FORMATS, Description, DescriptionError


class DataError(ValueError):
    """The data does not match its description."""


@dataclass
class Dataset:
    description: Description
    frame: pd.DataFrame        # the described columns; numbers as float (NaN = missing), text as str / None
    y: np.ndarray              # int64 0/1
    entity_y: object           # int64 0/1 from an entity_label column, or None
    time: np.ndarray           # float64 (steps, or Unix seconds for text formats); row order if no time column
    fingerprint: str           # SHA-256 over the files' bytes
    warnings: List[str] = field(default_factory=list)

    def __len__(self):
        return len(self.frame)


def fingerprint(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _where(frame, i) -> str:
    """'file F, line L' for row i of the concatenated frame (line 1 is the header)."""
    return f"{frame['__file__'].iat[i]}, line {int(frame['__line__'].iat[i])}"


def _read_files(d: Description):
    """(rows of every file, columns of the files that the description does not mention)."""
    parts, undescribed = [], []
    for path in d.paths():
        if not path.exists():
            raise DataError(f"data file {path} (in [data] files) does not exist")
        try:
            part = pd.read_csv(path, dtype=str, keep_default_na=False, sep=d.delimiter)
        except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as e:
            raise DataError(f"cannot read {path} as CSV: {e}") from None
        missing = [c for c in d.columns if c not in part.columns]
        if missing:
            raise DataError(f"{path.name} has no column {', '.join(repr(c) for c in missing)} (described); its "
                            f"columns are: {', '.join(part.columns)}")
        undescribed += [c for c in part.columns if c not in d.columns and c not in undescribed]
        part = part[list(d.columns)].copy()
        part["__file__"] = path.name
        part["__line__"] = np.arange(2, len(part) + 2)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if frame.empty:
        raise DataError("the data files hold no rows")
    return frame, undescribed


def _numbers(frame, name, refuse_missing=False, minimum=float("nan")) -> np.ndarray:
    text = frame[name].str.strip()
    values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=np.float64)
    bad = (np.isnan(values) & (text != "").to_numpy()) | np.isinf(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{_where(frame, i)}, column {name!r}: {frame[name].iat[i]!r} is not a finite number "
                        f"({int(bad.sum())} such rows)")
    if refuse_missing and np.isnan(values).any():
        i = int(np.flatnonzero(np.isnan(values))[0])
        raise DataError(f"{_where(frame, i)}, column {name!r}: value is missing (the description says "
                        "missing = \"refuse\")")
    below = values < minimum
    if below.any():
        i = int(np.flatnonzero(below)[0])
        raise DataError(f"{_where(frame, i)}, column {name!r}: {values[i]:g} is below the described min {minimum:g}")
    return values


def _times(frame, col) -> np.ndarray:
    if col.format in ("step", "unix_seconds", "unix_milliseconds"):
        return _numbers(frame, col.name, refuse_missing=True)
    text = frame[col.name].str.strip()
    if col.format == "iso8601":
        parsed = pd.to_datetime(text, errors="coerce", utc=True)
    else:
        parsed = pd.to_datetime(text, format=col.format, errors="coerce", utc=True)
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{_where(frame, i)}, column {col.name!r}: {frame[col.name].iat[i]!r} is not a time in "
                        f"format {col.format!r} ({int(bad.sum())} such rows)")
    return (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=np.float64)


def time_value(col, value, where) -> float:
    """A cut-off from the description in the units `Dataset.time` has for this column: a number as it is
    (Unix seconds for a text time), a date string converted (not for a step time)."""
    if not isinstance(value, str):
        return float(value)
    if col.format == "step":
        raise DescriptionError(f"{where}: {value!r}: the time column {col.name!r} counts steps; give a step number")
    parsed = pd.to_datetime(value, errors="coerce", utc=True)
    if pd.isna(parsed):
        raise DescriptionError(f"{where}: {value!r} is not a date (use ISO 8601, e.g. \"2020-06-01\")")
    seconds = (parsed - pd.Timestamp(0, tz="UTC")).total_seconds()
    return seconds * 1000.0 if col.format == "unix_milliseconds" else seconds


def _labels(frame, col) -> np.ndarray:
    text = frame[col.name].str.strip()
    empty = (text == "").to_numpy()
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise DataError(f"{_where(frame, i)}, label column {col.name!r}: the label is missing")
    values = sorted(text.unique())
    numeric = pd.to_numeric(text, errors="coerce")
    if not numeric.isna().any():   # 1, 1.0 and "1" are one value
        values = sorted(numeric.unique())
        positive = pd.to_numeric(pd.Series([str(col.positive)]), errors="coerce").iat[0]
        is_positive = (numeric == positive).to_numpy()
    else:
        positive = str(col.positive)
        is_positive = (text == positive).to_numpy()
    if len(values) > 2:
        shown = ", ".join(repr(v) for v in values[:6]) + (", ..." if len(values) > 6 else "")
        raise DataError(f"label column {col.name!r} has {len(values)} distinct values ({shown}); a label has two "
                        "(fraud and not fraud)")
    if positive not in values:
        raise DataError(f"label column {col.name!r}: no row has the positive value {col.positive!r} (its values: "
                        f"{', '.join(repr(v) for v in values)}); set positive = to the value that means fraud")
    if len(values) < 2:
        raise DataError(f"label column {col.name!r}: every row is {values[0]!r}; training needs both classes")
    return is_positive.astype(np.int64)


def _text(frame, name, refuse_missing, what) -> pd.Series:
    text = frame[name].str.strip()
    empty = (text == "").to_numpy()
    if refuse_missing and empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise DataError(f"{_where(frame, i)}, {what} {name!r}: value is missing")
    return text.where(~empty, None)


def read(d: Description) -> Dataset:
    """The described rows, checked, in time order."""
    frame, undescribed = _read_files(d)
    out = pd.DataFrame(index=frame.index)
    for c in d.columns.values():
        if c.role == "feature" and c.type == "numeric":
            out[c.name] = _numbers(frame, c.name, c.missing == "refuse", c.min)
        elif c.role == "feature":
            refuse = c.missing == "refuse" or c.unknown == "refuse" or c.type == "identifier"
            out[c.name] = _text(frame, c.name, refuse, "column")
        elif c.role == "key":
            out[c.name] = _text(frame, c.name, True, "key column")
        elif c.role == "time":
            # The scorer reads a numeric time as it is; a text time orders rows only (the model keeps none of it).
            out[c.name] = _numbers(frame, c.name, True) if c.format in NUMERIC_TIME_FORMATS else frame[c.name]
    y = _labels(frame, d.label)
    entity_y = _labels(frame, d.entity_label) if d.entity_label else None
    warnings = []
    if undescribed:
        warnings.append(f"columns not in the description are not read: {', '.join(undescribed)} "
                        "(list them with role = \"ignored\" to silence this)")
    time = _times(frame, d.time) if d.time else np.arange(len(frame), dtype=np.float64)
    if d.time:
        backwards = int((np.diff(time) < 0).sum())
        if backwards:
            warnings.append(f"{backwards} rows are earlier than the row before them: rows were sorted by "
                            f"{d.time.name!r} (stable); send rows to the scorer in time order too")
            order = np.argsort(time, kind="stable")
            out, y, time = out.iloc[order].reset_index(drop=True), y[order], time[order]
            entity_y = entity_y[order] if entity_y is not None else None
    if d.key is not None and d.window_mode == "per_key":
        counts = out[d.key.name].value_counts()
        single = int((counts == 1).sum())
        if single:
            warnings.append(f"{single} of {len(counts)} keys ({d.key.name!r}) have one row: their windows hold only "
                            "that row")
    return Dataset(description=d, frame=out.reset_index(drop=True), y=y, entity_y=entity_y, time=time,
                   fingerprint=fingerprint(d.paths()), warnings=warnings)
