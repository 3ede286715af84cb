"""The lle_svm network: z-score -> locally linear embedding -> RBF SVM -> Platt,
plus K-means credit grades on the embedding.

Fitting uses scikit-learn (LocallyLinearEmbedding, SVC, KMeans); inference is
written out here exactly as the core computes it (schemas/model.fbs
LleSvmConfig), from the arrays the model file stores, in double precision.
"""
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.distance import pdist
from scipy.special import expit
from sklearn.cluster import KMeans
from sklearn.manifold import LocallyLinearEmbedding
from sklearn.metrics import silhouette_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.svm import SVC

from fraudscore_trainer.evaluation import metrics

CREDIT_SCALE = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D")
LLE_REG = 1e-3
LOG2_C = tuple(range(-5, 16, 2))       # the libsvm guide's grid
LOG2_GAMMA = tuple(range(-15, 4, 2))
NEIGHBOUR_GRID = (10, 15, 20, 30, 40, 50, 60)
MAX_DIM = 12
RV_TOLERANCE = 0.02  # accept the smallest d within this residual variance of the curve's minimum
CLUSTER_GRID = (4, 5, 6, 7, 8)
CHUNK = 128


@dataclass
class LleSvmModel:
    mean: np.ndarray              # [D] z-score of the derived vector
    std: np.ndarray               # [D]
    train_points: np.ndarray      # [N, D] z-scored training inputs
    train_embedding: np.ndarray   # [N, d] their embedding (scaled for the SVM)
    neighbours: int
    support_vectors: np.ndarray   # [S, d]
    dual_coef: np.ndarray         # [S]
    intercept: float
    gamma: float
    centroids: np.ndarray         # [K, d]
    grades: list
    platt: tuple = (1.0, 0.0)
    lle_reg: float = LLE_REG
    info: dict = field(default_factory=dict)  # selection curves and grid results for the report

    @property
    def embedding_dim(self):
        return self.train_embedding.shape[1]

    def normalise(self, u):
        return (np.asarray(u, dtype=np.float64) - self.mean) / self.std

    def embed(self, z):
        return lle_transform(z, self.train_points, self.train_embedding, self.neighbours, self.lle_reg)

    def decision(self, y):
        return svm_decision(y, self.support_vectors, self.dual_coef, self.intercept, self.gamma)

    def cluster(self, y):
        return nearest(y, self.centroids)

    def score(self, u):
        """Derived vectors [n, 5I] -> dict(decision (float32-rounded), probability, raw_probability,
        cluster, embedding), as the core computes them."""
        y = self.embed(self.normalise(u))
        f = self.decision(y).astype(np.float32).astype(np.float64)
        return dict(decision=f, probability=expit(self.platt[0] * f + self.platt[1]), raw_probability=expit(f),
                    cluster=self.cluster(y), embedding=y)


def squared_distances(a, b):
    """[n, m] sums of squared differences (direct, not the expanded form, so ties and order match the core)."""
    out = np.empty((len(a), len(b)))
    for s in range(0, len(a), CHUNK):
        diff = a[s:s + CHUNK, None, :] - b[None, :, :]
        out[s:s + CHUNK] = np.einsum("nmd,nmd->nm", diff, diff)
    return out


def nearest_indices(z, points, k):
    """The k nearest points of each row, nearest first; equal distances: lower index first."""
    return np.argsort(squared_distances(z, points), axis=1, kind="stable")[:, :k]


def lle_weights(z, points, index, reg=LLE_REG):
    """Barycentre weights [n, k] reconstructing each z from its neighbours points[index]."""
    G = points[index] - z[:, None, :]                  # [n, k, D]
    C = np.einsum("nkd,njd->nkj", G, G)
    trace = np.trace(C, axis1=1, axis2=2)
    R = np.where(trace > 0, reg * trace, reg)
    k = index.shape[1]
    C = C + R[:, None, None] * np.eye(k)
    w = np.linalg.solve(C, np.ones((len(z), k, 1)))[..., 0]
    return w / w.sum(axis=1, keepdims=True)


def lle_transform(z, points, embedding, k, reg=LLE_REG):
    """Out-of-sample LLE: reconstruct z from its k nearest training points, map with the same weights."""
    z = np.asarray(z, dtype=np.float64)
    index = nearest_indices(z, points, k)
    w = lle_weights(z, points, index, reg)
    return np.einsum("nk,nkd->nd", w, embedding[index])


def svm_decision(y, support_vectors, dual_coef, intercept, gamma):
    return np.exp(-gamma * squared_distances(y, support_vectors)) @ dual_coef + intercept


def nearest(y, centroids):
    """Index of the nearest centroid; ties: lower index (argmin keeps the first)."""
    return np.argmin(squared_distances(y, centroids), axis=1)


def fit_zscore(u):
    mean = u.mean(axis=0)
    std = u.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def residual_variance(z, embedding):
    """1 - R^2 between the pairwise distances of the inputs and of the embedding
    (Tenenbaum et al.'s criterion, which the paper reads k and d from)."""
    r = np.corrcoef(pdist(z), pdist(embedding))[0, 1]
    return 1.0 - r * r


def fit_lle(z, k, d, seed):
    lle = LocallyLinearEmbedding(n_neighbors=k, n_components=d, reg=LLE_REG, eigen_solver="dense",
                                 method="standard", random_state=seed)
    return lle.fit(z)


