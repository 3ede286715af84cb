"""The build pipeline for users' own data, shared by every family:
description -> strict read -> time-ordered split -> feature spec (fitted on the
training rows) -> the family's fit (with LR/RF/XGBoost on the same split) ->
model file -> golden vectors -> report -> model card, all under --out.

`fraudscore-train build --description data.toml --family crnn --out DIR --name NAME`
"""
import copy
import datetime
import json
import platform
import re
import time
from pathlib import Path

import numpy as np

from fraudscore_trainer import __version__, families
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.evaluation import operating_point
from fraudscore_trainer.evaluation import validation_curve
from fraudscore_trainer.reports import report
from fraudscore_trainer.modelfile import signing
from fraudscore_trainer.modelfile import golden as golden_rows
from fraudscore_trainer.dataset import DataError, DescriptionError, load, read
from fraudscore_trainer.dataset.spec import build_spec
from fraudscore_trainer.reports.modelcard import blank_line_before_headings, features_table, table
from fraudscore_trainer.evaluation.splits import split_at, split_by_key, split_by_time
from fraudscore_trainer.dataset.reading import time_value

GOLDEN_ROWS = 400


class BuildError(ValueError):
    """A build that cannot go on (said plainly, never a traceback)."""


def add_arguments(p):
    """The options of `build --description` (beside the PaySim build's shared ones: --epochs,
    --max-windows, --seed, --threads, --signing-key, --no-progress)."""
    g = p.add_argument_group("your own data (a dataset description)")
    g.add_argument("--description", help="the dataset description (TOML; `describe` drafts one)")
    g.add_argument("--family", choices=families.names(), help="the model family to train")
    g.add_argument("--out", help="folder for NAME.fsmodel, NAME.md, NAME.golden.csv, NAME-report/")
    g.add_argument("--name", help="model name (letters, digits, '-', '_', '.')")
    g.add_argument("--max-rows", type=int, default=0, help="use only the first N rows in time order (0: all)")
    g.add_argument("--golden-rows", type=int, default=GOLDEN_ROWS, help="test rows scored into NAME.golden.csv, "
                   f"the core's parity check (default {GOLDEN_ROWS})")
    g.add_argument("--holdout", help="a labelled file in the description's schema (a later month, another "
                   "region) that the finished model scores as one fresh stream; its figures go into the card")
    g.add_argument("--force", action="store_true", help="overwrite NAME's files in --out if they exist")
    g.add_argument("--threshold", default="max_f1", help="how the block threshold is chosen on validation: max_f1 "
                   "(default), alert_rate:R (block about a share R of payments), recall:R (catch at least R of "
                   "fraud) or cost:C (a missed fraud costs C false alarms)")


PAYSIM_ONLY = ("simulate_rows", "variant", "paper_epochs", "skip_paper_protocol")


def _outputs(out: Path, name: str):
    return {"model": out / f"{name}.fsmodel", "card": out / f"{name}.md", "golden": out / f"{name}.golden.csv",
            "report": out / f"{name}-report"}


def _check_outputs(args):
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", args.name):
        raise BuildError(f"--name {args.name!r}: use letters, digits, '-', '_' and '.'")
    paths = _outputs(Path(args.out), args.name)
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not args.force:
        raise BuildError(f"would overwrite {', '.join(existing)}; choose another --out or --name, or pass --force")
    return paths


def prepare(args, log):
    """(description, dataset, split, spec) after every check; raises DescriptionError,
    DataError or BuildError with a plain message."""
    description = load(args.description)
    if getattr(args, "data", None):   # the same schema in another file: the description's files replaced
        description.files = [str(Path(args.data).absolute())]
    family = families.get(args.family)
    if description.window_mode not in family.window_modes:
        raise BuildError(f"family {family.name} trains windows {', '.join(family.window_modes)}; the description "
                         f"asks for {description.window_mode!r}")
    family.check_description(description)
    data = read(description)
    for w in data.warnings:
        log(f"warning: {w}")
    if args.max_rows and args.max_rows < len(data):
        data.frame = data.frame.iloc[:args.max_rows].reset_index(drop=True)
        data.y, data.time = data.y[:args.max_rows], data.time[:args.max_rows]
        if data.entity_y is not None:
            data.entity_y = data.entity_y[:args.max_rows]
        log(f"using the first {args.max_rows:,} rows in time order (--max-rows)")
    split = _split(description, data, args.seed)
    y = data.y
    if len(split.train) == 0 or y[split.train].sum() == 0:
        raise DataError(f"no fraud in the training period ({split_text(description, 'train')}: "
                        f"{len(split.train):,} rows): nothing to learn from; use more data")
    if len(split.val) == 0 or len(split.test) == 0:
        raise DataError(f"the {'validation' if len(split.val) == 0 else 'test'} period "
                        f"({split_text(description, 'val' if len(split.val) == 0 else 'test')}) has no rows")
    if y[split.test].sum() == 0:
        log(f"warning: no fraud in the test period ({split_text(description, 'test')}): test figures are undefined")
    spec = build_spec(description, data.frame.iloc[split.train])
    return description, data, split, spec


