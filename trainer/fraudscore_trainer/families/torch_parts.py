"""What the PyTorch families share: the dense head and the device choice."""
import os

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
