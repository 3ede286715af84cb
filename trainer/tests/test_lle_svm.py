"""The lle_svm pipeline: derived features, the core's formulas against scikit-learn, export, end to end."""
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.manifold import LocallyLinearEmbedding
from sklearn.svm import SVC

from fraudscore_trainer.families.lle_svm import model as lle_svm
from fraudscore_trainer.families.lle_svm import evaluation as lle_svm_eval
from fraudscore_trainer.families.lle_svm import export as lle_svm_export
from fraudscore_trainer.families.lle_svm import load as lle_svm_load
from fraudscore_trainer.features import reasons
from fraudscore_trainer.modelfile import schema_gen
from fraudscore_trainer.families.lle_svm import derive
from fraudscore_trainer.families.lle_svm.listed_spec import INDICATOR_COLUMNS, build_spec

TRAINER = Path(__file__).resolve().parents[1]


def read_golden(path, **kwargs):
    """A golden file as the core reads it: floats parsed correctly rounded (as strtod does), so a value
    written as its repr comes back bit for bit; pandas' default parser can be one ulp off."""
    return pd.read_csv(path, dtype={"company_id": str}, float_precision="round_trip", **kwargs)


class DerivedFeaturesTest(unittest.TestCase):
    def test_forms_first_year_zero_denominators_clip(self):
        cur = np.array([[2.0, 5.0, 1.0, 3.0], [4.0, 0.0, 7.0, 1e9]])
        prev = np.array([[1.0, 0.0, -1.0, 1e-6], [9.0, 9.0, 9.0, 9.0]])
        u = derive.derive(cur, prev, np.array([True, False]), clip=1e6).reshape(2, 4, 5)
        np.testing.assert_allclose(u[0, 0], [2, 1, 2, 1, 1 / 1.5])
        np.testing.assert_allclose(u[0, 1], [5, 5, 1, 0, 2])         # P = 0: ratio 1, relative 0
        np.testing.assert_allclose(u[0, 2], [1, 2, -1, -2, 0])       # X + P = 0: symmetric form 0
        self.assertEqual(u[0, 3, 2], 1e6)                            # 3 / 1e-6 clipped
        np.testing.assert_allclose(u[1, :3], [[4, 0, 1, 0, 0], [0, 0, 1, 0, 0], [7, 0, 1, 0, 0]])  # first year
        self.assertEqual(u[1, 3, 0], 1e6)

    def test_values_rounded_to_float32_first(self):
        u = derive.derive(np.array([[0.1]]), np.array([[0.3]]), np.array([True]))
        x, p = float(np.float32(0.1)), float(np.float32(0.3))
        self.assertEqual(u[0, 1], x - p)
        self.assertEqual(u[0, 2], x / p)

    def test_company_windows_follow_each_company(self):
        spec = build_spec()
        df = pd.DataFrame({"company_id": ["A", "B", "A", "A", "B"], "year": [1, 1, 2, 3, 2]})
        for j, c in enumerate(INDICATOR_COLUMNS):
            df[c] = np.arange(5) + 10.0 * j
        w, valid = derive.company_windows(df, spec)
        np.testing.assert_array_equal(valid, [1, 1, 2, 2, 2])
        np.testing.assert_array_equal(w[:, 0, 0], [0, 0, 0, 2, 1])  # previous record of the same company
        np.testing.assert_array_equal(w[:, 1, 0], [0, 1, 2, 3, 4])


class CoreFormulasTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rng = np.random.default_rng(3)
        cls.train = rng.normal(size=(120, 12))
        cls.labels = (cls.train[:, 0] + 0.5 * rng.normal(size=120) > 0.3).astype(int)
        cls.new = rng.normal(size=(40, 12)) * 1.3

    def test_lle_out_of_sample_equals_sklearn(self):
        for k, d in ((8, 3), (15, 5)):
            lle = LocallyLinearEmbedding(n_neighbors=k, n_components=d, reg=1e-3, eigen_solver="dense").fit(self.train)
            ours = lle_svm.lle_transform(self.new, self.train, lle.embedding_, k, 1e-3)
            np.testing.assert_allclose(ours, lle.transform(self.new), rtol=1e-7, atol=1e-10)

    def test_neighbour_ties_take_lower_index(self):
        points = np.array([[1.0, 0], [-1.0, 0], [0, 1.0], [0, -1.0], [5.0, 5.0]])
        self.assertEqual(lle_svm.nearest_indices(np.zeros((1, 2)), points, 3).tolist(), [[0, 1, 2]])

    def test_svm_decision_from_stored_arrays(self):
        svc = SVC(kernel="rbf", C=4.0, gamma=0.3).fit(self.train[:, :4], self.labels)
        ours = lle_svm.svm_decision(self.new[:, :4], svc.support_vectors_, svc.dual_coef_[0], svc.intercept_[0],
                                    0.3)
        np.testing.assert_allclose(ours, svc.decision_function(self.new[:, :4]), rtol=1e-10, atol=1e-12)

    def test_kmeans_assignment_and_grades(self):
        km = KMeans(n_clusters=5, n_init=10, random_state=0).fit(self.train[:, :3])
        np.testing.assert_array_equal(lle_svm.nearest(self.new[:, :3], km.cluster_centers_),
                                      km.predict(self.new[:, :3]))
        centroids, grades, info = lle_svm.fit_grades(self.train[:, :3], self.labels, 0, grid=(4,))
        rates = np.asarray(info["cluster_fraud_rates"])
        order = [lle_svm.CREDIT_SCALE.index(g) for g in grades]
        self.assertEqual(grades[int(np.argmax(rates))], "D")
        self.assertEqual(grades[int(np.argmin(rates))], "AAA")
        self.assertTrue(all((rates[a] <= rates[b]) == (order[a] <= order[b]) for a in range(4) for b in range(4)
                            if rates[a] != rates[b]))
        self.assertEqual(lle_svm.grade_names(5), ["AAA", "A", "BB", "CC", "D"])

    def test_weighted_max_f1(self):
        y = np.array([1, 1, 0, 1, 0, 0, 0, 0])
        p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
        self.assertEqual(lle_svm_eval.weighted_max_f1_threshold(y, p), 0.6)
        # Negatives standing for ten times as many: the stricter threshold wins.
        self.assertEqual(lle_svm_eval.weighted_max_f1_threshold(y, p, {1: 1.0, 0: 10.0}), 0.8)


def _tiny_model(seed=5):
    from fraudscore_trainer.families.lle_svm.listed_sim import simulate_panel
    df = simulate_panel(companies=60, years=6, seed=seed).rows
    spec = build_spec(df)
    w, v = derive.company_windows(df, spec)
    u = derive.derive_windows(w, v)
    y = df.is_fraud.to_numpy()
    rows = np.sort(np.r_[np.flatnonzero(y == 1)[:40], np.flatnonzero(y == 0)[::4][:100]])
    model = lle_svm.fit(u[rows], y[rows], seed, prevalence=y.mean(), log=lambda m: None, neighbours=10, dim=3)
    return df, spec, model


class ProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from fraudscore_trainer.families.lle_svm.listed_sim import simulate_panel
        cls.df = simulate_panel(companies=500, years=8, seed=4).rows

    def test_paper_sample_is_matched(self):
        df = self.df
        rows = lle_svm_eval.paper_sample(df, np.random.default_rng(0), companies=250, samples=400)
        s = df.iloc[rows]
        self.assertEqual((len(s), s.company_id.nunique(), int(s.is_fraud.sum())), (400, 250, 200))
        # Every fraud year has an honest partner of the same year from a never-offending company.
        years = [s[s.is_fraud == label].year.value_counts().to_dict() for label in (1, 0)]
        self.assertEqual(years[0], years[1])
        offenders = set(df.company_id[df.is_fraud == 1])
        self.assertFalse(set(s.company_id[s.is_fraud == 0]) & offenders)
        train, test = lle_svm_eval.random_split(rows, df.is_fraud.to_numpy(), np.random.default_rng(0))
        self.assertEqual((len(train), len(test), int(df.is_fraud.to_numpy()[test].sum())), (280, 120, 60))

    def test_company_split_and_training_subset(self):
        y = self.df.is_fraud.to_numpy()
        train, test = lle_svm_eval.company_split(self.df, np.random.default_rng(1))
        self.assertFalse(set(self.df.company_id[train]) & set(self.df.company_id[test]))
        self.assertAlmostEqual(test.mean(), 0.3, delta=0.01)
        rows, weights = lle_svm_eval.training_subset(train, y, np.random.default_rng(1), max_points=300)
        self.assertEqual(len(rows), 300)
        self.assertTrue(train[rows].all())
        self.assertEqual(int(y[rows].sum()), 100)
        self.assertAlmostEqual(weights[0], (train & (y == 0)).sum() / 200)

    def test_golden_rows_add_previous_years(self):
        df = self.df.iloc[:16].copy()  # two companies, 8 years each
        test = np.zeros(16, bool)
        test[[3, 8, 15]] = True
        g = lle_svm_export.golden_rows(df, test, "company_id", "year")
        self.assertEqual(list(zip(g.company_id, g.year)),
                         [(df.company_id[i], df.year[i]) for i in (2, 3, 8, 14, 15)])

    def test_golden_rows_cap_keeps_whole_companies_fraud_first(self):
        df = self.df.iloc[:24].copy()  # three companies, 8 years each
        df["is_fraud"] = 0
        df.loc[df.index[20], "is_fraud"] = 1  # the third company has a fraud year
        g = lle_svm_export.golden_rows(df, np.ones(24, bool), "company_id", "year", "is_fraud", max_rows=10)
        third, first = df.company_id.iloc[16], df.company_id.iloc[0]
        self.assertEqual(list(g.company_id.unique()), sorted([third, first]))  # the fraud company, then the next
        self.assertEqual(len(g), 16)


class FitExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.df, cls.spec, cls.model = _tiny_model()
        cls.risk = lle_svm_eval.risk_settings(cls.model)

    def test_scale_folded_into_embedding_and_prior_shift(self):
        m = self.model
        np.testing.assert_allclose(m.train_embedding.std(axis=0), 1.0)
        self.assertLess(m.platt[1], 0)  # shifted from the sample's ~30% to the panel's ~5% fraud rate
        self.assertLess(self.risk["review_threshold"], self.risk["decision_threshold"])

    def test_model_file_round_trip(self):
        blob = lle_svm_export.model_bytes(self.model, self.spec, self.risk, {"seed": 5}, 1e6, "test")
        S = schema_gen.schema()
        for mod in ("Model", "LleSvmConfig"):
            schema_gen.submodule(mod)
        body = S.Model.Model.GetRootAs(blob, 0).Body()
        self.assertEqual(body.Kind(), 3)
        tensors = {body.Tensors(i).Name().decode(): body.Tensors(i) for i in range(body.TensorsLength())}
        t = tensors["lle.train_points"]
        self.assertEqual(t.Dtype(), 3)
        self.assertEqual([t.Shape(i) for i in range(t.ShapeLength())], list(self.model.train_points.shape))
        np.testing.assert_array_equal(t.F64AsNumpy().reshape(t.Shape(0), -1), self.model.train_points)
        cfg = S.LleSvmConfig.LleSvmConfig()
        cfg.Init(body.Architecture().Bytes, body.Architecture().Pos)
        self.assertEqual((cfg.Indicators(), cfg.Neighbours(), cfg.EmbeddingDim()), (26, 10, 3))
        self.assertEqual(cfg.Gamma(), self.model.gamma)
        self.assertEqual([cfg.Grades(i).decode() for i in range(cfg.GradesLength())], self.model.grades)
        self.assertLess(len(blob), 1 << 20)

    def test_reasons_are_occlusion_deltas(self):
        rows = self.df.iloc[:12]
        s = lle_svm_export.score_rows(self.model, self.spec, self.risk, rows, 1e6)
        w, v = derive.company_windows(rows, self.spec)
        for r in range(len(rows)):
            for code, value in s["reasons"][r]:
                j = [f.reason_code for f in self.spec.features].index(code)
                occluded = reasons.occluded_windows(w[r:r + 1], self.spec, [j])
                p = self.model.score(derive.derive_windows(occluded, v[r:r + 1]))["probability"][0]
                self.assertAlmostEqual(value, s["probability"][r] - p, places=12)
                self.assertGreater(value, 0)


