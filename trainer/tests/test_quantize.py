"""`quantize` and `narrowing-report`: float16 and int8 weight matrices (schema 1.5) that decode to what
numpy's rounding gives, every other tensor untouched, a file the core loads and scores close to the
float32 one, signing kept working, and a clear refusal for a model with nothing to narrow. The
core's side (decoding, refusals, exact equality with a float32 file of the decoded values) is
tests/unit/test_narrow_weights.cpp."""
import csv
import gzip
import io
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

from fraudscore_trainer.modelfile import quantize, read, schema_gen, signing
from fraudscore_trainer.paths import REPO

MODEL = REPO / "models" / "crnn-on-device.fsmodel"
EXAMPLE = REPO / "examples" / "transactions.csv"
CLI = os.environ.get("FRAUDSCORE_CLI")


def tensors(data):
    return {(t.name.decode() if isinstance(t.name, bytes) else t.name): t
            for t in read.load(signing.model_bytes(data)).body.tensors}


class Quantize(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.source = MODEL.read_bytes()
        cls.before = tensors(cls.source)
        cls.narrowed = {p: quantize.quantize_bytes(cls.source, p) for p in quantize.PRECISIONS}

    def test_weight_matrices_are_narrowed_and_decode_as_numpy_rounds(self):
        S = schema_gen.schema()
        for precision, (data, names) in self.narrowed.items():
            after = tensors(data)
            self.assertEqual(read.load(data).schemaMinor, 5)
            self.assertIn("lstm.weight_hh_l0", names)
            for name, t in self.before.items():
                original = quantize.decoded(t)
                if name not in names:  # biases and vectors keep float32, unchanged
                    self.assertEqual(after[name].dtype, S.DataType.DataType.Float32, name)
                    np.testing.assert_array_equal(quantize.decoded(after[name]), original)
                    self.assertLess(len(t.shape), 2, name)
                    continue
                got = quantize.decoded(after[name])
                if precision == "float16":
                    self.assertEqual(after[name].dtype, S.DataType.DataType.Float16)
                    np.testing.assert_array_equal(got, original.astype(np.float16).astype(np.float32))
                else:
                    self.assertEqual(after[name].dtype, S.DataType.DataType.Int8)
                    scale = np.abs(original.reshape(original.shape[0], -1)).max(axis=1) / 127
                    error = np.abs(got - original).reshape(original.shape[0], -1)
                    self.assertTrue(np.all(error <= scale[:, None] * 0.5 + 1e-7), name)

    def test_sizes_shrink(self):
        self.assertLess(len(self.narrowed["float16"][0]), 0.56 * len(self.source))
        self.assertLess(len(self.narrowed["int8"][0]), 0.34 * len(self.source))

    def test_a_model_without_float32_matrices_is_refused(self):
        with self.assertRaises(SystemExit) as e:
            quantize.quantize_bytes((REPO / "models" / "lle_svm-listed.fsmodel").read_bytes(), "int8")
        self.assertIn("no float32 weight matrices", str(e.exception))

    @unittest.skipUnless(CLI, "set FRAUDSCORE_CLI to score the narrowed files with the core")
    def test_the_core_loads_verifies_and_scores_them_close_to_float32(self):
        def probabilities(path, *extra):
            out = subprocess.run([CLI, "score", str(path), str(EXAMPLE), "--reasons", "0", *extra],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            return np.array([float(r["probability"]) for r in csv.DictReader(io.StringIO(out.stdout))])

        reference = probabilities(MODEL)
        with tempfile.TemporaryDirectory() as tmp:
            for precision, bound in (("float16", 2e-3), ("int8", 5e-2)):
                path = Path(tmp) / f"{precision}.fsmodel"
                quantize.run(type("Args", (), {"model": str(MODEL), "precision": precision, "out": str(path),
                                               "signing_key": str(REPO / "keys" / "fraudscore-test.key")})())
                info = subprocess.run([CLI, "info", str(path), "--trusted-key", str(REPO / "keys" / "fraudscore-test.pub")],
                                      capture_output=True, text=True)
                self.assertEqual(info.returncode, 0, info.stderr)
                self.assertIn(f"weights: {precision}\n", info.stdout)
                self.assertIn("signature: verified", info.stdout)
                got = probabilities(path, "--trusted-key", str(REPO / "keys" / "fraudscore-test.pub"))
                self.assertLessEqual(np.max(np.abs(got - reference)), bound, precision)
                self.assertGreater(np.max(np.abs(got - reference)), 0, precision)  # the rounding is real


    @unittest.skipUnless(CLI, "set FRAUDSCORE_CLI to score the narrowed files with the core")
    def test_narrowing_report_writes_its_card_section(self):
        with tempfile.TemporaryDirectory() as tmp:
            card = Path(tmp) / "card.md"
            card.write_text("# m\n\n## Network\ntext\n\n## Known limits\n- one\n\n## Rebuild\nx\n")
            wasm = Path(tmp) / "fake.wasm"
            wasm.write_bytes(bytes(range(256)) * 40)
            holdout = Path(tmp) / "holdout.csv"
            holdout.write_bytes(EXAMPLE.read_bytes())
            cmd = [sys.executable, "-m", "fraudscore_trainer", "narrowing-report", str(MODEL), "--data", str(EXAMPLE),
                   "--order-by", "step", "--last-fraction", "0.9", "--holdout", str(holdout), "--cli", CLI,
                   "--wasm", str(wasm), "--card", str(card)]
            for _ in range(2):  # a second run replaces the section it wrote
                out = subprocess.run(cmd, cwd=REPO / "trainer", capture_output=True, text=True)
                self.assertEqual(out.returncode, 0, out.stderr)
            text = card.read_text()
            self.assertEqual(text.count("## Narrowed weights"), 1)
            self.assertLess(text.index("## Narrowed weights"), text.index("## Known limits"))
            rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if line.startswith("| ")}
            sizes = {p: int(rows[p].split(" | ")[1].replace(",", "")) for p in ("float32", "float16", "int8")}
            self.assertEqual(sizes["float32"], MODEL.stat().st_size)
            self.assertEqual(sizes["int8"], len(self.narrowed["int8"][0]))
            self.assertLess(sizes["int8"], sizes["float16"])
            zipped_wasm = len(gzip.compress(wasm.read_bytes(), compresslevel=9, mtime=0))
            for p in sizes:
                zipped = int(rows[p].split(" | ")[2].replace(",", ""))
                self.assertEqual(int(rows[p].split(" | ")[3].replace(",", "")), zipped + zipped_wasm)
            self.assertIn("| float32 | ", rows["float32"])
            self.assertIn(" / 0 |", rows["float32"])  # float32 against itself
            self.assertIn("narrowing-report", text)
            self.assertIn("metrics on the last 90% of each file's rows in `step` order; on all rows of holdout.csv", text)
            cells = rows["float32"].split(" | ")
            self.assertNotEqual(cells[4], cells[5])  # 90% of the rows, and all of them


if __name__ == "__main__":
    unittest.main()