def _time_name(description):
    return repr(description.time.name) if description.time else "row order"


def _split(description, data, seed):
    """The description's [split], or 60/20/20 of the rows in time order."""
    s = description.split
    if s is None:
        return split_by_time(data.time)
    if s.by == "key":
        return split_by_key(data.frame[description.key.name].astype(str).to_numpy(), data.y, s.train_share,
                            s.validation_share, seed)
    train_end = time_value(description.time, s.train_end, "[split] train_end")
    validation_end = time_value(description.time, s.validation_end, "[split] validation_end")
    if not train_end < validation_end:
        raise DescriptionError(f"[split]: train_end ({s.train_end!r}) must come before validation_end "
                               f"({s.validation_end!r})")
    return split_at(data.time, train_end, validation_end)


def split_text(description, part):
    """How a split's rows were chosen, for messages, reports and cards."""
    s = description.split
    if s is None:
        return {"train": f"the first 60% of rows by {_time_name(description)}",
                "val": "the next 20% of rows", "test": "the last 20% of rows"}[part]
    if s.by == "key":
        share = {"train": s.train_share, "val": s.validation_share,
                 "test": 1 - s.train_share - s.validation_share}[part]
        return f"every row of {share:.0%} of the `{description.key.name}` values"
    t = description.time.name
    return {"train": f"rows with {t} before {s.train_end}", "val": f"{t} from {s.train_end} to before {s.validation_end}",
            "test": f"{t} from {s.validation_end} on"}[part]


def protocol_name(description):
    return "unseen keys" if description.split and description.split.by == "key" else "time-ordered split"


def protocol_text(description):
    """The split as one sentence (cards and reports), from split_text's parts."""
    parts = {k: split_text(description, k) for k in ("train", "val", "test")}
    text = f"Train on {parts['train']}, validate on {parts['val']}, test on {parts['test']}"
    if description.split and description.split.by == "key":
        text += " (keys with fraud dealt out separately, so validation and test see only unseen keys)"
    return text + ", at the natural fraud prevalence."


def run(args, log=print):
    started = time.time()
    if getattr(args, "policy", None) is None:
        args.policy = operating_point.parse(getattr(args, "threshold", "max_f1"))
    paths = _check_outputs(args)
    description, data, split, spec = prepare(args, log)
    family = families.get(args.family)
    log(f"data: {len(data):,} rows, {int(data.y.sum()):,} fraud; features: {', '.join(spec.feature_names)}")
    result = family.fit(data, spec, split, args, log)
    if description.dynamic_thresholds:
        _add_dynamic_thresholds(description, data, result, log)
    data_text = (f"{', '.join(p.name for p in description.paths())}: {len(data):,} rows, {int(data.y.sum()):,} "
                 f"fraud ({data.y.mean():.2%}), described by `{Path(args.description).name}`.")
    if args.holdout:
        result["holdout"] = _score_holdout(args.holdout, description, family, result, log)
    provenance = _provenance(args, description, data, result, data_text)
    model_bytes = family.model_bytes(args.name, f"{family.name} trained on {description.name}", result, provenance)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    signing.write_model(paths["model"], model_bytes, args.signing_key)
    log(f"wrote {paths['model']} ({len(model_bytes):,} bytes)")
    rows = golden_rows.select_rows(data.frame, spec, split.test, args.golden_rows, args.seed, labels=data.y)
    n = family.write_golden(paths["golden"], result, data.frame.iloc[rows].reset_index(drop=True))
    log(f"wrote {paths['golden']} ({n} rows)")
    _write_report(paths["report"], args, family, description, result, data_text)
    validation_curve.write_json(paths["report"] / validation_curve.FILE_NAME, validation_curve.curve(
        args.name, validation_curve.checksum_hex(model_bytes), result["y"][split.val], result["p_val"],
        result["risk"]["review_threshold"], result["risk"]["decision_threshold"], _rebuild_command(args)))
    _write_card(paths, args, family, description, data, result, data_text, len(model_bytes))
    log(f"wrote {paths['report'] / 'report.md'} and {paths['card']}")
    log(f"done in {time.time() - started:.0f} s")
    return result


