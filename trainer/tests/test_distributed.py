"""Data-parallel training: two CPU processes (gloo) train on disjoint shards
and end with identical weights, as DistributedDataParallel must keep them."""
import os
import socket
import tempfile
import unittest

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from fraudscore_trainer.families.crnn.training import TrainConfig, train_crnn


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, out_dir):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(world), RANK=str(rank),
                      LOCAL_RANK=str(rank))
    rng = np.random.default_rng(0)
    windows = rng.normal(size=(256, 10, 5)).astype(np.float32)
    labels = (windows[:, -1, 0] > 0).astype(np.int64)
    valid = np.full(256, 10, dtype=np.int64)
    x_all = windows[:, -1, :].copy()
    val_idx = np.tile(np.arange(64)[:, None], (1, 10))
    model, history = train_crnn(windows, valid, labels, x_all, val_idx, labels[:64],
                                TrainConfig(epochs=2, batch_size=32, progress=False, threads=1), log=lambda m: None)
    torch.save({"state": model.state_dict(), "epochs": len(history)}, os.path.join(out_dir, f"rank{rank}.pt"))
    dist.destroy_process_group()


class DistributedTraining(unittest.TestCase):
    def test_two_ranks_stay_in_sync(self):
        if not dist.is_available() or not dist.is_gloo_available():
            self.skipTest("torch.distributed with gloo is not available")
        with tempfile.TemporaryDirectory() as tmp:
            mp.spawn(_worker, args=(2, _free_port(), tmp), nprocs=2, join=True)
            a = torch.load(os.path.join(tmp, "rank0.pt"))
            b = torch.load(os.path.join(tmp, "rank1.pt"))
            self.assertEqual(a["epochs"], 2)
            for name, tensor in a["state"].items():
                self.assertTrue(torch.equal(tensor, b["state"][name]), name)


if __name__ == "__main__":
    unittest.main()
