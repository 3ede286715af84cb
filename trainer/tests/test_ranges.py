"""Training ranges (schema 1.2, issue 13 "fails closed"): each feature's range of x (after
`op` and log1p, before clip and z-score) over the training rows is written into the model
file, and the pipeline clips into it widened by the margin, as the core does."""
import math
import unittest
from pathlib import Path

import numpy as np

from fraudscore_trainer.modelfile import export
from fraudscore_trainer.modelfile import read as model_read
from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.dataset.simulators.paysim import simulate
from fraudscore_trainer.families.crnn.variants import spec_for

REPO = Path(__file__).resolve().parents[2]
RISK = {"decision_threshold": 0.5, "review_threshold": 0.1, "band_cuts": [0.1, 0.5, 0.9]}


class Ranges(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.df = simulate(3000, seed=3)
        cls.train = cls.df.iloc[:2000]

    def fitted(self, variant):
        spec = spec_for(variant, 10)
        feat.fit_normalisation(self.train, spec)
        return spec

    def test_ranges_are_the_training_rows_min_and_max_after_log1p(self):
        spec = self.fitted("on-device")
        raw = feat.raw_features(self.train, spec)
        for j, f in enumerate(spec.features):
            x = raw[:, j]
            if f.log1p:
                x = np.copysign(np.log1p(np.abs(x)), x)
            self.assertEqual(f.range_min, x.min(), f.name)
            self.assertEqual(f.range_max, x.max(), f.name)
        self.assertEqual(spec.range_margin, 0.25)
        amount = next(f for f in spec.features if f.name == "log_amount")
        self.assertAlmostEqual(amount.range_max, math.log1p(self.train.amount.max()))

    def test_a_time_column_gets_no_range_but_the_hour_does(self):
        paper = {f.name: f for f in self.fitted("paper").features}
        self.assertTrue(math.isnan(paper["step"].range_min) and math.isnan(paper["step"].range_max))
        self.assertFalse(math.isnan(paper["amount"].range_max))
        hour = {f.name: f for f in self.fitted("on-device").features}["hour_of_day"]
        self.assertEqual((hour.range_min, hour.range_max), (0.0, 23.0))

    def test_values_beyond_the_widened_range_are_clipped_and_counted(self):
        spec = self.fitted("on-device")
        rows = self.df.iloc[2000:2010].copy()
        rows.iloc[3, rows.columns.get_loc("amount")] = 1e308
        raw = feat.raw_features(rows, spec)
        counts = feat.out_of_range(raw, spec)
        self.assertGreaterEqual(counts[3], 1)
        x = feat.transform(raw, spec, normalise=False)
        j = spec.feature_names.index("log_amount")
        f = spec.features[j]
        self.assertEqual(x[3, j], f.range_max + 0.25 * (f.range_max - f.range_min))
        self.assertTrue(np.isfinite(feat.compute(rows, spec)).all())

    def test_export_writes_the_ranges_and_schema_1_2(self):
        spec = self.fitted("on-device")
        blob = export.build_model_bytes("t", "t", spec, {}, {}, RISK, {})
        m = model_read.load(blob)
        self.assertEqual((m.schemaMajor, m.schemaMinor), (1, 2))
        self.assertEqual(m.body.spec.rangeMargin, 0.25)
        for ft, f in zip(m.body.spec.features, spec.features):
            self.assertEqual((ft.rangeMin, ft.rangeMax), (f.range_min, f.range_max))
        back = model_read.spec_of(m)
        self.assertEqual([(f.range_min, f.range_max) for f in back.features],
                         [(f.range_min, f.range_max) for f in spec.features])

    def test_without_ranges_the_file_stays_1_1(self):
        spec = spec_for("on-device", 10)
        blob = export.build_model_bytes("t", "t", spec, {}, {}, RISK, {})
        self.assertEqual(model_read.load(blob).schemaMinor, 1)


if __name__ == "__main__":
    unittest.main()