def _score_holdout(path, description, family, result, log):
    """--holdout: another labelled file in the description's schema, read as strictly as the training data and
    scored by the finished model the way the core serves it (one fresh stream, windows from that file only)."""
    held = copy.copy(description)
    held.files = [str(Path(path).absolute())]
    data = read(held)
    for w in data.warnings:
        log(f"warning: --holdout {Path(path).name}: {w}")
    if data.y.min() == data.y.max():
        raise DataError(f"--holdout {path}: every row is {'fraud' if data.y[0] else 'legitimate'}; the figures "
                        "need both")
    p = family.probabilities(result, data.frame)
    summary = metrics.summary(data.y, p, result["risk"]["decision_threshold"])
    summary.update(file=Path(path).name, fingerprint=data.fingerprint)
    log(f"holdout {Path(path).name}: {len(data):,} rows, {int(data.y.sum())} fraud: ROC-AUC {summary['roc_auc']:.4f}, "
        f"PR-AUC {summary['pr_auc']:.4f}, F1 {summary['f1']:.4f}")
    return summary


def _holdout_text(family, result):
    h = result.get("holdout")
    if not h:
        return ""
    return (f"`{h['file']}` ({h['n']:,} rows, {h['positives']:,} fraud; SHA-256 `{h['fingerprint'][:16]}…`), scored "
            "by this model file as one fresh stream (each row's window holds only that file's earlier rows), at the "
            "model's block threshold:\n\n" + table([(f"{family.name} (ours)", h)]))


def _add_dynamic_thresholds(description, data, result, log):
    """The description's [dynamic_thresholds] into the risk settings, and the test split scored as one
    stream with them beside the fixed thresholds (the card's comparison)."""
    dyn = description.dynamic_thresholds
    risk, split = result["risk"], result["split"]
    target = None if np.isnan(dyn.target_alert_rate) else dyn.target_alert_rate
    risk["dynamic"] = operating_point.dynamic_settings(result["p_val"], risk, dyn.segment or None, target)
    rows = data.frame.iloc[split.test]
    decisions, _ = golden_rows.expected_decisions(rows, result["spec"], result["p_test"], risk)
    y = result["y"][split.test]
    fixed = result["p_test"] >= risk["decision_threshold"]
    result["dynamic_test"] = {
        "fixed": metrics.at_threshold(y, fixed.astype(float), 0.5), "fixed_alert_rate": float(fixed.mean()),
        "dynamic": metrics.at_threshold(y, (decisions == 2).astype(float), 0.5),
        "dynamic_alert_rate": float((decisions == 2).mean())}
    log(f"dynamic thresholds ({'per ' + dyn.segment if dyn.segment else 'one segment'}): test alert rate fixed "
        f"{result['dynamic_test']['fixed_alert_rate']:.4f}, dynamic {result['dynamic_test']['dynamic_alert_rate']:.4f} "
        f"(target {risk['dynamic']['target_alert_rate']:.4f})")