def select_lle(z, seed, neighbour_grid=NEIGHBOUR_GRID, max_dim=MAX_DIM, log=print):
    """Residual-variance curves rv[k][d-1] for d = 1..max_dim (the dense solver's
    embeddings of dimension d are prefixes of the max_dim one); k = the curve with
    the lowest minimum, d = the smallest dimension within RV_TOLERANCE of it."""
    curves = {}
    max_dim = min(max_dim, z.shape[1])   # LLE cannot embed in more dimensions than it is given
    for k in neighbour_grid:
        if k >= len(z):
            continue
        e = fit_lle(z, k, max_dim, seed).embedding_
        curves[k] = [residual_variance(z, e[:, :d]) for d in range(1, max_dim + 1)]
        log(f"  LLE k={k}: residual variance " + " ".join(f"{v:.3f}" for v in curves[k]))
    best_k = min(curves, key=lambda k: (min(curves[k]), k))
    rv = np.asarray(curves[best_k])
    d = int(np.flatnonzero(rv <= rv.min() + RV_TOLERANCE)[0]) + 1
    return best_k, max(d, 2), curves


def grid_search_svm(y_emb, labels, seed, folds=5):
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    grid = GridSearchCV(SVC(kernel="rbf", cache_size=100),
                        {"C": [2.0 ** c for c in LOG2_C], "gamma": [2.0 ** g for g in LOG2_GAMMA]},
                        scoring="roc_auc", cv=cv, n_jobs=1)
    grid.fit(y_emb, labels)
    return grid


def grade_names(k):
    """k grades spread over the scale, best AAA and worst D always included."""
    return [CREDIT_SCALE[int(i)] for i in np.round(np.linspace(0, len(CREDIT_SCALE) - 1, k))]


def fit_grades(y_emb, labels, seed, grid=CLUSTER_GRID):
    """K-means with K from the silhouette; clusters graded by training fraud rate (lowest -> AAA)."""
    scores = {}
    for k in grid:
        km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(y_emb)
        scores[k] = (silhouette_score(y_emb, km.labels_), km)
    best = max(scores, key=lambda k: (scores[k][0], -k))
    km = scores[best][1]
    centroids = km.cluster_centers_.astype(np.float64)
    assigned = nearest(y_emb, centroids)
    rates = np.array([labels[assigned == c].mean() if (assigned == c).any() else 0.0 for c in range(best)])
    order = np.argsort(rates, kind="stable")
    names = grade_names(best)
    grades = [None] * best
    for rank, c in enumerate(order):
        grades[c] = names[rank]
    return centroids, grades, dict(silhouette={k: float(v[0]) for k, v in scores.items()}, k=best,
                                   cluster_fraud_rates=rates.tolist(),
                                   cluster_sizes=np.bincount(assigned, minlength=best).tolist())


def fit(u, labels, seed, prevalence=None, log=print, neighbours=None, dim=None):
    """Fit on derived vectors u [N, 5I] and labels. `prevalence`: the natural fraud
    rate when the training set was resampled; Platt's intercept is shifted from
    the training rate to it (a prior correction)."""
    labels = np.asarray(labels).astype(np.int64)
    mean, std = fit_zscore(u)
    z = (u - mean) / std
    if neighbours is None or dim is None:
        neighbours, dim, curves = select_lle(z, seed, log=log)
    else:
        curves = {}
    log(f"  LLE: k={neighbours}, d={dim}")
    raw_embedding = fit_lle(z, neighbours, dim, seed).embedding_
    # LLE's coordinates have unit norm; scale each to unit variance so one RBF gamma suits them
    # (the out-of-sample map is linear in the stored embedding, so the scale lives there).
    embedding = raw_embedding / raw_embedding.std(axis=0)
    grid = grid_search_svm(embedding, labels, seed)
    svc = grid.best_estimator_
    log(f"  SVM: C=2^{np.log2(svc.C):.0f} gamma=2^{np.log2(svc.gamma):.0f} CV ROC-AUC {grid.best_score_:.4f}, "
        f"{len(svc.support_)} support vectors")
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    cv_decision = cross_val_predict(SVC(kernel="rbf", C=svc.C, gamma=svc.gamma), embedding, labels, cv=cv,
                                    method="decision_function").astype(np.float32).astype(np.float64)
    a, b = metrics.fit_platt(cv_decision, labels)
    if prevalence is not None:
        train_rate = labels.mean()
        b += np.log(prevalence / (1 - prevalence)) - np.log(train_rate / (1 - train_rate))
    centroids, grades, cluster_info = fit_grades(embedding, labels, seed)
    log(f"  K-means: K={cluster_info['k']} grades {grades} fraud rates "
        + " ".join(f"{r:.2f}" for r in cluster_info["cluster_fraud_rates"]))
    grid_scores = grid.cv_results_["mean_test_score"].reshape(len(LOG2_C), len(LOG2_GAMMA))
    info = dict(C=float(svc.C), rv_curves=curves, grid_auc=grid_scores, cv_auc=float(grid.best_score_),
                clusters=cluster_info,
                cv_decision=cv_decision, support_index=svc.support_.copy(), labels=labels)
    return LleSvmModel(mean=mean, std=std, train_points=z, train_embedding=embedding, neighbours=int(neighbours),
                       support_vectors=svc.support_vectors_.astype(np.float64),
                       dual_coef=svc.dual_coef_[0].astype(np.float64), intercept=float(svc.intercept_[0]),
                       gamma=float(svc.gamma), centroids=centroids, grades=grades, platt=(a, b), info=info)
