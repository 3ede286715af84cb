"""The listed-companies simulator: determinism, accounting identities, fraud distortions, overlap."""
import unittest

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fraudscore_trainer.families.lle_svm import listed_sim as fin_sim
from fraudscore_trainer.families.lle_svm.listed_spec import INDICATOR_COLUMNS, INDICATORS, build_spec

COL = {c: i for i, c in enumerate(INDICATOR_COLUMNS)}
GOVERNANCE = [i for i, ind in enumerate(INDICATORS) if ind.group == "governance"]


class SimulatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.panel = fin_sim.simulate_panel(companies=400, years=10, seed=11)
        cls.rep_ind = fin_sim.indicators(cls.panel.reported)
        cls.true_ind = fin_sim.indicators(cls.panel.true)

    def test_deterministic_per_seed(self):
        again = fin_sim.simulate_panel(companies=400, years=10, seed=11)
        self.assertTrue(again.rows.equals(self.panel.rows))
        other = fin_sim.simulate_panel(companies=400, years=10, seed=12)
        self.assertFalse(np.allclose(other.rows[INDICATOR_COLUMNS].to_numpy(),
                                     self.panel.rows[INDICATOR_COLUMNS].to_numpy()))

    def test_rows_are_the_reported_indicators(self):
        rows = self.panel.rows
        self.assertEqual(len(rows), 4000)
        np.testing.assert_allclose(rows[INDICATOR_COLUMNS].to_numpy(), self.rep_ind.reshape(-1, 26))
        self.assertTrue(np.isfinite(rows[INDICATOR_COLUMNS].to_numpy()).all())
        # Values respect the spec's lower bounds, so the core accepts every simulated row.
        for ind in INDICATORS:
            if not np.isnan(ind.min_value):
                self.assertGreaterEqual(rows[ind.column].min(), ind.min_value, ind.column)
        self.assertEqual(len(build_spec(rows).features), 26)

    def test_accounting_identities(self):
        for st in (self.panel.true, self.panel.reported):
            np.testing.assert_allclose(fin_sim.total_assets(st), fin_sim.total_liabilities(st) + st["equity"],
                                       rtol=1e-9)
        st, kind = self.panel.reported, self.panel.fraud_type
        surplus = (np.diff(st["equity"], axis=1)
                   - (st["net_income"] - st["dividends"] + st["issues"])[:, 1:])
        cash = np.diff(st["cash"], axis=1) - (st["cfo"] + st["cfi"] + st["cff"])[:, 1:]
        scale = st["revenue"][:, 1:]
        false_rec = kind == fin_sim.FALSE_RECORDS
        touched = false_rec[:, 1:] | false_rec[:, :-1]  # this year's report or the one it follows
        self.assertLess(np.abs(surplus[~touched] / scale[~touched]).max(), 1e-9)
        self.assertLess(np.abs(cash[~touched] / scale[~touched]).max(), 1e-9)
        fr = false_rec[:, 1:]
        self.assertTrue(fr.any())
        self.assertTrue((np.abs(surplus[fr] / scale[fr]) > 1e-3).all())  # equity is forced to balance

    def test_honest_companies_report_the_truth(self):
        clean = ~self.panel.fraud.any(axis=1)
        np.testing.assert_array_equal(self.rep_ind[clean], self.true_ind[clean])

    def _rows(self, kind):
        k = self.panel.fraud_type[:, 1:]
        return self.rep_ind[k == kind], self.true_ind[k == kind]

    def test_fictitious_revenue_inflates_receivables_and_margin(self):
        rep, true = self._rows(fin_sim.FICT_REVENUE)
        inflated = rep[:, COL["receivables_to_revenue"]] > true[:, COL["receivables_to_revenue"]]
        self.assertGreater(inflated.mean(), 0.95)
        self.assertTrue((rep[:, COL["gross_margin"]] > true[:, COL["gross_margin"]]).all())
        self.assertTrue((rep[:, COL["revenue_growth"]] >= true[:, COL["revenue_growth"]]).mean() > 0.9)

    def test_fictitious_assets_inflate_assets_and_cut_costs(self):
        rep, true = self._rows(fin_sim.FICT_ASSETS)
        self.assertTrue((rep[:, COL["inventory_to_revenue"]] > true[:, COL["inventory_to_revenue"]]).all())
        self.assertTrue((rep[:, COL["net_profit_to_assets"]] > true[:, COL["net_profit_to_assets"]]).all())
        self.assertTrue((rep[:, COL["revenue_growth"]] == true[:, COL["revenue_growth"]]).all())

    def test_false_records_flatter_liquidity(self):
        rep, true = self._rows(fin_sim.FALSE_RECORDS)
        self.assertTrue((rep[:, COL["current_ratio"]] > true[:, COL["current_ratio"]]).all())
        self.assertTrue((rep[:, COL["lt_loans_to_assets"]] <= true[:, COL["lt_loans_to_assets"]]).all())

    def test_non_statement_violations_leave_statements_alone(self):
        rep, true = self._rows(fin_sim.NON_STATEMENT)
        self.assertGreater(len(rep), 0)
        np.testing.assert_array_equal(rep, true)

    def test_overlap_like_reality(self):
        rows = self.panel.rows
        y = rows.is_fraud.to_numpy()
        self.assertTrue(0.02 < y.mean() < 0.10)
        x = rows[INDICATOR_COLUMNS].to_numpy()
        for j, c in enumerate(INDICATOR_COLUMNS):
            auc = roc_auc_score(y, x[:, j])
            self.assertLess(max(auc, 1 - auc), 0.8, c)  # no single indicator gives fraud away
        half = rows.company_id.str[1:].astype(int).to_numpy() % 2 == 0
        lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x[half], y[half])
        auc = roc_auc_score(y[~half], lr.predict_proba(x[~half])[:, 1])
        self.assertTrue(0.6 < auc < 0.95, auc)  # learnable, but far from perfect


if __name__ == "__main__":
    unittest.main()
