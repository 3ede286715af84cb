"""Train the crnn network: Adam, BCE with class weights, early stopping on
validation loss, resumable checkpoints; on CUDA when present, across GPUs
with torchrun (DistributedDataParallel), on the CPU otherwise.

Only PyTorch, NumPy and the standard library are used here, so the training
step runs both on Debian's PyTorch 1.13 (CPU) and on PyTorch 2.x with CUDA.
"""
import os
import time
from dataclasses import dataclass, asdict
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from fraudscore_trainer.families.crnn.network import Crnn
from fraudscore_trainer.families.torch_parts import device_for
from fraudscore_trainer.features import windows as win


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    patience: int = 3
    dropout: float = 0.3          # after Dense(128), and after the convolution unless conv_dropout is set
    conv_dropout: float = None    # after the convolution (None: as dropout)
    seed: int = 0
    progress: bool = True
    threads: int = 0              # CPU threads (0: all cores)
    val_negatives: int = 20_000   # early stopping scores every fraud + this many legit windows

    @property
    def conv_dropout_rate(self) -> float:
        """The rate after the convolution as trained."""
        return self.dropout if self.conv_dropout is None else self.conv_dropout


def best_epoch(history):
    """The epoch whose weights training keeps (lowest validation loss); None for no history."""
    return min(history, key=lambda h: h["val_loss"])["epoch"] if history else None


def validation_sample(y_val, negatives, seed):
    """Indices and weights of a validation subsample whose weighted loss
    estimates the loss at the natural prevalence: every positive, and a random
    share of the negatives weighted by the inverse of that share."""
    pos = np.flatnonzero(y_val == 1)
    neg = np.flatnonzero(y_val == 0)
    if len(neg) <= negatives:
        return np.arange(len(y_val)), np.ones(len(y_val))
    keep = np.random.default_rng(seed).choice(neg, size=negatives, replace=False)
    chosen = np.sort(np.concatenate([pos, keep]))
    weights = np.where(y_val[chosen] == 1, 1.0, len(neg) / negatives)
    return chosen, weights


def _distributed():
    """(rank, world) under torchrun; (0, 1) otherwise."""
    world = int(os.environ.get("WORLD_SIZE", 1))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def _validation_loss(model, x_val, idx_val, y_val, weights, device, batch=4096):
    """Weighted mean BCE over the validation windows."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for s in range(0, len(idx_val), batch):
            idx = idx_val[s:s + batch]
            z, _ = model(torch.from_numpy(win.gather(x_val, idx)).to(device),
                         torch.from_numpy(win.valid_steps(idx)).to(device))
            loss = nn.functional.binary_cross_entropy_with_logits(
                z, torch.from_numpy(y_val[s:s + batch]).float().to(device),
                weight=torch.from_numpy(weights[s:s + batch]).float().to(device), reduction="sum")
            total += float(loss)
    return total / max(1.0, float(weights.sum()))


def train_crnn(train_windows, train_valid, train_y, x_all, val_idx, val_y, cfg: TrainConfig, checkpoint: Path = None,
               log=print):
    """Train on prepared (resampled) windows; validate on natural-prevalence
    windows given as indices into x_all. Returns (model, history)."""
    rank, world = _distributed()
    device = device_for(cfg.threads)
    sample, val_weights = validation_sample(val_y, cfg.val_negatives, cfg.seed)
    val_idx, val_y = val_idx[sample], val_y[sample]
    torch.manual_seed(cfg.seed)
    model = Crnn(train_windows.shape[2], dropout=cfg.dropout, conv_dropout=cfg.conv_dropout_rate).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    n_pos = max(1, int(train_y.sum()))
    n_neg = max(1, len(train_y) - n_pos)
    # 'balanced' class weights; after SMOTE they are close to 1, as in the paper's recipe.
    pos_weight = torch.tensor([n_neg / n_pos], device=device)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    state = {"epoch": 0, "best_loss": float("inf"), "best_state": None, "stale": 0, "history": []}
    # A checkpoint resumes only the same run: same configuration (more epochs
    # may be asked for) and same data.
    settings = {k: v for k, v in asdict(cfg).items() if k not in ("epochs", "progress", "threads")}
    run_key = repr((settings, train_windows.shape, int(train_y.sum()), len(val_idx)))
    if checkpoint and checkpoint.exists():
        saved = torch.load(checkpoint, map_location=device)
        if saved.get("run_key") == run_key:
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            state = saved["state"]
            log(f"resumed from {checkpoint} after epoch {state['epoch']}")
        else:
            log(f"ignoring {checkpoint}: it belongs to another configuration or data")
    net = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    xs = torch.from_numpy(train_windows)
    vs = torch.from_numpy(train_valid)
    ys = torch.from_numpy(train_y).float()
    gen = torch.Generator().manual_seed(cfg.seed)
    while state["epoch"] < cfg.epochs and state["stale"] < cfg.patience:
        net.train()
        started = time.time()
        order = torch.randperm(len(ys), generator=gen)[rank::world]
        batches = range(0, len(order), cfg.batch_size)
        running = 0.0
        for b in tqdm(batches, desc=f"epoch {state['epoch'] + 1}", disable=not cfg.progress or rank != 0,
                      mininterval=5, leave=False):
            sel = order[b:b + cfg.batch_size]
            z, _ = net(xs[sel].to(device), vs[sel].to(device))
            loss = loss_fn(z, ys[sel].to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += float(loss) * len(sel)
        val_loss = _validation_loss(model, x_all, val_idx, val_y, val_weights, device)
        state["epoch"] += 1
        train_loss = running / max(1, len(order))
        state["history"].append({"epoch": state["epoch"], "train_loss": train_loss, "val_loss": val_loss,
                                 "seconds": time.time() - started})
        if val_loss < state["best_loss"]:
            state.update(best_loss=val_loss, stale=0,
                         best_state={k: v.detach().cpu().clone() for k, v in model.state_dict().items()})
        else:
            state["stale"] += 1
        if rank == 0:
            log(f"epoch {state['epoch']}: train loss {train_loss:.4f}, validation loss {val_loss:.5f} "
                f"({time.time() - started:.0f} s)")
            if checkpoint:
                checkpoint.parent.mkdir(parents=True, exist_ok=True)
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state,
                            "run_key": run_key}, checkpoint)
    model.load_state_dict(state["best_state"])
    return model.cpu().eval(), state["history"]


def config_dict(cfg: TrainConfig):
    return asdict(cfg)
