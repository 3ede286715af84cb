"""Tests of the PaySim simulator and loader: the properties the trainer and the models rely on."""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

from fraudscore_trainer.dataset.simulators import paysim as paysim_sim
from fraudscore_trainer.evaluation import sim_compare
from fraudscore_trainer.dataset.paysim import PAYSIM_COLUMNS, PAYSIM_TYPES, fingerprint, load_paysim
from fraudscore_trainer.dataset.simulators.paysim import simulate

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared/data/paysim_sample_3k.csv"
ROWS = 200_000
CENT = 0.005  # half a cent: tolerance for sums of values rounded to cents


class SimulateCommand(unittest.TestCase):
    def test_the_documented_command_writes_a_paysim_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "sim.csv"
            run = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "simulate", "--rows", "3000", "--seed",
                                  "3", "--out", str(out)], cwd=Path(__file__).resolve().parents[1],
                                 capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stderr)
            df = load_paysim(out)
            self.assertEqual(len(df), 3000)
            self.assertEqual(list(df.columns), PAYSIM_COLUMNS)


class SimulatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.df = simulate(ROWS, seed=11)
        cls.legit = cls.df[cls.df["isFraud"] == 0]
        cls.fraud = cls.df[cls.df["isFraud"] == 1]

    def test_columns_dtypes_and_size(self):
        self.assertEqual(list(self.df.columns), PAYSIM_COLUMNS)
        self.assertEqual(len(self.df), ROWS)
        self.assertIsInstance(self.df.index, pd.RangeIndex)
        for column in ["step", "isFraud", "isFlaggedFraud"]:
            self.assertEqual(self.df[column].dtype, np.int64, column)
        for column in ["amount", "oldbalanceOrg", "newbalanceOrig", "oldbalanceDest", "newbalanceDest"]:
            self.assertEqual(self.df[column].dtype, np.float64, column)
            np.testing.assert_array_equal(self.df[column], self.df[column].round(2))
        self.assertTrue(self.df["nameOrig"].str.fullmatch(r"C\d+").all())
        self.assertTrue(self.df["nameDest"].str.fullmatch(r"[CM]\d+").all())

    def test_deterministic_for_a_seed(self):
        first = simulate(20_000, seed=5)
        pd.testing.assert_frame_equal(first, simulate(20_000, seed=5))
        self.assertFalse(first.equals(simulate(20_000, seed=6)))

    def test_steps_in_range_sorted_and_daily_cycle(self):
        steps = self.df["step"].to_numpy()
        self.assertGreaterEqual(steps.min(), 1)
        self.assertLessEqual(steps.max(), 743)
        self.assertTrue(np.all(np.diff(steps) >= 0))
        hours = self.legit["step"] % 24
        self.assertLess(hours.between(3, 6).mean(), 0.01)
        self.assertGreater(hours.between(9, 20).mean(), 0.8)

    def test_type_shares_match_release(self):
        shares = self.df["type"].value_counts(normalize=True)
        release = paysim_sim.RELEASE_TYPE_COUNTS / paysim_sim.RELEASE_TYPE_COUNTS.sum()
        for name, expected in zip(PAYSIM_TYPES, release):
            self.assertAlmostEqual(shares[name], expected, delta=0.02, msg=name)

    def test_payees_by_type(self):
        merchant = self.df["nameDest"].str.startswith("M")
        np.testing.assert_array_equal(merchant, self.df["type"] == "PAYMENT")
        payments = self.df[merchant]
        self.assertTrue((payments["oldbalanceDest"] == 0).all() and (payments["newbalanceDest"] == 0).all())

    def test_amounts_resemble_release(self):
        medians = self.legit.groupby("type")["amount"].median()
        self.assertTrue(5_000 < medians["PAYMENT"] < 20_000)
        self.assertTrue(250_000 < medians["TRANSFER"] < 1_000_000)
        for name in ["CASH_IN", "CASH_OUT"]:
            self.assertTrue(80_000 < medians[name] < 250_000, name)
        self.assertLessEqual(self.df["amount"].max(), 10_000_000)

    def test_fraud_only_in_transfer_and_cash_out_at_release_rate(self):
        self.assertEqual(set(self.fraud["type"]), {"TRANSFER", "CASH_OUT"})
        self.assertAlmostEqual(len(self.fraud) / ROWS, 0.0013, delta=0.0004)
        counts = self.fraud["type"].value_counts()
        self.assertEqual(counts["TRANSFER"], counts["CASH_OUT"])

    def test_fraud_transfer_empties_victim_into_mule_that_cashes_out(self):
        transfers = self.fraud[self.fraud["type"] == "TRANSFER"]
        cash_outs = self.fraud[self.fraud["type"] == "CASH_OUT"]
        np.testing.assert_allclose(transfers["newbalanceOrig"], transfers["oldbalanceOrg"] - transfers["amount"], atol=CENT)
        whole = (transfers["amount"] == transfers["oldbalanceOrg"]) & (transfers["newbalanceOrig"] == 0)
        self.assertTrue((whole | (transfers["amount"] == 10_000_000)).all())
        self.assertTrue((transfers["oldbalanceDest"] == 0).all())
        self.assertTrue((transfers["newbalanceDest"] == transfers["amount"]).all())
        legs = transfers.reset_index().merge(
            cash_outs.reset_index(), left_on="nameDest", right_on="nameOrig", suffixes=("_t", "_c")
        )
        self.assertEqual(len(legs), len(transfers))
        np.testing.assert_array_equal(legs["amount_t"], legs["amount_c"])
        self.assertTrue((legs["index_c"] > legs["index_t"]).all())
        self.assertTrue((legs["step_c"] - legs["step_t"]).between(0, 3).all())
        self.assertTrue((legs["oldbalanceOrg_c"] == legs["amount_c"]).all() and (legs["newbalanceOrig_c"] == 0).all())

    def test_flagged_only_on_large_fraud_transfers(self):
        flagged = self.df[self.df["isFlaggedFraud"] == 1]
        self.assertTrue((flagged["isFraud"] == 1).all() and (flagged["type"] == "TRANSFER").all())
        self.assertTrue((flagged["amount"] > 200_000).all())
        fraud_heavy = simulate(ROWS, seed=3, fraud_rate=0.05)
        fraud_transfers = fraud_heavy[(fraud_heavy["isFraud"] == 1) & (fraud_heavy["type"] == "TRANSFER")]
        rate = fraud_transfers["isFlaggedFraud"].mean()  # release: 16 of 4,097
        self.assertGreater(rate, 0.001)
        self.assertLess(rate, 0.008)

    def test_some_legit_transfers_also_move_the_whole_balance(self):
        transfers = self.legit[self.legit["type"] == "TRANSFER"]
        whole = (transfers["amount"] == transfers["oldbalanceOrg"]) & (transfers["oldbalanceOrg"] > 0)
        self.assertGreater(whole.sum(), 0)
        self.assertLess(whole.mean(), 0.02)

    def test_payer_balances_follow_paysim_rule(self):
        legit = self.legit
        cash_in = legit["type"] == "CASH_IN"
        old, new, amount = legit["oldbalanceOrg"], legit["newbalanceOrig"], legit["amount"]
        np.testing.assert_allclose(new[cash_in], (old + amount)[cash_in], atol=CENT)
        np.testing.assert_allclose(new[~cash_in], np.maximum(0, old - amount)[~cash_in], atol=CENT)
        self.assertTrue(0.2 < (old[~cash_in] == 0).mean() < 0.7)
        self.assertLess((old[cash_in] == 0).mean(), 0.05)

    def test_payee_balances_move_by_the_amount(self):
        rows = self.df[self.df["nameDest"].str.startswith("C")]
        cash_in = rows["type"] == "CASH_IN"
        old, new, amount = rows["oldbalanceDest"], rows["newbalanceDest"], rows["amount"]
        np.testing.assert_allclose(new[cash_in], np.maximum(0, old - amount)[cash_in], atol=CENT)
        np.testing.assert_allclose(new[~cash_in], (old + amount)[~cash_in], atol=CENT)

    def test_each_account_balance_chains_from_row_to_row(self):
        sides = [
            self.df[["nameOrig", "oldbalanceOrg", "newbalanceOrig"]].set_axis(["name", "old", "new"], axis=1),
            self.df[["nameDest", "oldbalanceDest", "newbalanceDest"]].set_axis(["name", "old", "new"], axis=1),
        ]
        appearances = pd.concat([side.assign(row=side.index, role=role) for role, side in enumerate(sides)])
        appearances = appearances[appearances["name"].str.startswith("C")]
        appearances = appearances.sort_values(["name", "row", "role"], kind="stable")
        previous_new = appearances.groupby("name")["new"].shift()
        chained = previous_new.notna()
        self.assertGreater(chained.sum(), ROWS // 2)
        np.testing.assert_array_equal(appearances["old"][chained], previous_new[chained])

    def test_accounts_recur(self):
        per_payer = self.legit.groupby("nameOrig").size()
        self.assertGreaterEqual(per_payer.median(), 2)
        self.assertGreater((per_payer >= 5).mean(), 0.1)

    def test_small_and_fraud_free_runs(self):
        for n_rows in [0, 1, 10, 500]:
            self.assertEqual(len(simulate(n_rows, seed=1)), n_rows)
        self.assertEqual(simulate(5_000, seed=1, fraud_rate=0.0)["isFraud"].sum(), 0)


class CompareTest(unittest.TestCase):
    def test_report_has_both_sides_and_a_figure(self):
        sim, other = simulate(20_000, seed=1), simulate(5_000, seed=2, fraud_rate=0.02)
        stats = sim_compare.compare(sim, other)
        self.assertEqual(stats["sim"]["rows"], 20_000)
        self.assertAlmostEqual(sum(stats["real"]["type_share"].values()), 1.0)
        self.assertEqual(stats["sim"]["payment_zero_dest_share"], 1.0)
        self.assertGreater(stats["real"]["fraud_whole_balance_share"], 0.9)
        median = stats["sim"]["amount_quantiles"]["legit"]["PAYMENT"][1]
        self.assertEqual(median, sim.loc[(sim["type"] == "PAYMENT") & (sim["isFraud"] == 0), "amount"].median())
        with tempfile.TemporaryDirectory() as tmp:
            md, png = Path(tmp) / "report.md", Path(tmp) / "report.png"
            sim_compare.write_markdown(stats, md, png)
            text = md.read_text(encoding="utf-8")
            self.assertIn("## Simulator vs real PaySim sample", text)
            self.assertIn("500 of its 3,000 rows", text)
            self.assertIn("(report.png)", text)
            self.assertEqual(png.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")


class LoaderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.df = simulate(3_000, seed=2, fraud_rate=0.01)

    def tearDown(self):
        self.tmp.cleanup()

    def _write(self, df, name):
        path = self.dir / name
        df.to_csv(path, index=False)
        return path

    def test_round_trip_and_fingerprint(self):
        path = self._write(self.df, "sim.csv")
        loaded = load_paysim(path)
        pd.testing.assert_frame_equal(loaded, self.df)
        digest = fingerprint(path)
        self.assertRegex(digest, r"^[0-9a-f]{64}$")
        self.assertEqual(digest, fingerprint(path))
        self.assertNotEqual(digest, fingerprint(self._write(self.df.head(10), "head.csv")))
        self.assertEqual(len(load_paysim(path, nrows=100)), 100)

    def test_sorts_by_step_keeping_file_order_within_a_step(self):
        shuffled = self.df.sample(frac=1.0, random_state=0)
        loaded = load_paysim(self._write(shuffled, "shuffled.csv"))
        expected = shuffled.sort_values("step", kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(loaded, expected)

    def test_rejects_missing_columns(self):
        path = self._write(self.df.drop(columns=["oldbalanceDest", "isFraud"]), "missing.csv")
        with self.assertRaisesRegex(ValueError, "oldbalanceDest, isFraud"):
            load_paysim(path)

    def test_rejects_unknown_type(self):
        bad = self.df.copy()
        bad.loc[5, "type"] = "WIRE"
        with self.assertRaisesRegex(ValueError, "WIRE"):
            load_paysim(self._write(bad, "type.csv"))

    def test_rejects_bad_labels_and_missing_values(self):
        bad = self.df.copy()
        bad.loc[3, "isFraud"] = 2
        with self.assertRaisesRegex(ValueError, "isFraud"):
            load_paysim(self._write(bad, "label.csv"))
        bad = self.df.copy()
        bad.loc[3, "type"] = None
        with self.assertRaisesRegex(ValueError, "type"):
            load_paysim(self._write(bad, "nan.csv"))

    @unittest.skipUnless(SAMPLE.exists(), f"{SAMPLE} not present")
    def test_reads_real_sample(self):
        real = load_paysim(SAMPLE)
        self.assertEqual(len(real), 3_000)
        self.assertEqual(int(real["isFraud"].sum()), 500)
        self.assertEqual(list(real.columns), PAYSIM_COLUMNS)
        self.assertTrue(np.all(np.diff(real["step"].to_numpy()) >= 0))


if __name__ == "__main__":
    unittest.main()
