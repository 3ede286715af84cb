"""From a description and the training rows to the model file's feature spec
(features.Spec): the columns the scorer reads, the features the core computes
from them, and the window. Vocabularies come from the training rows only."""
import pandas as pd

from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.dataset.description import NUMERIC_TIME_FORMATS, SECONDS_PER_DAY, Description

UNKNOWN = "__unknown__"   # the vocabulary entry unseen (and missing) categories map to
MAX_ONE_HOT = 16          # categorical columns with at most this many entries are one-hot encoded


def vocabulary(values: pd.Series, col) -> list:
    """The column's N most frequent training values (ties by value), plus the unknown bucket."""
    counts = values.dropna().value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    words = [w for w, _ in ranked[:col.max_categories] if w != UNKNOWN]
    return words + [UNKNOWN] if col.unknown == "bucket" else words


def _numeric_column(c) -> feat.Column:
    refuse = c.missing == "refuse"
    return feat.Column(c.name, feat.NUMERIC, missing_allowed=not refuse, missing_value=0.0 if refuse else c.missing,
                       min_value=c.min)


def _categorical(c, train: pd.DataFrame):
    words = vocabulary(train[c.name], c)
    if not words:
        raise ValueError(f"categorical column {c.name!r} has no value in the training rows")
    bucket = c.unknown == "bucket"
    column = feat.Column(c.name, feat.CATEGORICAL, vocabulary=words, missing_allowed=bucket,
                         missing_value=float(len(words) - 1) if bucket else 0.0,
                         unknown_index=len(words) - 1 if bucket else -1)
    if len(words) <= MAX_ONE_HOT:
        features = [feat.Feature(f"{c.name}={w}", feat.OP_ONE_HOT, c.name, parameter=float(i), reason_code=c.name,
                                 normalise=False)
                    for i, w in enumerate(words)]
    else:
        features = [feat.Feature(c.name, feat.OP_CATEGORY_INDEX, c.name)]
    return column, features


def _time_column(d, description: Description, columns: dict) -> None:
    """A derived feature of the time column makes the scorer read it."""
    time = description.columns[d.a]
    if time.role == "time":
        columns.setdefault(time.name, feat.Column(time.name, feat.TIME, missing_allowed=False))


def largest_gap(train: pd.DataFrame, column: str, key) -> float:
    """The largest step of `column` between consecutive training rows of a key (or of the
    stream): the default value of time_since_previous for a key's first row, as long ago as
    anything seen."""
    values = pd.to_numeric(train[column], errors="coerce")
    gaps = values.groupby(train[key]).diff() if key is not None else values.diff()
    gaps = gaps.dropna()
    return float(gaps.max()) if len(gaps) else 0.0


def _derived(d, description: Description, columns: dict, train: pd.DataFrame) -> feat.Feature:
    log1p = d.transform == "log1p"
    clip = dict(log1p=log1p, clip_min=d.clip_min, clip_max=d.clip_max)
    if d.op == "difference":
        return feat.Feature(d.name, feat.OP_DIFFERENCE, d.a, d.b, log1p=log1p, clip_min=d.clip_min, clip_max=d.clip_max)
    if d.op == "ratio":
        return feat.Feature(d.name, feat.OP_RATIO, d.a, d.b, parameter=d.parameter, log1p=log1p, clip_min=d.clip_min,
                            clip_max=d.clip_max)
    if d.op in ("time_of_day", "day_of_week"):
        _time_column(d, description, columns)
        day = SECONDS_PER_DAY.get(description.columns[d.a].format, d.parameter)   # a step time: its steps per day
        return feat.Feature(d.name, feat.OP_MODULO if d.op == "time_of_day" else feat.OP_DAY_OF_WEEK, d.a,
                            parameter=day)
    if d.op == "time_since_previous":
        _time_column(d, description, columns)
        key = description.key.name if description.window_mode == "per_key" else None
        first = d.first_event if d.first_event == d.first_event else largest_gap(train, d.a, key)
        return feat.Feature(d.name, feat.OP_SINCE_PREVIOUS, d.a, parameter=first, **clip)
    if d.op == "relative_to_history":
        return feat.Feature(d.name, feat.OP_RELATIVE_TO_HISTORY, d.a, parameter=d.parameter, **clip)
    if d.op == "prefix_flag":
        return feat.Feature(d.name, feat.OP_PREFIX_FLAG, d.a, text=d.text, normalise=False)
    raise ValueError(f"unknown derived op {d.op!r}")


def build_spec(description: Description, train: pd.DataFrame) -> feat.Spec:
    """The feature spec for this description, fitted on `train` (vocabularies); the caller
    fits normalisation and ranges (features.fit_normalisation) on the same rows."""
    columns, features = {}, []
    key = description.key if description.window_mode == "per_key" else None
    if key is not None:
        columns[key.name] = feat.Column(key.name, feat.IDENTIFIER, missing_allowed=False)
    for c in description.features():
        if c.type == "identifier":        # read by prefix_flag features only
            columns[c.name] = feat.Column(c.name, feat.IDENTIFIER, missing_allowed=False)
        elif c.type == "numeric":
            columns[c.name] = _numeric_column(c)
            if not c.direct:
                continue
            features.append(feat.Feature(c.name, feat.OP_VALUE, c.name, log1p=c.transform == "log1p",
                                         clip_min=c.clip_min, clip_max=c.clip_max))
        else:
            columns[c.name], more = _categorical(c, train)
            features += more
    for d in description.derived:
        if d.op == "prefix_flag" and d.a not in columns:
            columns[d.a] = feat.Column(d.a, feat.IDENTIFIER, missing_allowed=False)
        f = _derived(d, description, columns, train)
        f.reason_code = d.name     # a reason names the derived feature, not its first column
        f.reason_text = f"{d.name} is unusual"
        features.append(f)
    time = description.time
    if time is not None and time.format in NUMERIC_TIME_FORMATS:
        # The scorer reads a numeric time column even when no feature does: the rows a client sends carry it,
        # and they are ordered by it. A text time orders the training rows only (the core reads numbers).
        columns.setdefault(time.name, feat.Column(time.name, feat.TIME, missing_allowed=False))
    order = list(description.columns)   # columns in the order the description lists them
    ordered = sorted(columns.values(), key=lambda col: order.index(col.name))
    return feat.Spec(ordered, features, window_length=description.window_length,
                     window_mode=feat.WINDOW_PER_KEY if key is not None else feat.WINDOW_GLOBAL,
                     key_column=key.name if key is not None else None,
                     time_column=time.name if time is not None and time.name in columns else None)


def describe_features(spec: feat.Spec) -> str:
    """One line per feature for logs."""
    return ", ".join(spec.feature_names)
