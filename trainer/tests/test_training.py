"""Training checkpoints: a run resumes where it stopped, and a checkpoint of
another configuration is not resumed."""
import tempfile
import unittest
from pathlib import Path

import numpy as np

from fraudscore_trainer.families.crnn.training import TrainConfig, train_crnn, validation_sample


def _data(seed=0, n=128):
    rng = np.random.default_rng(seed)
    windows = rng.normal(size=(n, 10, 4)).astype(np.float32)
    labels = (windows[:, -1, 0] > 0).astype(np.int64)
    return windows, np.full(n, 10, dtype=np.int64), labels, windows[:, -1, :].copy()


class Checkpoints(unittest.TestCase):
    def run_training(self, epochs, checkpoint, messages, batch_size=32):
        windows, valid, labels, x_all = _data()
        val_idx = np.tile(np.arange(32)[:, None], (1, 10))
        cfg = TrainConfig(epochs=epochs, batch_size=batch_size, patience=10, progress=False, threads=1)
        return train_crnn(windows, valid, labels, x_all, val_idx, labels[:32], cfg, checkpoint=checkpoint,
                          log=messages.append)

    def test_a_stopped_run_resumes_from_its_last_epoch(self):
        with tempfile.TemporaryDirectory() as tmp:
            ckpt = Path(tmp) / "run.pt"
            messages = []
            _, first = self.run_training(1, ckpt, messages)
            self.assertTrue(ckpt.exists())
            _, resumed = self.run_training(2, ckpt, messages)
            self.assertTrue(any("resumed" in m and "after epoch 1" in m for m in messages), messages)
            self.assertEqual(len(resumed), 2)
            self.assertEqual(resumed[0], first[0])

    def test_another_configuration_starts_afresh(self):
        with tempfile.TemporaryDirectory() as tmp:
            ckpt = Path(tmp) / "run.pt"
            messages = []
            self.run_training(1, ckpt, messages)
            _, history = self.run_training(1, ckpt, messages, batch_size=16)
            self.assertTrue(any("ignoring" in m for m in messages), messages)
            self.assertEqual(len(history), 1)


class ValidationSample(unittest.TestCase):
    def test_weights_make_the_sample_estimate_the_natural_prevalence(self):
        y = np.zeros(10_000, dtype=np.int64)
        y[:10] = 1
        chosen, weights = validation_sample(y, 1_000, seed=0)
        self.assertEqual(int(y[chosen].sum()), 10)                 # every positive kept
        self.assertEqual(len(chosen), 1_010)
        self.assertAlmostEqual(float(weights[y[chosen] == 0].sum()), 9_990.0, places=6)
        self.assertTrue(np.all(weights[y[chosen] == 1] == 1.0))


if __name__ == "__main__":
    unittest.main()
