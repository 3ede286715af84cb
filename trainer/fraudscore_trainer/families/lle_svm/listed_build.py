"""`build-lle-svm`: simulate listed companies, fit the LLE + SVM model under the paper's
protocol and an honest one, compare with LR / RF / XGBoost, export the honest model,
its golden vectors, model card, report and the example file."""
import datetime
import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fraudscore_trainer import __version__
from fraudscore_trainer.families.lle_svm import model as lle_svm
from fraudscore_trainer.families.lle_svm import card as lle_svm_card
from fraudscore_trainer.families.lle_svm import evaluation as lle_svm_eval
from fraudscore_trainer.families.lle_svm import export as lle_svm_export
from fraudscore_trainer.families.lle_svm import plots as lle_svm_plots
from fraudscore_trainer.reports import plots
from fraudscore_trainer.reports import report
from fraudscore_trainer.modelfile import signing
from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.families.lle_svm import derive
from fraudscore_trainer.families.lle_svm.listed_sim import simulate_panel
from fraudscore_trainer.families.lle_svm.listed_spec import INDICATOR_COLUMNS, KEY_COLUMN, LABEL_COLUMN, TIME_COLUMN, build_spec
from fraudscore_trainer.paths import PAPER_BUILDS

LATE_YEARS = 3
GOLDEN_ROWS = 1000  # whole companies, those with fraud first: the checked-in file stays small


def add_arguments(p):
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--data", help="your own company-years CSV (company_id, year, the 26 indicator columns, "
                   "is_fraud; optional industry) instead of the simulator")
    p.add_argument("--companies", type=int, default=700, help="companies in the simulated panel")
    p.add_argument("--years", type=int, default=12, help="reported years per company")
    p.add_argument("--max-points", type=int, default=600, help="most training company-years (LLE points)")
    p.add_argument("--paper-companies", type=int, default=250)
    p.add_argument("--paper-samples", type=int, default=400)
    p.add_argument("--derived-clip", type=float, default=derive.DEFAULT_CLIP)
    p.add_argument("--models-dir", default=str(PAPER_BUILDS / "models"))
    p.add_argument("--golden-dir", default=str(PAPER_BUILDS / "golden"))
    p.add_argument("--reports-dir", default=str(PAPER_BUILDS / "reports"))
    p.add_argument("--example-out", default=str(PAPER_BUILDS / "examples/company_years.csv"))


def _fingerprint(df):
    return hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()


def _fit_and_score(U, y, train, tests, seed, log, prevalence=None, weights=None):
    """Fit lle_svm on rows `train`; score each test set; baselines on the same features."""
    model = lle_svm.fit(U[train], y[train], seed, prevalence=prevalence, log=log)
    risk = lle_svm_eval.risk_settings(model, weights)
    threshold = risk["decision_threshold"]
    rows, scores = {}, {}
    for name, idx in tests.items():
        s = model.score(U[idx])
        scores[name] = s
        rows[name] = [("lle_svm (ours)", lle_svm_eval.summary(y[idx], s["probability"], threshold))]
    log("  baselines ...")
    Z = model.normalise(U)
    base = lle_svm_eval.baseline_results(Z[train], y[train], {n: (Z[i], y[i]) for n, i in tests.items()}, seed,
                                         weights)
    for name, per_test in base.items():
        for test_name, summ in per_test.items():
            rows[test_name].append((name, {k: v for k, v in summ.items() if k != "scores"}))
    return model, risk, rows, scores, base


def _log_rows(log, title, rows):
    log(title)
    for name, s in rows:
        log(f"  {name:22s} acc {s['accuracy']:.4f} P {s['precision']:.4f} R {s['recall']:.4f} F1 {s['f1']:.4f} "
            f"AUC {s['roc_auc']:.4f}")


