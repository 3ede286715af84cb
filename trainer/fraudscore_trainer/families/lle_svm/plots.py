"""The lle_svm report's own figures (ROC and confusion come from plots.py)."""
import numpy as np

from fraudscore_trainer.reports import plots
from fraudscore_trainer.reports.plots import plt


def plot_residual_variance(curves, chosen_k, chosen_d, path):
    """Residual variance against the embedding dimension, one line per neighbour count."""
    fig, ax = plt.subplots(figsize=plots._FIGSIZE)
    for k, rv in curves.items():
        ax.plot(np.arange(1, len(rv) + 1), rv, marker="o", markersize=3, linewidth=2 if k == chosen_k else 1,
                label=f"k = {k}" + (" (chosen)" if k == chosen_k else ""))
    ax.axvline(chosen_d, color="grey", linestyle="--", linewidth=1, label=f"d = {chosen_d}")
    plots._finish(ax, "Embedding dimension d", "Residual variance 1 - R²", "LLE residual variance")
    return plots._save(fig, path)


def plot_embedding(embedding, labels, support_index, centroids, grades, path):
    """The training points in the first two embedding coordinates: classes, support vectors
    and the K-means centroids labelled with their credit grades."""
    fig, ax = plt.subplots(figsize=(6, 5))
    for label, colour, name in ((0, "tab:blue", "honest"), (1, "tab:red", "fraud")):
        m = labels == label
        ax.scatter(embedding[m, 0], embedding[m, 1], s=10, color=colour, alpha=0.6, label=name)
    sv = embedding[support_index]
    ax.scatter(sv[:, 0], sv[:, 1], s=28, facecolors="none", edgecolors="black", linewidths=0.5,
               label="support vectors")
    ax.scatter(centroids[:, 0], centroids[:, 1], marker="X", s=90, color="gold", edgecolors="black",
               label="K-means centroids")
    for c, grade in zip(centroids, grades):
        ax.annotate(grade, (c[0], c[1]), xytext=(6, 6), textcoords="offset points", fontsize=9, weight="bold")
    plots._finish(ax, "embedding 1", "embedding 2", "LLE embedding (first two coordinates)")
    return plots._save(fig, path)


def plot_svm_grid(grid_auc, log2_c, log2_gamma, path):
    fig, ax = plt.subplots(figsize=plots._FIGSIZE)
    image = ax.imshow(grid_auc, origin="lower", cmap="viridis", aspect="auto")
    ax.set_xticks(np.arange(len(log2_gamma)), [str(g) for g in log2_gamma])
    ax.set_yticks(np.arange(len(log2_c)), [str(c) for c in log2_c])
    ax.set_xlabel("log2 gamma")
    ax.set_ylabel("log2 C")
    ax.set_title("SVM grid search: 5-fold CV ROC-AUC")
    fig.colorbar(image, ax=ax)
    return plots._save(fig, path)
