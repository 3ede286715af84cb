"""Train the lstm_attn network on its two targets: the payment's anomaly
label and the enterprise's later distress. Adam; each target's loss handles
its imbalance either with class weights (weighted BCE) or with focal loss;
early stopping on a natural-prevalence validation sample."""
import copy
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from fraudscore_trainer.features import windows as win
from fraudscore_trainer.families.lstm_attn.network import LstmAttn
from fraudscore_trainer.families.torch_parts import device_for


@dataclass
class LstmAttnTrainConfig:
    epochs: int = 8
    batch_size: int = 256
    lr: float = 2e-3
    patience: int = 2
    seed: int = 7
    threads: int = 0
    imbalance: str = "weights"   # "weights" (weighted BCE) or "focal" (focal loss, gamma 2)
    risk_weight: float = 0.5     # share of the enterprise-risk loss in the total


def _loss(logits, y, imbalance, pos_weight):
    if imbalance == "focal":
        p = torch.sigmoid(logits)
        ce = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
        p_t = p * y + (1 - p) * (1 - y)
        alpha = 0.75 * y + 0.25 * (1 - y)
        return (alpha * (1 - p_t) ** 2 * ce).mean()
    return F.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight)


def _batches(n, size, rng):
    order = rng.permutation(n)
    for start in range(0, n, size):
        yield order[start:start + size]


@torch.no_grad()
def predict(model, x, indices, batch=4096):
    """(anomaly logits, risk logits, attention) float32 for windows given as indices into x."""
    model.eval()
    za, zr, att = [], [], []
    for start in range(0, len(indices), batch):
        idx = indices[start:start + batch]
        a, r, w = model(torch.from_numpy(win.gather(x, idx)), torch.from_numpy(win.valid_steps(idx)))
        za.append(a.numpy())
        zr.append(r.numpy())
        att.append(w.numpy())
    return np.concatenate(za), np.concatenate(zr), np.concatenate(att)


def train(x, train_idx, ya, yr, val_idx, val_ya, val_yr, cfg: LstmAttnTrainConfig, log=print):
    """Train on windows `train_idx` (indices into x) with labels ya (anomaly) and yr (risk).
    Returns (model, history)."""
    device_for(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = LstmAttn(x.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    pw_a = torch.tensor([max(1.0, (len(ya) - ya.sum()) / max(1, ya.sum()))])
    pw_r = torch.tensor([max(1.0, (len(yr) - yr.sum()) / max(1, yr.sum()))])
    ya_t, yr_t = torch.from_numpy(ya.astype(np.float32)), torch.from_numpy(yr.astype(np.float32))
    best, best_state, stale, history = float("inf"), None, 0, []
    for epoch in range(cfg.epochs):
        model.train()
        total, count = 0.0, 0
        for b in _batches(len(train_idx), cfg.batch_size, rng):
            idx = train_idx[b]
            a, r, _ = model(torch.from_numpy(win.gather(x, idx)), torch.from_numpy(win.valid_steps(idx)))
            loss = ((1 - cfg.risk_weight) * _loss(a, ya_t[b], cfg.imbalance, pw_a)
                    + cfg.risk_weight * _loss(r, yr_t[b], cfg.imbalance, pw_r))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(b)
            count += len(b)
        za, zr, _ = predict(model, x, val_idx)
        with torch.no_grad():
            val_loss = float(F.binary_cross_entropy_with_logits(torch.from_numpy(za), torch.from_numpy(
                val_ya.astype(np.float32))) + F.binary_cross_entropy_with_logits(
                torch.from_numpy(zr), torch.from_numpy(val_yr.astype(np.float32))))
        history.append({"epoch": epoch + 1, "train_loss": total / max(1, count), "val_loss": val_loss})
        log(f"  epoch {epoch + 1}: train loss {total / max(1, count):.4f}, validation loss {val_loss:.4f}")
        if val_loss < best - 1e-5:
            best, best_state, stale = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= cfg.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return model, history


IMBALANCE_REMEDIES = ("weights", "focal")


def choose_imbalance(x, idx, rows, ya, yr, val_rows, cfg: LstmAttnTrainConfig, rng, log=print, windows=40_000,
                     epochs=1):
    """Train each remedy briefly on the same windows (at most `windows` of the training `rows`; idx holds
    every row's window, ya and yr every row's labels) and keep the one with the larger sum of PR-AUCs on
    `val_rows` (anomaly + risk, natural prevalence). Returns (remedy, {remedy: {"anomaly_pr_auc", "risk_pr_auc"}})."""
    from fraudscore_trainer.evaluation import metrics
    small = np.sort(rng.choice(rows, min(len(rows), windows), replace=False))
    pr_auc = lambda y, z: metrics.summary(y, 1 / (1 + np.exp(-z.astype(np.float64))), 0.5)["pr_auc"] \
        if y.sum() else 0.0
    comparison = {}
    for option in IMBALANCE_REMEDIES:
        brief = replace(cfg, epochs=epochs, imbalance=option, patience=99)
        m, _ = train(x, idx[small], ya[small], yr[small], idx[val_rows], ya[val_rows], yr[val_rows], brief,
                     log=lambda _m: None)
        za, zr, _ = predict(m, x, idx[val_rows])
        comparison[option] = {"anomaly_pr_auc": pr_auc(ya[val_rows], za), "risk_pr_auc": pr_auc(yr[val_rows], zr)}
        log(f"  imbalance {option}: validation PR-AUC anomaly {comparison[option]['anomaly_pr_auc']:.4f}, "
            f"risk {comparison[option]['risk_pr_auc']:.4f}")
    remedy = max(comparison, key=lambda k: comparison[k]["anomaly_pr_auc"] + comparison[k]["risk_pr_auc"])
    return remedy, comparison