class EndToEndTest(unittest.TestCase):
    def test_build_and_core_parity(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            cmd = [sys.executable, "-m", "fraudscore_trainer", "build-lle-svm", "--seed", "3", "--companies", "90",
                   "--years", "6", "--max-points", "150", "--paper-companies", "60", "--paper-samples", "60",
                   "--models-dir", str(tmp / "models"), "--golden-dir", str(tmp / "golden"),
                   "--reports-dir", str(tmp / "reports"), "--example-out", str(tmp / "ex.csv")]
            run = subprocess.run(cmd, cwd=TRAINER, capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-4000:])
            model = tmp / "models/lle_svm-listed.fsmodel"
            golden = tmp / "golden/lle_svm-listed.csv"
            g = read_golden(golden)
            self.assertEqual(set(g.expected_valid_steps), {1, 2})
            self.assertTrue(g.expected_grade.notna().all())
            self.assertTrue((tmp / "reports/lle_svm-listed/report.md").exists())
            self.assertTrue((tmp / "models/lle_svm-listed.md").read_text().startswith("# lle_svm-listed"))
            # The model file alone (read back, not the trainer's in-memory model) reproduces the golden file.
            m, spec, risk, clip = lle_svm_load.load(model)
            g = read_golden(golden, keep_default_na=False)
            s = lle_svm_export.score_rows(m, spec, risk, g, clip)
            # The golden file writes probabilities with 12 significant digits: equal to that precision.
            np.testing.assert_allclose(s["probability"], g.expected_probability.astype(float), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(s["raw_probability"], g.expected_raw_probability.astype(float), rtol=1e-9)
            self.assertEqual(list(np.asarray(m.grades)[s["cluster"]]), list(g.expected_grade))
            self.assertEqual([reasons.format_reasons(r) for r in s["reasons"]], list(g.expected_reasons))
            # Exact, not a tolerance: the threshold is the model file's double copied into the golden file
            # as its shortest repr, and read_golden parses it correctly rounded, so it comes back bit for
            # bit (pandas' default parser can be one ulp off: seen as 0.36570237167155556 with OpenBLAS).
            self.assertEqual(set(g.expected_threshold.astype(float)), {risk["decision_threshold"]})
            parity = os.environ.get("FRAUDSCORE_PARITY")
            if not parity:
                self.skipTest("FRAUDSCORE_PARITY (path of golden_parity) not set")
            check = subprocess.run([parity, str(model), str(golden), "50"], capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertIn(" 0 failed", check.stdout)


class OwnDataTest(unittest.TestCase):
    def test_build_from_a_csv(self):
        from fraudscore_trainer.families.lle_svm.listed_sim import simulate_panel
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            rows = simulate_panel(companies=90, years=6, seed=8).rows.drop(columns=["industry", "fraud_type"])
            rows.sample(frac=1.0, random_state=0).to_csv(tmp / "mine.csv", index=False)  # any row order
            cmd = [sys.executable, "-m", "fraudscore_trainer", "build-lle-svm", "--data", str(tmp / "mine.csv"),
                   "--max-points", "150", "--paper-companies", "60", "--paper-samples", "60",
                   "--models-dir", str(tmp / "models"), "--golden-dir", str(tmp / "golden"),
                   "--reports-dir", str(tmp / "reports"), "--example-out", str(tmp / "ex.csv")]
            run = subprocess.run(cmd, cwd=TRAINER, capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-4000:])
            card = (tmp / "models/lle_svm-listed.md").read_text()
            self.assertIn("Company-years from `mine.csv`: 540 rows of 90 companies", card)
            self.assertIn("--data", card)
            g = read_golden(tmp / "golden/lle_svm-listed.csv")
            self.assertTrue((g.groupby("company_id").year.diff().dropna() > 0).all())  # each company in year order


if __name__ == "__main__":
    unittest.main()
