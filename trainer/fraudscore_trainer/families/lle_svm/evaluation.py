"""Samples, splits, risk settings and baselines for the lle_svm evaluation.

Two protocols:
- the paper's: a matched sample (fraud company-years and as many honest
  company-years of never-offending companies, same year and industry where
  possible) of ~400 company-years from 250 companies, split 70/30 at random
  by company-year (a company can sit on both sides: optimistic);
- the honest one: companies split 70/30, the model trains on at most
  `max_points` company-years of the training companies (every fraud year up
  to a third of them, honest years drawn at random) and is tested on every
  year of the unseen companies at the panel's natural fraud rate.
"""
import numpy as np
from sklearn.model_selection import StratifiedKFold

from fraudscore_trainer.evaluation import baselines
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.families.lle_svm.listed_spec import KEY_COLUMN, LABEL_COLUMN, TIME_COLUMN

PAPER = dict(accuracy=0.9489, precision=0.9624, recall=0.8849, f1=0.8708)
PAPER_NOTE = ("The paper reports accuracy 94.89%, precision 96.24%, recall 88.49% and F1 87.08%. These cannot "
              "all hold at once: precision 96.24% and recall 88.49% give F1 = 2PR/(P+R) = 92.20%; and its "
              "figures 9 and 10 swap the labels of accuracy and precision. We list the four numbers as printed.")


def paper_sample(df, rng, companies=250, samples=400):
    """Row indices of a matched sample: samples/2 fraud company-years of offending
    companies, each matched with a same-year honest company-year of a never-offending
    company (same industry while one is unused), `companies` companies in all."""
    y = df[LABEL_COLUMN].to_numpy()
    keys = df[KEY_COLUMN].to_numpy()
    fraud_rows = []
    offenders = 0
    for company in rng.permutation(np.unique(keys[y == 1])):
        rows = np.flatnonzero((keys == company) & (y == 1))
        fraud_rows.extend(rows[:samples // 2 - len(fraud_rows)])
        offenders += 1
        if len(fraud_rows) >= samples // 2:
            break
    ever = df.groupby(KEY_COLUMN)[LABEL_COLUMN].transform("max").to_numpy()
    clean = rng.permutation(np.unique(keys[ever == 0]))[:max(companies - offenders, 1)]
    industry = df.groupby(KEY_COLUMN)["industry"].first()
    years = df[TIME_COLUMN].to_numpy()
    row_of = {(k, t): i for i, (k, t) in enumerate(zip(keys, years))}
    uses = {c: 0 for c in clean}
    matches = []
    for i in fraud_rows:
        def rank(c):  # unused companies first, then the same industry, then the least used
            return (uses[c] > 0, industry[c] != df["industry"].iat[i], uses[c])
        options = [c for c in clean if (c, years[i]) in row_of and row_of[(c, years[i])] not in matches]
        pick = min(options, key=rank)
        uses[pick] += 1
        matches.append(row_of[(pick, years[i])])
    return np.sort(np.r_[np.asarray(fraud_rows, dtype=np.int64), np.asarray(matches, dtype=np.int64)])


def random_split(rows, y, rng, test_share=0.3):
    """Stratified random split of company-years (the paper's 70/30)."""
    test = []
    for label in (0, 1):
        members = rng.permutation(rows[y[rows] == label])
        test.extend(members[:int(round(test_share * len(members)))])
    test = np.isin(rows, test)
    return rows[~test], rows[test]


def company_split(df, rng, test_share=0.3):
    """Boolean masks (train, test) splitting companies, stratified by whether they ever offend."""
    ever = df.groupby(KEY_COLUMN)[LABEL_COLUMN].max()
    test_companies = []
    for label in (0, 1):
        members = rng.permutation(ever.index[ever == label])
        test_companies.extend(members[:int(round(test_share * len(members)))])
    test = df[KEY_COLUMN].isin(test_companies).to_numpy()
    return ~test, test


def training_subset(train_mask, y, rng, max_points=600, fraud_share=1 / 3):
    """At most max_points training rows: fraud rows up to fraud_share, the rest honest rows.
    Returns (rows, class weights that restore the natural proportions)."""
    pos = np.flatnonzero(train_mask & (y == 1))
    neg = np.flatnonzero(train_mask & (y == 0))
    pos_take = rng.permutation(pos)[:int(max_points * fraud_share)]
    neg_take = rng.permutation(neg)[:max_points - len(pos_take)]
    rows = np.sort(np.r_[pos_take, neg_take])
    weights = {1: len(pos) / len(pos_take), 0: len(neg) / len(neg_take)}
    return rows, weights


def weighted_max_f1_threshold(y, p, weights=None):
    """The score with the highest F1 when each class counts with its weight (a resampled set
    standing for the natural population); ties go to the higher threshold."""
    y = np.asarray(y).astype(np.int64)
    p = np.asarray(p, dtype=np.float64)
    w = np.ones(len(y)) if weights is None else np.where(y == 1, weights[1], weights[0])
    order = np.argsort(-p, kind="stable")
    ps, ys, ws = p[order], y[order], w[order]
    tp = np.cumsum(ws * ys)
    fp = np.cumsum(ws * (1 - ys))
    last = np.r_[np.flatnonzero(np.diff(ps) != 0), len(ps) - 1]  # thresholds at distinct scores
    f1 = 2 * tp[last] / (tp[-1] + tp[last] + fp[last])
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)[0]
    return float(ps[last[best]])


def risk_settings(model, weights=None):
    """Decision threshold: max F1 on the cross-validated calibrated probabilities (weighted
    to the natural prevalence); review: 90% recall on them; bands around both."""
    f = model.info["cv_decision"]
    y = model.info["labels"]
    p = metrics.apply_platt(f, *model.platt)
    decision = weighted_max_f1_threshold(y, p, weights)
    review = min(metrics.threshold_for_recall(y, p, 0.9), decision)
    if review >= decision:
        review = decision / 2
    critical = decision + (1 - decision) / 2
    return dict(decision_threshold=decision, review_threshold=review,
                band_cuts=[review, decision, critical], platt=tuple(model.platt))


def summary(y, p, threshold):
    return metrics.summary(y, p, threshold)


def baseline_results(X_train, y_train, X_tests, seed, weights=None, folds=5):
    """LR, RF and XGBoost on the same derived, z-scored features. Each threshold is the
    (weighted) max-F1 on out-of-fold probabilities of the training rows; the final models
    train on all of them. X_tests: {name: (X, y)} -> {model: {test name: summary}}."""
    y_train = np.asarray(y_train).astype(np.int64)
    oof = {}
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for fit_rows, val_rows in cv.split(X_train, y_train):
        models = baselines.train_baselines(X_train[fit_rows], y_train[fit_rows], X_train[val_rows],
                                           y_train[val_rows], seed, n_jobs=1)
        for name, s in baselines.score_baselines(models, X_train[val_rows]).items():
            oof.setdefault(name, np.zeros(len(y_train)))[val_rows] = s
    # XGBoost's early stopping watches the training rows here: no held-out data is spent on it.
    models = baselines.train_baselines(X_train, y_train, X_train, y_train, seed, n_jobs=1)
    out = {}
    for name, model in models.items():
        threshold = weighted_max_f1_threshold(y_train, oof[name], weights)
        out[name] = {}
        for test_name, (X, y) in X_tests.items():
            p = baselines.score_baselines({name: model}, X)[name]
            out[name][test_name] = dict(summary(y, p, threshold), scores=p)
    return out
