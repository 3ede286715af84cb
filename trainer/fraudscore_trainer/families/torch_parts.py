"""What the PyTorch families share: the dense head, the device choice and checkpoints of a build."""
import os
from pathlib import Path

import torch
from torch import nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self, dim, units, dropout):
        super().__init__()
        self.fc1 = nn.Linear(dim, units)
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(units, 1)

    def forward(self, x):
        return self.fc2(self.dropout(F.relu(self.fc1(x)))).squeeze(-1)


def device_for(threads=0):
    if torch.cuda.is_available():
        rank = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(rank)
        return torch.device("cuda", rank)
    torch.set_num_threads(threads or os.cpu_count() or 1)  # Debian's torch uses one thread by default
    return torch.device("cpu")


def checkpoint_path(options, data, file_name):
    """Where a build keeps its training state (--checkpoints), named by model and data, or None."""
    folder = getattr(options, "checkpoints", "")
    return Path(folder) / f"{options.name}-{data.fingerprint[:16]}" / file_name if folder else None


def load_finished(path, run_key, log=print):
    """A finished training run saved by save_finished with the same run_key, or None."""
    if path is None or not path.exists():
        return None
    saved = torch.load(path, map_location="cpu")
    if saved.get("run_key") != run_key:
        log(f"ignoring {path}: it belongs to another configuration or data")
        return None
    log(f"resumed from {path}: training finished, evaluating and exporting again")
    return saved


def save_finished(path, run_key, payload):
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(dict(payload, run_key=run_key), path)