def _example(df, test_mask, path, rng):
    """~60 consecutive company-years of unseen companies, a third of the companies offenders."""
    test = df[test_mask]
    offenders = test.loc[test[LABEL_COLUMN] == 1, KEY_COLUMN].unique()
    clean = np.setdiff1d(test[KEY_COLUMN].unique(), offenders)
    chosen = list(rng.permutation(offenders)[:4]) + list(rng.permutation(clean)[:8])
    parts = []
    for company in chosen:
        rows = test[test[KEY_COLUMN] == company]
        fraud_years = np.flatnonzero(rows[LABEL_COLUMN].to_numpy())
        start = int(min(max(fraud_years[0] - 2, 0), len(rows) - 5)) if len(fraud_years) else 0
        parts.append(rows.iloc[start:start + 5])
    out = pd.concat(parts)[[KEY_COLUMN, TIME_COLUMN] + INDICATOR_COLUMNS + [LABEL_COLUMN]]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, float_format="%.6g")
    return out


def _load_data(args):
    """(company-years sorted by company and year, fingerprint, description): a user's CSV
    (company_id, year, the 26 indicators, is_fraud; optional industry for the paper's
    matching) or the simulator's panel."""
    if args.data:
        # Correctly rounded, as the core's strtod reads the same file: the trainer sees its exact values.
        df = pd.read_csv(args.data, dtype={KEY_COLUMN: str}, float_precision="round_trip")
        missing = [c for c in [KEY_COLUMN, TIME_COLUMN, LABEL_COLUMN] + INDICATOR_COLUMNS if c not in df.columns]
        if missing:
            raise SystemExit(f"{args.data} lacks the columns {missing}")
        if "industry" not in df.columns:
            df["industry"] = 0
        df = df.sort_values([KEY_COLUMN, TIME_COLUMN], kind="stable").reset_index(drop=True)
        fingerprint = hashlib.sha256(Path(args.data).read_bytes()).hexdigest()
        y = df[LABEL_COLUMN].to_numpy()
        return df, fingerprint, (f"Company-years from `{Path(args.data).name}`: {len(df):,} rows of "
                                 f"{df[KEY_COLUMN].nunique()} companies, {int(y.sum())} fraudulent ({y.mean():.2%}).")
    df = simulate_panel(args.companies, args.years, seed=args.seed).rows
    y = df[LABEL_COLUMN].to_numpy()
    description = (f"Simulated by the trainer's financial-statements simulator (`fin_sim`, seed {args.seed}): "
                   f"{args.companies} companies × {args.years} years = {len(df):,} company-years, "
                   f"{int(y.sum())} fraudulent ({y.mean():.2%}); fraud types "
                   + ", ".join(f"{k} {v}" for k, v in df.loc[y == 1, 'fraud_type'].value_counts().items()) + ".")
    return df, _fingerprint(df), description


