"""Draft a dataset description from a CSV file, for the user to check and edit:
`fraudscore-train describe DATA [--label COL] [--key COL] [--time COL] > data.toml`.

Roles and types are inferred from names and values; the flags set the roles a
file cannot reveal. Every guess the user should check carries a comment."""
import json
import re
from pathlib import Path

import pandas as pd

from fraudscore_trainer.dataset.description import FORMAT_VERSION, DescriptionError

SAMPLE_ROWS = 200_000
LABEL_NAMES = ("is_fraud", "isfraud", "fraud", "is_fraudulent", "label", "target", "class", "fraud_flag")
KEY_HINTS = ("cc_num", "card", "account", "acct", "customer", "cust", "user", "client", "nameorig", "enterprise",
             "company", "member", "payer", "sender")
TIME_HINTS = ("time", "step", "date", "timestamp", "ts", "created")
POST_HINTS = ("newbalance", "balance_after", "after", "chargeback", "flagged", "dispute", "outcome", "review")
MAX_CATEGORICAL = 1000


def _bare(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _numeric(text: pd.Series):
    filled = text[text.str.strip() != ""]
    values = pd.to_numeric(filled, errors="coerce")
    return values if len(values) and not values.isna().any() else None


def _time_format(name: str, text: pd.Series, numeric):
    if numeric is not None:
        if "step" in name.lower():
            return "step"
        median = float(numeric.median())
        if 1e8 <= median < 1e11:
            return "unix_seconds"
        if 1e11 <= median < 1e14:
            return "unix_milliseconds"
        return "step"
    sample = text[text.str.strip() != ""].head(1000)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d"):
        if len(sample) and pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            return fmt
    if len(sample) and pd.to_datetime(sample, errors="coerce", utc=True).notna().all():
        return "iso8601"
    return None


def _constant_per_key(df, key, columns):
    """Columns that hold one value per key in (nearly) every key with two or more rows."""
    sizes = df.groupby(key, sort=False)[key].transform("size")
    repeated = df[sizes >= 2]
    if repeated.empty:
        return set()
    out = set()
    for c in columns:
        if c == key:
            continue
        distinct = repeated.groupby(key, sort=False)[c].nunique()
        if (distinct <= 1).mean() >= 0.99:
            out.add(c)
    return out


def _pick(candidates, flag, role, columns):
    if flag:
        if flag not in columns:
            raise DescriptionError(f"--{role} {flag!r}: the file has no such column (its columns: {', '.join(columns)})")
        return flag
    return candidates[0] if candidates else None


def draft(path, label=None, key=None, time=None, sample_rows=SAMPLE_ROWS) -> str:
    """The TOML text of a draft description of the CSV at `path`."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=sample_rows)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, EOFError) as e:
        raise DescriptionError(f"cannot read {path} as CSV: {e}") from None
    if df.empty:
        raise DescriptionError(f"{path} has no rows")
    columns = list(df.columns)
    numeric = {c: _numeric(df[c]) for c in columns}
    unique = {c: df[c].nunique() for c in columns}
    n = len(df)

    labels = [c for c in columns if c.lower() in LABEL_NAMES and unique[c] == 2]
    label = _pick(labels, label, "label", columns)
    if label is None:
        raise DescriptionError(f"no column looks like a fraud label (two values, named like {', '.join(LABEL_NAMES[:3])}"
                               "): name it with --label COL")
    times = [c for c in columns if c != label and any(h in c.lower() for h in TIME_HINTS)
             and _time_format(c, df[c], numeric[c])]
    times.sort(key=lambda c: (_time_format(c, df[c], numeric[c]) not in ("unix_seconds", "unix_milliseconds"),
                              columns.index(c)))
    time = _pick(times, time, "time", columns)
    keys = [c for c in columns if c not in (label, time) and any(h in c.lower() for h in KEY_HINTS)
            and 1 < unique[c] < n]
    key = _pick(keys, key, "key", columns)

    lines = [
        "# fraudscore dataset description: drafted by `fraudscore-train describe`; check every guess,",
        "# then train with `fraudscore-train build --description THIS_FILE --family crnn --out DIR --name NAME`.",
        "# The format: trainer/README.md, \"The dataset description\".",
        f"version = {FORMAT_VERSION}",
        f"name = {json.dumps(re.sub(r'[^A-Za-z0-9_-]+', '-', path.name.split('.')[0]).strip('-') or 'my-data')}",
        "",
        "[data]",
        f"files = [{json.dumps(str(path.resolve()))}]   # absolute, or relative to this file's folder",
        "",
        "[window]",
        "length = 10",
        f"mode = {json.dumps('per_key' if key else 'global')}"
        + ("   # each row is scored on its key's last `length` rows" if key else ""),
        "",
        "# Each column: role = feature | key | time | label | ignored. Feature columns say whether they are",
        "# known when a payment is scored (known_at_decision): set false for values filled in afterwards",
        "# (balances after the payment, chargebacks, review outcomes); the model never reads those.",
    ]
    derived, heavy = [], []
    per_key = _constant_per_key(df, key, columns) if key else set()
    for c in columns:
        lines += ["", f"[columns.{_bare(c)}]"]
        text = df[c]
        if c == label:
            values = sorted(text.unique())
            positive = "1" if "1" in values else values[-1]
            lines += ['role = "label"', f"positive = {json.dumps(positive)}   # the value that means fraud "
                      f"(values seen: {', '.join(values)})"]
        elif c == time:
            fmt = _time_format(c, text, numeric[c]) or "iso8601"
            lines += ['role = "time"', f"format = {json.dumps(fmt)}"]
            if fmt in ("unix_seconds", "unix_milliseconds"):
                derived.append(c)
        elif c == key:
            lines += ['role = "key"', f"# {unique[c]:,} distinct values in {n:,} rows"]
        elif c in per_key:
            lines += [f'role = "ignored"   # the same for every row of a {key}: an attribute of the {key}, not of the '
                      'payment;', f'# a model would memorise which {key}s saw fraud. Set role = "feature" to use it.']
        elif unique[c] == n and n > 1 and numeric[c] is None:
            lines += ['role = "ignored"   # unique in every row: a transaction id']
        elif numeric[c] is not None:
            v = numeric[c]
            lines += ['role = "feature"', 'type = "numeric"', "known_at_decision = true"
                      + ("   # looks like a post-payment value: check" if any(h in c.lower() for h in POST_HINTS)
                         else "")]
            if v.min() >= 0:
                lines.append("min = 0")
                if v.quantile(0.99) > 10 * (v.median() + 1):
                    lines.append('transform = "log1p"   # heavy-tailed')
                    heavy.append(c)
            if (text.str.strip() == "").any():
                lines.append("missing = 0   # or \"refuse\"")
        elif _time_format(c, text, None) and c != time:
            lines += ['role = "ignored"   # a date or time; the scorer does not parse text dates']
        elif unique[c] <= MAX_CATEGORICAL:
            lines += ['role = "feature"', 'type = "categorical"', "known_at_decision = true",
                      f"max_categories = 32   # {unique[c]:,} distinct values; the rest share one bucket",
                      'unknown = "bucket"   # or "refuse": unseen values are refused at scoring time']
        else:
            lines += [f'role = "ignored"   # {unique[c]:,} distinct values: too many for a category']
    for c in derived:
        for op in ("time_of_day", "day_of_week"):
            lines += ["", "[[derived]]", f'name = "{c}_{op}"', f'op = "{op}"', f"a = {json.dumps(c)}"]
        lines += ["", f"# Computed by the scorer from the {key or 'stream'}'s previous rows (its window):", "[[derived]]",
                  f'name = "since_previous_{c}"', 'op = "time_since_previous"', f"a = {json.dumps(c)}",
                  'transform = "log1p"']
    for c in heavy if key else []:
        lines += ["", "[[derived]]", f'name = "{c}_vs_recent"',
                  f'op = "relative_to_history"   # {c} over its mean in the {key}\'s previous rows',
                  f"a = {json.dumps(c)}", "parameter = 1.0", 'transform = "log1p"']
    return "\n".join(lines) + "\n"


def summary_line(text: str) -> str:
    roles = re.findall(r'^role = "(\w+)"', text, flags=re.M)
    return ", ".join(f"{roles.count(r)} {r}" for r in dict.fromkeys(roles))

