"""Score rows with the trained PyTorch network, as the core would: this is
the trainer's side of the train/serve parity test."""
import numpy as np
import torch

from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.features import windows as win


def window_inputs(df, spec):
    """Features and window indices for rows in input order."""
    x = feat.compute(df, spec)
    keys = df[spec.key_column].to_numpy() if spec.key_column else None
    return x, win.window_indices(len(df), spec.window_length, keys)


@torch.no_grad()
def predict(model, x, indices, batch_size=4096, device="cpu"):
    """(logits float32 [n], attention float32 [n, T]) for the given windows."""
    model.eval()
    logits, attention = [], []
    for start in range(0, len(indices), batch_size):
        idx = indices[start:start + batch_size]
        xb = torch.from_numpy(win.gather(x, idx)).to(device)
        vb = torch.from_numpy(win.valid_steps(idx)).to(device)
        z, a = model(xb, vb)
        logits.append(z.float().cpu().numpy())
        attention.append(a.float().cpu().numpy())
    if not logits:
        return np.zeros(0, np.float32), np.zeros((0, indices.shape[1]), np.float32)
    return np.concatenate(logits), np.concatenate(attention)
