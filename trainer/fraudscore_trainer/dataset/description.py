"""A dataset description: which file(s), and for every column its role and type.

The file form is TOML (read with the standard library's `tomllib`); the same
structure in Python is `Description` below. `trainer/README.md` documents the
format field by field. Reading is strict: an unknown field, a missing one or a
value of the wrong kind is a `DescriptionError` naming the field, never a
traceback.
"""
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

FORMAT_VERSION = 1
ROLES = ("feature", "key", "time", "label", "entity_label", "ignored")
TYPES = ("numeric", "categorical", "identifier")
TIME_FORMATS = ("step", "unix_seconds", "unix_milliseconds", "iso8601")  # or a strftime pattern (has a '%')
NUMERIC_TIME_FORMATS = ("step", "unix_seconds", "unix_milliseconds")    # the scorer reads these as numbers
TRANSFORMS = ("none", "log1p")
UNKNOWN_POLICIES = ("bucket", "refuse")
WINDOW_MODES = ("per_key", "global")
DERIVED_OPS = ("difference", "ratio", "time_of_day", "day_of_week", "prefix_flag", "time_since_previous",
               "relative_to_history")
CLOCK_OPS = ("time_of_day", "day_of_week")
SECONDS_PER_DAY = {"unix_seconds": 86400.0, "unix_milliseconds": 86_400_000.0}


class DescriptionError(ValueError):
    """The description itself is wrong (a field, a value, a contradiction)."""


@dataclass
class ColumnDescription:
    name: str
    role: str = "feature"
    type: str = "numeric"                 # features (and keys: identifier)
    known_at_decision: Optional[bool] = None  # features: must be said (True/False)
    transform: str = "none"               # numeric: "log1p" for heavy-tailed amounts
    min: float = math.nan                 # numeric: values below are refused
    clip_min: float = math.nan
    clip_max: float = math.nan
    missing: object = 0.0                 # a number, or "refuse"
    max_categories: int = 32              # categorical: the N most frequent in training
    unknown: str = "bucket"               # categorical: unseen values -> one bucket, or refused
    format: str = ""                      # time: one of TIME_FORMATS or a strftime pattern
    positive: object = 1                  # label: the value that means fraud
    direct: bool = True                   # features: False = read only by derived features (e.g. a home
                                          # latitude used for a distance, not on its own)
    note: str = ""                        # free text (shown in the model card)


@dataclass
class DerivedFeature:
    name: str
    op: str
    a: str
    b: str = ""
    parameter: float = 0.0
    text: str = ""
    transform: str = "none"
    clip_min: float = math.nan
    clip_max: float = math.nan
    first_event: float = math.nan     # time_since_previous: the value for a key's first row (NaN: the
                                      # largest gap in the training rows)


@dataclass
class SplitDescription:
    """How rows are split into train, validation and test.
    by = "time": rows before train_end train, rows before validation_end calibrate and choose thresholds,
    the rest test (in the time column's units; a date string for a Unix or text time).
    by = "key": whole keys (companies, cards) in the shares below, keys that ever have fraud spread
    evenly, so validation and test see only unseen keys (for panels: one row per key and period)."""
    by: str = "time"
    train_end: object = None
    validation_end: object = None
    train_share: float = 0.6
    validation_share: float = 0.2


@dataclass
class DynamicDescription:
    """Thresholds the scorer adapts per segment (a categorical feature's value, or one global segment) so
    that each segment's alert rate stays near the validation split's."""
    segment: str = ""                     # "": one segment for every row
    target_alert_rate: float = math.nan   # NaN: the block threshold's alert rate on validation


@dataclass
class Description:
    name: str
    files: List[str]
    columns: Dict[str, ColumnDescription]
    window_length: int = 10
    window_mode: str = "per_key"
    delimiter: str = ","
    source: str = ""                                    # where the files come from (shown in the model card)
    derived: List[DerivedFeature] = field(default_factory=list)
    base_dir: Path = field(default_factory=Path.cwd)   # where relative file names start
    split: Optional["SplitDescription"] = None          # None: 60/20/20 of the rows in time order
    dynamic_thresholds: Optional["DynamicDescription"] = None

    def with_role(self, role) -> List[ColumnDescription]:
        return [c for c in self.columns.values() if c.role == role]

    def one(self, role) -> Optional[ColumnDescription]:
        found = self.with_role(role)
        return found[0] if found else None

    @property
    def label(self) -> ColumnDescription:
        return self.one("label")

    @property
    def entity_label(self) -> Optional[ColumnDescription]:
        """A second label, per row, about the key (e.g. the account is later closed for fraud)."""
        return self.one("entity_label")

    @property
    def key(self) -> Optional[ColumnDescription]:
        return self.one("key")

    @property
    def time(self) -> Optional[ColumnDescription]:
        return self.one("time")

    def features(self) -> List[ColumnDescription]:
        """Feature columns the model may use: those known at decision time."""
        return [c for c in self.with_role("feature") if c.known_at_decision]

    def direct_features(self) -> List[ColumnDescription]:
        """Feature columns the model reads as they are (not only through derived features)."""
        return [c for c in self.features() if c.direct and c.type != "identifier"]

    def excluded(self) -> List[ColumnDescription]:
        """Feature columns known only after the payment: never given to the model."""
        return [c for c in self.with_role("feature") if not c.known_at_decision]

    def paths(self) -> List[Path]:
        return [(self.base_dir / f) if not Path(f).is_absolute() else Path(f) for f in self.files]