def _dynamic_text(description, result):
    if "dynamic_test" not in result:
        return ""
    dyn, t = result["risk"]["dynamic"], result["dynamic_test"]
    where = f"per value of `{dyn['segment_column']}`" if dyn["segment_column"] else "for all rows together"
    return (f"\nDynamic thresholds {where}: the scorer's sessions move the block threshold (between "
            f"{dyn['min_threshold']:.4g} and {dyn['max_threshold']:.4g}) to hold the alert rate near "
            f"{dyn['target_alert_rate']:.4%}, and analysts' feedback shifts it (`fraudscore score "
            f"--dynamic-thresholds`; library sessions apply them by default). The test split scored as one stream: "
            f"fixed thresholds alert on {t['fixed_alert_rate']:.3%} (precision {t['fixed']['precision']:.3f}, "
            f"recall {t['fixed']['recall']:.3f}), dynamic on {t['dynamic_alert_rate']:.3%} (precision "
            f"{t['dynamic']['precision']:.3f}, recall {t['dynamic']['recall']:.3f}).\n")


def _provenance(args, description, data, result, data_text):
    config = {k: v for k, v in vars(args).items() if k not in ("func", "command", "signing_key", "policy",
                                                            "parser_defaults")}
    config.update(family=args.family, train_windows=result["train_windows"], epochs_run=len(result["history"]),
                  python=platform.python_version(),
                  description_text=Path(args.description).read_text(encoding="utf-8"))
    pairs = report.metrics_for_model_file(result["test"], "time_split")
    if "holdout" in result:
        pairs += report.metrics_for_model_file(result["holdout"], "holdout")
    return {"trainer_version": __version__,
            "created_utc": datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
            "data_fingerprint": data.fingerprint, "data_description": data_text, "seed": args.seed,
            "config": {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()},
            "metrics": pairs}


def _comparison_rows(family, result):
    rows = [(f"{family.name} (ours)", result["test"])]
    rows += [(name, b["test"]) for name, b in result.get("baselines", {}).items()]
    return rows


def _write_report(folder: Path, args, family, description, result, data_text):
    from fraudscore_trainer.reports import plots   # matplotlib, only when a report is written
    folder.mkdir(parents=True, exist_ok=True)
    split = result["split"]
    context = {
        "title": f"Evaluation: {args.name}", "model": f"{family.name}: {family.network_text(result)}",
        "data": data_text,
        "protocols": [{"name": protocol_name(description),
                       "description": protocol_text(description) + " The baselines see the same windows, "
                                      "flattened.",
                       "rows": dict(_comparison_rows(family, result)),
                       "threshold_note": "Thresholds tuned for max F1 on the validation split."}],
        "paper": None,
        "calibration": metrics.calibration_table(result["y"][split.test], result["p_test"])
        if result["y"][split.test].sum() else None,
        "plots": plots.report_plots(result, folder, f"{family.name} (ours)")
        if result["y"][split.test].sum() else {},
        "extra_sections": [("Holdout file", _holdout_text(family, result))] if "holdout" in result else [],
    }
    report.write_report(folder / "report.md", context)


def _curve(result):
    split, y = result["split"], result["y"]
    if not y[split.val].sum():
        return "(no fraud in the validation split: no curve)\n"
    rows = operating_point.curve(y[split.val], result["p_val"], result["risk"]["decision_threshold"])
    return operating_point.curve_table(rows)