def run(args):
    started = time.time()
    log = lambda m: print(m, flush=True)  # noqa: E731
    rng = np.random.default_rng(args.seed)
    df, fingerprint, description = _load_data(args)
    y = df[LABEL_COLUMN].to_numpy()
    log(f"data: {description}")
    windows, valid = derive.company_windows(df, build_spec())
    U = derive.derive_windows(windows, valid, args.derived_clip)

    # The paper's protocol: matched sample, random 70/30 split of company-years.
    sample = lle_svm_eval.paper_sample(df, rng, args.paper_companies, args.paper_samples)
    p_train, p_test = lle_svm_eval.random_split(sample, y, rng)
    log(f"paper protocol: {len(sample)} company-years of {df[KEY_COLUMN].iloc[sample].nunique()} companies, "
        f"{int(y[sample].sum())} fraud; train {len(p_train)}, test {len(p_test)}")
    paper_model, _, paper_rows, _, _ = _fit_and_score(U, y, p_train, {"paper": p_test}, args.seed, log)
    _log_rows(log, "paper protocol, test:", paper_rows["paper"])

    # Honest: unseen companies, natural fraud rate; this is the shipped model.
    train_mask, test_mask = lle_svm_eval.company_split(df, rng)
    train, weights = lle_svm_eval.training_subset(train_mask, y, rng, args.max_points)
    late = test_mask & (df[TIME_COLUMN].to_numpy() > df[TIME_COLUMN].max() - LATE_YEARS)
    tests = {"honest": np.flatnonzero(test_mask), "late": np.flatnonzero(late)}
    prevalence = float(y[train_mask].mean())
    log(f"honest: train companies {df.loc[train_mask, KEY_COLUMN].nunique()} ({len(train)} company-years used, "
        f"{int(y[train].sum())} fraud), test companies {df.loc[test_mask, KEY_COLUMN].nunique()} "
        f"({test_mask.sum()} company-years, {int(y[test_mask].sum())} fraud)")
    model, risk, rows, scores, base = _fit_and_score(U, y, train, tests, args.seed, log, prevalence, weights)
    _log_rows(log, "honest, unseen companies:", rows["honest"])
    _log_rows(log, f"honest, unseen companies, last {LATE_YEARS} years:", rows["late"])

    spec = build_spec(df[train_mask])
    # (1.2) Training ranges over the training split (the training companies' rows, as the missing
    # values and baselines): the LLE's 600-point subsample is a cost cut, and its narrower range
    # would flag about 1% of unseen companies' ordinary rows.
    feat.fit_ranges(df[train_mask], spec)
    metrics_list = report.metrics_for_model_file(rows["honest"][0][1], "company_split")
    metrics_list += report.metrics_for_model_file(paper_rows["paper"][0][1], "paper_protocol")
    provenance = dict(trainer_version=__version__,
                      created_utc=datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
                      data_fingerprint=fingerprint, data_description=description, seed=args.seed,
                      config=dict(companies=args.companies, years=args.years, max_points=args.max_points,
                                  derived_clip=args.derived_clip, neighbours=model.neighbours,
                                  embedding_dim=model.embedding_dim, C=model.info.get("C", ""),
                                  gamma=model.gamma),
                      metrics=metrics_list)
    blob = lle_svm_export.model_bytes(model, spec, risk, provenance, args.derived_clip,
                                      "LLE + RBF SVM fraud probability and credit grade of listed companies' "
                                      "annual reports (simulated training data)")
    models_dir = Path(args.models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    signing.write_model(models_dir / f"{lle_svm_export.NAME}.fsmodel", blob, getattr(args, "signing_key", None))
    log(f"model: {len(blob):,} bytes")
    golden_df = lle_svm_export.golden_rows(df, test_mask, KEY_COLUMN, TIME_COLUMN, LABEL_COLUMN, GOLDEN_ROWS)
    n = lle_svm_export.write_golden(Path(args.golden_dir) / f"{lle_svm_export.NAME}.csv", model, spec, risk,
                                    golden_df, args.derived_clip)
    log(f"golden: {n} rows")

    out = Path(args.reports_dir) / lle_svm_export.NAME
    honest_idx = tests["honest"]
    curves = {"lle_svm (ours)": (y[honest_idx], scores["honest"]["probability"])}
    curves.update({name: (y[honest_idx], per["honest"]["scores"]) for name, per in base.items()})
    figures = {
        "LLE residual variance (honest model's training points)":
            lle_svm_plots.plot_residual_variance(model.info["rv_curves"], model.neighbours, model.embedding_dim,
                                                 out / "residual_variance.png"),
        "Embedding: classes, support vectors, credit grades":
            lle_svm_plots.plot_embedding(model.train_embedding, model.info["labels"], model.info["support_index"],
                                         model.centroids, model.grades, out / "embedding.png"),
        "SVM grid search": lle_svm_plots.plot_svm_grid(model.info["grid_auc"], lle_svm.LOG2_C, lle_svm.LOG2_GAMMA,
                                                       out / "svm_grid.png"),
        "ROC, unseen companies": plots.plot_roc(curves, out / "roc_honest.png"),
        "Confusion matrix, unseen companies": plots.plot_confusion(
            y[honest_idx], scores["honest"]["probability"], risk["decision_threshold"], out / "confusion_honest.png"),
    }
    grades_test = np.asarray(model.grades)[scores["honest"]["cluster"]]
    grade_lines = ["| grade | test company-years | fraud rate |", "|---|---|---|"]
    for g in sorted(set(model.grades), key=lle_svm.CREDIT_SCALE.index):
        m = grades_test == g
        grade_lines.append(f"| {g} | {int(m.sum())} | {y[honest_idx][m].mean() if m.any() else float('nan'):.4f} |")
    honest_description = (f"Companies split 70/30 (stratified by whether they ever offend). The model trains on "
                          f"{len(train)} company-years of the training companies (every fraud year up to a third of "
                          f"them, honest years at random) and is tested on every year of the "
                          f"{df.loc[test_mask, KEY_COLUMN].nunique()} unseen companies at the natural fraud rate "
                          f"({int(y[test_mask].sum())} fraud in {int(test_mask.sum())}). Thresholds come from "
                          "cross-validation on the training rows only, with honest years weighted back to their "
                          "natural share. Baselines: same rows, same 130 z-scored derived features.")
    paper_description = (f"A matched sample of {len(sample)} company-years from "
                         f"{df[KEY_COLUMN].iloc[sample].nunique()} companies (each fraud year paired with an honest "
                         "year of a never-offending company: same year, same industry while such a company is unused), "
                         "split 70/30 at random by "
                         "company-year, as the paper does: a company's years can fall on both sides. Thresholds: "
                         "max F1 on 5-fold CV of the training part.")
    lle_desc = (f"z-score → LLE (k = {model.neighbours}, d = {model.embedding_dim}) → RBF SVM "
                f"(gamma = {model.gamma:g}, {len(model.dual_coef)} support vectors) → Platt; K-means grades "
                f"{model.grades}. k and d from the residual-variance curves (1 − R² between pairwise distances "
                f"before and after embedding): k = the curve with the lowest minimum, d = the smallest dimension "
                f"within {lle_svm.RV_TOLERANCE} of it. K = the best silhouette; silhouette by K: "
                + ", ".join(f"{k}: {v:.3f}" for k, v in model.info['clusters']['silhouette'].items()) + ".")
    context = dict(
        title="lle_svm-listed — evaluation report",
        model=lle_desc, data=description,
        protocols=[dict(name="Honest: unseen companies, natural fraud rate (shipped model)",
                        description=honest_description, rows=dict(rows["honest"])),
                   dict(name=f"Honest: unseen companies, their last {LATE_YEARS} years",
                        rows=dict(rows["late"])),
                   dict(name="The paper's protocol (optimistic): matched sample, random 70/30 split",
                        description=paper_description,
                        rows=dict(paper_rows["paper"] + [("paper (reported, as printed)", lle_svm_eval.PAPER)]),
                        threshold_note=lle_svm_eval.PAPER_NOTE)],
        plots={k: v.relative_to(out) for k, v in figures.items()},
        extra_sections=[("Credit grades on unseen companies", "\n".join(grade_lines)),
                        ("Residual variance", "Rows: k; columns: d = 1, 2, ...\n\n" + "\n".join(
                            f"- k = {k}: " + " ".join(f"{v:.3f}" for v in rv)
                            for k, rv in model.info["rv_curves"].items()))])
    report.write_report(out / "report.md", context)
    source = f"--data {args.data}" if args.data else f"--companies {args.companies} --years {args.years}"
    command = (f"cd trainer && /usr/bin/python3 -m fraudscore_trainer build-lle-svm --seed {args.seed} "
               f"{source} --max-points {args.max_points}")
    r = dict(simulated=not args.data, model=model, risk=risk, spec=spec, data_description=description, fingerprint=fingerprint,
             clip=args.derived_clip, svm_c=model.info["C"], honest_description=honest_description,
             paper_description=paper_description, honest_rows=rows["honest"], paper_rows=paper_rows["paper"])
    lle_svm_card.write_card(models_dir / f"{lle_svm_export.NAME}.md", r, len(blob), command)
    ex = _example(df, test_mask, Path(args.example_out), rng)
    log(f"example: {len(ex)} rows, {int(ex[LABEL_COLUMN].sum())} fraud")
    log(f"done in {time.time() - started:.0f} s")