# --- reading -------------------------------------------------------------------

_COLUMN_FIELDS = {
    "role": str, "type": str, "known_at_decision": bool, "transform": str, "min": float, "clip_min": float,
    "clip_max": float, "missing": object, "max_categories": int, "unknown": str, "format": str,
    "positive": object, "direct": bool, "note": str,
}
_DERIVED_FIELDS = {"name": str, "op": str, "a": str, "b": str, "parameter": float, "text": str, "transform": str,
                   "clip_min": float, "clip_max": float, "first_event": float}
NUMERIC_TIMES = ("step", "unix_seconds", "unix_milliseconds")


def _check_fields(table: dict, allowed, where: str):
    for k in table:
        if k not in allowed:
            raise DescriptionError(f"{where}: unknown field {k!r} (allowed: {', '.join(sorted(allowed))})")


def _typed(value, kind, where):
    if kind is object:
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DescriptionError(f"{where}: {value!r} is not a number")
        return float(value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DescriptionError(f"{where}: {value!r} is not an integer")
        return value
    if not isinstance(value, kind):
        raise DescriptionError(f"{where}: {value!r} is not a {kind.__name__}")
    return value


def _one_of(value, allowed, where):
    if value not in allowed:
        raise DescriptionError(f"{where}: {value!r} is not one of {', '.join(allowed)}")


def _column(name: str, table: dict) -> ColumnDescription:
    where = f"[columns.{name}]"
    if not isinstance(table, dict):
        raise DescriptionError(f"{where} must be a table")
    _check_fields(table, _COLUMN_FIELDS, where)
    col = ColumnDescription(name=name)
    for k, v in table.items():
        setattr(col, k, _typed(v, _COLUMN_FIELDS[k], f"{where} {k}"))
    _one_of(col.role, ROLES, f"{where} role")
    if col.role == "feature":
        _one_of(col.type, TYPES, f"{where} type")
        if col.known_at_decision is None:
            raise DescriptionError(f"{where}: say whether the column is known when a payment is scored "
                                   "(known_at_decision = true, or false for a value known only afterwards: "
                                   "the model never uses those)")
    _one_of(col.transform, TRANSFORMS, f"{where} transform")
    _one_of(col.unknown, UNKNOWN_POLICIES, f"{where} unknown")
    if not (isinstance(col.missing, (int, float)) and not isinstance(col.missing, bool)) and col.missing != "refuse":
        raise DescriptionError(f"{where} missing: {col.missing!r} is neither a number nor \"refuse\"")
    if col.missing != "refuse":
        col.missing = float(col.missing)
    if not 1 <= col.max_categories <= 1000:
        raise DescriptionError(f"{where} max_categories: {col.max_categories} is outside 1..1000")
    if col.role == "time":
        if not col.format:
            raise DescriptionError(f"{where}: a time column needs format = one of {', '.join(TIME_FORMATS)} or a "
                                   "strftime pattern such as \"%Y-%m-%d %H:%M:%S\"")
        if col.format not in TIME_FORMATS and "%" not in col.format:
            raise DescriptionError(f"{where} format: {col.format!r} is not one of {', '.join(TIME_FORMATS)} and "
                                   "not a strftime pattern")
    if col.role in ("label", "entity_label") and isinstance(col.positive, (dict, list)):
        raise DescriptionError(f"{where} positive: give one value")
    return col


def _derived(i: int, table: dict, columns) -> DerivedFeature:
    where = f"[[derived]] #{i + 1}"
    if not isinstance(table, dict):
        raise DescriptionError(f"{where} must be a table")
    _check_fields(table, _DERIVED_FIELDS, where)
    for required in ("name", "op", "a"):
        if required not in table:
            raise DescriptionError(f"{where}: missing field {required!r}")
    d = DerivedFeature(**{k: _typed(v, _DERIVED_FIELDS[k], f"{where} {k}") for k, v in table.items()})
    _one_of(d.op, DERIVED_OPS, f"{where} op")
    _one_of(d.transform, TRANSFORMS, f"{where} transform")
    for ref in (d.a, d.b) if d.op in ("difference", "ratio") else (d.a,):
        if ref not in columns:
            raise DescriptionError(f"{where} ({d.name}): no described column {ref!r}")
    if d.op in ("difference", "ratio"):
        for ref in (d.a, d.b):
            c = columns[ref]
            if not (c.role == "feature" and c.type == "numeric" and c.known_at_decision):
                raise DescriptionError(f"{where} ({d.name}): {ref!r} must be a numeric feature known at decision time")
    if d.op in ("ratio", "relative_to_history") and not d.parameter > 0:
        raise DescriptionError(f"{where} ({d.name}): {d.op} needs parameter > 0 (the least divisor)")
    if d.op == "relative_to_history":
        c = columns[d.a]
        if not (c.role == "feature" and c.type == "numeric" and c.known_at_decision):
            raise DescriptionError(f"{where} ({d.name}): {d.a!r} must be a numeric feature known at decision time")
    if d.op == "time_since_previous":
        c = columns[d.a]
        numeric_time = c.role == "time" and c.format in NUMERIC_TIMES
        if not (numeric_time or c.role == "feature" and c.type == "numeric" and c.known_at_decision):
            raise DescriptionError(f"{where} ({d.name}): time_since_previous needs the time column in step, "
                                   "unix_seconds or unix_milliseconds, or a numeric feature known at decision time")
    if d.op in CLOCK_OPS:
        c = columns[d.a]
        if c.role != "time" or c.format not in NUMERIC_TIMES:
            raise DescriptionError(f"{where} ({d.name}): {d.op} needs the time column in unix_seconds, "
                                   "unix_milliseconds or step (the scorer reads numbers, not text dates)")
        if c.format == "step" and not d.parameter > 0:
            raise DescriptionError(f"{where} ({d.name}): with a step time, parameter = the steps in one day "
                                   "(24 for hourly steps)")
    if d.op == "prefix_flag" and (not (columns[d.a].role == "key" or columns[d.a].role == "feature"
                                       and columns[d.a].type == "identifier" and columns[d.a].known_at_decision)
                                  or not d.text):
        raise DescriptionError(f"{where} ({d.name}): prefix_flag needs a key column, or an identifier feature known "
                               "at decision time, and text")
    return d


def _split(table, columns) -> Optional[SplitDescription]:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise DescriptionError("[split] must be a table")
    fields = {"by": str, "train_end": object, "validation_end": object, "train_share": float,
              "validation_share": float}
    _check_fields(table, fields, "[split]")
    s = SplitDescription(**{k: _typed(v, fields[k], f"[split] {k}") for k, v in table.items()})
    _one_of(s.by, ("time", "key"), "[split] by")
    if s.by == "time":
        for k in ("train_end", "validation_end"):
            v = getattr(s, k)
            if v is None:
                raise DescriptionError(f"[split]: missing field {k!r} (rows before train_end train, rows before "
                                       "validation_end validate, the rest test)")
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                raise DescriptionError(f"[split] {k}: {v!r} is neither a time value nor a date")
        if not any(c.role == "time" for c in columns.values()):
            raise DescriptionError("[split] by = \"time\" needs a column with role = \"time\" (the cut-offs are "
                                   "times)")
    else:
        if s.train_end is not None or s.validation_end is not None:
            raise DescriptionError("[split] by = \"key\" splits keys by share: train_end and validation_end are "
                                   "for by = \"time\"")
        if not any(c.role == "key" for c in columns.values()):
            raise DescriptionError("[split] by = \"key\" needs a column with role = \"key\"")
        if not (0 < s.train_share and 0 < s.validation_share and s.train_share + s.validation_share < 1):
            raise DescriptionError(f"[split]: train_share ({s.train_share:g}) and validation_share "
                                   f"({s.validation_share:g}) must be > 0 and leave a test share")
    return s


def _dynamic(table, columns) -> Optional[DynamicDescription]:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise DescriptionError("[dynamic_thresholds] must be a table")
    _check_fields(table, {"segment", "target_alert_rate"}, "[dynamic_thresholds]")
    d = DynamicDescription(segment=_typed(table.get("segment", ""), str, "[dynamic_thresholds] segment"),
                           target_alert_rate=_typed(table.get("target_alert_rate", math.nan), float,
                                                    "[dynamic_thresholds] target_alert_rate"))
    if d.segment:
        c = columns.get(d.segment)
        if c is None or not (c.role == "feature" and c.type == "categorical" and c.known_at_decision):
            raise DescriptionError(f"[dynamic_thresholds] segment: {d.segment!r} must be a categorical feature "
                                   "known at decision time (the scorer keeps one threshold per category)")
    if not math.isnan(d.target_alert_rate) and not 0 < d.target_alert_rate < 0.5:
        raise DescriptionError(f"[dynamic_thresholds] target_alert_rate: {d.target_alert_rate:g} is outside (0, 0.5)")
    return d


def from_dict(data: dict, base_dir: Path = None) -> Description:
    """The Python structure from the parsed TOML (or any dict of the same shape)."""
    _check_fields(data, {"version", "name", "data", "window", "columns", "derived", "split", "dynamic_thresholds"},
                  "description")
    if data.get("version") != FORMAT_VERSION:
        raise DescriptionError(f"description: version = {FORMAT_VERSION} is required (found {data.get('version')!r})")
    if not isinstance(data.get("name"), str) or not data["name"]:
        raise DescriptionError("description: name = \"...\" is required")
    source = data.get("data")
    if not isinstance(source, dict) or "files" not in source:
        raise DescriptionError("[data]: files = [\"transactions.csv\"] is required")
    _check_fields(source, {"files", "delimiter", "source"}, "[data]")
    files = source["files"]
    if isinstance(files, str):
        files = [files]
    if not files or not all(isinstance(f, str) and f for f in files):
        raise DescriptionError("[data] files: a non-empty list of file names")
    delimiter = _typed(source.get("delimiter", ","), str, "[data] delimiter")
    if len(delimiter) != 1:
        raise DescriptionError(f"[data] delimiter: {delimiter!r} is not one character")
    tables = data.get("columns")
    if not isinstance(tables, dict) or not tables:
        raise DescriptionError("[columns.<name>]: describe at least the label and one feature")
    columns = {name: _column(name, t) for name, t in tables.items()}
    window = data.get("window", {})
    _check_fields(window, {"length", "mode"}, "[window]")
    length = _typed(window.get("length", 10), int, "[window] length")
    if not 1 <= length <= 512:
        raise DescriptionError(f"[window] length: {length} is outside 1..512")
    mode = window.get("mode", "per_key")
    _one_of(mode, WINDOW_MODES, "[window] mode")
    derived = [_derived(i, t, columns) for i, t in enumerate(data.get("derived", []))]
    where_from = _typed(source.get("source", ""), str, "[data] source")
    d = Description(name=data["name"], files=list(files), columns=columns, window_length=length, window_mode=mode,
                    delimiter=delimiter, source=where_from, derived=derived, base_dir=base_dir or Path.cwd(),
                    split=_split(data.get("split"), columns),
                    dynamic_thresholds=_dynamic(data.get("dynamic_thresholds"), columns))
    _check_roles(d)
    return d


def _check_roles(d: Description):
    for role in ("label", "entity_label", "key", "time"):
        found = d.with_role(role)
        if len(found) > 1:
            raise DescriptionError(f"description: {len(found)} columns have role = \"{role}\" "
                                   f"({', '.join(c.name for c in found)}); at most one may")
    if d.label is None:
        raise DescriptionError("description: no column has role = \"label\" (the column that says which rows "
                           "are fraud)")
    if d.window_mode == "per_key" and d.key is None:
        raise DescriptionError("[window] mode = \"per_key\" needs a column with role = \"key\" (the card, account "
                               "or customer whose history forms the window), or mode = \"global\"")
    ids = [c.name for c in d.features() if c.type == "identifier"
           and not any(x.op == "prefix_flag" and x.a == c.name for x in d.derived)]
    if ids:
        raise DescriptionError(f"description: {', '.join(ids)} has type = \"identifier\": such a column is read "
                               "only by a prefix_flag derived feature, and none reads it")
    indirect = [c.name for c in d.features() if not c.direct and c.type != "numeric"]
    if indirect:
        raise DescriptionError(f"description: direct = false is for numeric columns read by derived features "
                               f"({', '.join(indirect)} is categorical)")
    unused = [c.name for c in d.features() if not c.direct and not any(c.name in (x.a, x.b) for x in d.derived)]
    if unused:
        raise DescriptionError(f"description: {', '.join(unused)} has direct = false but no derived feature reads it")
    if not d.direct_features() and not d.derived:
        raise DescriptionError("description: no feature column is known at decision time: the model would have "
                               "nothing to read")
    names = [c.name for c in d.features()] + [f.name for f in d.derived]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise DescriptionError(f"description: feature name(s) used twice: {', '.join(sorted(dup))}")


def load(path) -> Description:
    """Read a TOML description; relative data file names start at its folder."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as e:
        raise DescriptionError(f"cannot read description {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise DescriptionError(f"{path}: not valid TOML: {e}") from None
    return from_dict(data, base_dir=path.resolve().parent)