def _write_card(paths, args, family, description, data, result, data_text, size):
    spec, risk = result["spec"], result["risk"]
    window = (f"the last {spec.window_length} rows of the same `{spec.key_column}`" if spec.key_column
              else f"the last {spec.window_length} rows of the stream")
    excluded = description.excluded()
    ranged = sum(1 for f in spec.features if not np.isnan(f.range_min))
    parts = [
        f"# {args.name}\n",
        f"A `{family.name}` model ({family.summary}) trained on `{description.name}` with the trainer's "
        f"own-data path.\n",
        "## Use\n",
        f"`fraudscore score {paths['model'].name} rows.csv` — the CSV needs the columns "
        + ", ".join(f"`{c.name}`" for c in spec.columns) + "; other columns are ignored. "
        f"Each row is scored on {window}, oldest first; send rows in time order.\n",
        "## Data\n",
        f"{data_text}\n\n" + (f"Source: {description.source}\n\n" if description.source else "")
        + f"Training data fingerprint (SHA-256): `{data.fingerprint}`. Model file: {size:,} bytes.\n",
        "## Known at decision time\n",
        "The model reads only columns the description marks `known_at_decision = true`: "
        + ", ".join(f"`{c.name}`" for c in description.features()) + ".\n"
        + ("Never read (known only after the payment): " + ", ".join(f"`{c.name}`" for c in excluded) + ".\n"
           if excluded else "No column is marked as known only after the payment.\n"),
        "## Features\n", features_table(spec, {c.name: c.note for c in description.columns.values() if c.note}),
        f"\nInput ranges: {ranged} of {len(spec.features)} features carry their training range; a value beyond it "
        f"(widened by {spec.range_margin:g} of its width) is clipped, counted in `out_of_range` and never "
        "approved without a look.\n",
        "## Network\n", family.network_text(result) + "\n",
        f"## Evaluation — {protocol_name(description)}\n",
        f"{protocol_text(description)} {result['test']['positives']:,} fraud in {result['test']['n']:,} test "
        "rows.\n\n",
        table(_comparison_rows(family, result)),
        "\n## Operating point\n",
        f"The block threshold gives {args.policy.describe()} (`--threshold {args.policy}`). Around it, on the "
        "validation split:\n\n" + _curve(result),
        "\n## Thresholds and bands\n",
        f"- `block` at or above **{risk['decision_threshold']:.6g}** (`--threshold {args.policy}` on validation);\n"
        f"- `step_up` at or above **{risk['review_threshold']:.6g}** (catches 95% of validation fraud);\n"
        f"- bands: low < {risk['band_cuts'][0]:.6g} ≤ medium < {risk['band_cuts'][1]:.6g} ≤ high < "
        f"{risk['band_cuts'][2]:.6g} ≤ critical.\n",
        _dynamic_text(description, result),
        "\n## Known limits\n",
        "- Probabilities are calibrated (Platt scaling) at the validation split's prevalence; recalibrate if the "
        "fraud rate in service differs.\n"
        f"- Figures come from one split of this data ({protocol_name(description)}); check them on later data "
        "before relying on the thresholds.\n",
        f"\nFull report: [{paths['report'].name}/report.md]({paths['report'].name}/report.md); the validation "
        f"curve at every threshold: [{paths['report'].name}/{validation_curve.FILE_NAME}]"
        f"({paths['report'].name}/{validation_curve.FILE_NAME}).\n",
        "\n## Rebuild\n",
        f"```\n{_rebuild_command(args)}\n```\n",
    ]
    if "holdout" in result:
        at = parts.index("\n## Thresholds and bands\n")
        parts[at:at] = ["\n## Holdout file\n", _holdout_text(family, result)]
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
    paths["card"].write_text(blank_line_before_headings(text), encoding="utf-8")


def _rebuild_command(args):
    options = [("--max-rows", args.max_rows, 0), ("--data", args.data, None), ("--holdout", args.holdout, None),
               ("--threshold", args.threshold, "max_f1"), ("--golden-rows", args.golden_rows, GOLDEN_ROWS),
               ("--signing-key", args.signing_key, None)]
    epochs = f" --epochs {args.epochs}" if families.get(args.family).trains_in_epochs else ""
    return (f"fraudscore-train build --description {args.description} --family {args.family} --out {args.out} "
            f"--name {args.name}{epochs} --max-windows {args.max_windows} --seed {args.seed}"
            + "".join(f" {flag} {value}" for flag, value, default in options if value != default))


def main_build(args, parser_defaults):
    """The `build --description` command: plain messages for every user error."""
    missing = [f"--{o}" for o in ("family", "out", "name") if not getattr(args, o)]
    if missing:
        raise SystemExit(f"fraudscore-train: error: build --description also needs {', '.join(missing)}")
    clash = [f"--{o.replace('_', '-')}" for o in PAYSIM_ONLY if getattr(args, o) != parser_defaults[o]]
    if clash:
        raise SystemExit(f"fraudscore-train: error: {', '.join(clash)} belong to the PaySim build, not to "
                         "build --description")
    if args.checkpoints == parser_defaults["checkpoints"]:
        args.checkpoints = ""    # a user's build keeps checkpoints only where --checkpoints says
    try:
        args.policy = operating_point.parse(args.threshold)
    except ValueError as e:
        raise SystemExit(f"fraudscore-train: error: {e}")
    try:
        run(args, log=lambda m: print(m, flush=True))
    except (DescriptionError, DataError, BuildError, families.FamilyError) as e:
        raise SystemExit(f"fraudscore-train: error: {e}")
