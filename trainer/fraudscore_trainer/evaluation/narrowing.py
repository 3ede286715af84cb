"""What narrowing a model's weights costs: the model file at float32, float16 and int8 (`quantize`),
each scored by the fraudscore CLI on labelled CSV files, side by side.

    python3 -m fraudscore_trainer narrowing-report MODEL.fsmodel --data FILE.csv [--data ...]
        [--label isFraud] [--order-by step] [--last-fraction 0.2 | --test-from VALUE] [--cli PATH]
        [--holdout FILE.csv ...] [--wasm fraudscore.wasm] [--card MODEL.md]

Every file is scored as one stream (rows in --order-by order, stable; per-key windows as in
training); metrics are taken on the last --last-fraction of those rows, or on the rows whose --order-by
value is at least --test-from (the honest time split's test part when the file is the training data),
or on all rows (the default). Prints a markdown table: file bytes (and gzipped, as a page downloads
it; with --wasm, the .wasm and the model together), ROC-AUC and PR-AUC per data file, and the largest
probability change from float32. With --card, the table also goes into the model card's "Narrowed
weights" section, with the command that reproduces it."""
import argparse
import gzip
import io
import os
import shlex
import sys
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from fraudscore_trainer.modelfile import quantize
from fraudscore_trainer.paths import REPO
from fraudscore_trainer.reports.modelcard import replace_card_section

CARD_HEADING = "Narrowed weights"


def _cli(path):
    if path:
        return path
    found = os.environ.get("FRAUDSCORE_CLI") or next(iter(sorted(REPO.glob("build/*/cli/fraudscore"))), None)
    if not found:
        raise SystemExit("narrowing-report: no fraudscore CLI (build one: cmake --preset ci && "
                         "cmake --build --preset ci --target fraudscore_cli, or give --cli)")
    return str(found)


def score(cli, model, csv_path) -> np.ndarray:
    out = subprocess.run([cli, "score", str(model), str(csv_path), "--reasons", "0"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"narrowing-report: {cli} score {model} {csv_path}: {out.stderr.strip()}")
    return pd.read_csv(io.StringIO(out.stdout))["probability"].to_numpy()


def add_arguments(p: argparse.ArgumentParser):
    p.add_argument("model")
    p.add_argument("--data", action="append", required=True, help="a labelled CSV with the model's columns")
    p.add_argument("--holdout", action="append", default=[],
                   help="a labelled CSV whose metrics are taken on all of its rows (e.g. real rows never trained on)")
    p.add_argument("--label", default="isFraud")
    p.add_argument("--order-by", default=None, help="score rows in this column's order (stable)")
    p.add_argument("--last-fraction", type=float, default=1.0, help="metrics on the last fraction of the rows")
    p.add_argument("--test-from", type=float, default=None,
                   help="metrics on the rows whose --order-by value is at least this (e.g. a test split's first day)")
    p.add_argument("--cli", default=None, help="the fraudscore CLI (default: $FRAUDSCORE_CLI or build/*/cli/fraudscore)")
    p.add_argument("--wasm", default=None, help="a fraudscore .wasm: add what a page downloads, .wasm + model, gzipped")
    p.add_argument("--card", default=None, help="write the table into this model card's \"Narrowed weights\" section")


def gzip_size(data: bytes) -> int:
    """Bytes after gzip -9, as a web server would send a static file."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def first_metric_row(df, order_by, test_from, last_fraction):
    """The index of the first row metrics are taken on, in `df` (already in `order_by` order): the first
    row whose `order_by` value is at least `test_from`, or the start of the last `last_fraction`."""
    if test_from is not None:
        return int((df[order_by].to_numpy() < test_from).sum())
    return int(round(len(df) * (1.0 - last_fraction)))


def run(args):
    if args.test_from is not None and not args.order_by:
        raise SystemExit("narrowing-report: --test-from needs --order-by")
    cli = _cli(args.cli)
    source = Path(args.model).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        files = {"float32": (Path(args.model), source)}
        for precision in quantize.PRECISIONS:
            data, _ = quantize.quantize_bytes(source, precision)
            path = Path(tmp) / f"{precision}.fsmodel"
            path.write_bytes(data)
            files[precision] = (path, data)
        metrics, reference = {}, {}
        for data_path in args.data + args.holdout:
            df = pd.read_csv(data_path)
            if args.order_by:
                df = df.sort_values(args.order_by, kind="stable")
            ordered = Path(tmp) / "ordered.csv"
            df.to_csv(ordered, index=False)
            first = 0 if data_path in args.holdout else first_metric_row(df, args.order_by, args.test_from,
                                                                          args.last_fraction)
            y = df[args.label].to_numpy()[first:]
            for precision, (path, _) in files.items():
                p = score(cli, path, ordered)[first:]
                if precision == "float32":
                    reference[data_path] = p
                metrics[(precision, data_path)] = (roc_auc_score(y, p), average_precision_score(y, p),
                                                   float(np.max(np.abs(p - reference[data_path]))))
    return render(args, files, metrics)


def render(args, files, metrics):
    """The Markdown table and its note (printed, and with --card written into the card)."""
    wasm = Path(args.wasm).read_bytes() if args.wasm else None
    every = args.data + args.holdout
    heads = " | ".join(f"{Path(d).name}: ROC-AUC / PR-AUC / max abs dp" for d in every)
    lines = [f"| weights | model file bytes | gzipped |" + (" .wasm + model, gzipped |" if wasm else "") + f" {heads} |",
             "|---|---:|---:|" + ("---:|" if wasm else "") + "---|" * len(every)]
    for precision, (_, data) in files.items():
        size, zipped = len(data), gzip_size(data)
        cells = " | ".join(f"{m[0]:.4f} / {m[1]:.4f} / {m[2]:.2g}" for m in (metrics[(precision, d)] for d in every))
        both = f" {gzip_size(wasm) + zipped:,} |" if wasm else ""
        lines.append(f"| {precision} | {size:,} | {zipped:,} |{both} {cells} |")
    part = (f"the rows with `{args.order_by}` >= {args.test_from:g}" if args.test_from is not None
            else f"the last {args.last_fraction:.0%} of each file's rows" + (f" in `{args.order_by}` order" if args.order_by else ""))
    note = f"metrics on {part}" + ("".join(f"; on all rows of {Path(h).name}" for h in args.holdout)) + \
        "; every file scored as one stream from its first row by the fraudscore CLI."
    if wasm:
        note += f" The .wasm ({Path(args.wasm).name}) is {len(wasm):,} bytes, {gzip_size(wasm):,} gzipped."
    table = "\n".join(lines) + "\n\n" + note + "\n"
    print(table)
    if args.card:
        replace_card_section(args.card, CARD_HEADING, card_section(table))
        print(f"updated the {CARD_HEADING} section of {args.card}", file=sys.stderr)
    return table


def card_section(table):
    """The card's section: what narrowing is, the table, and the command that made it."""
    command = " ".join(shlex.quote(a) for a in ["python3", "-m", "fraudscore_trainer"] + sys.argv[1:])
    return (f"## {CARD_HEADING}\n"
            "The same model with its weight matrices stored as float16 or int8 (one scale per row), "
            "`python3 -m fraudscore_trainer quantize MODEL --precision float16|int8 --out OUT`; the core "
            "decodes them to float32 at load, so only the download shrinks, not the memory or the speed. "
            "Each file below is scored by the CLI on the same rows:\n\n" + table +
            f"\nReproduce (from `trainer/`, with a built CLI): `{command}`\n")
