"""Users' own data (issue 11): the dataset description and its strict checks,
`describe`, and a crnn trained end to end from a description of the Sparkov
card transactions (a schema unlike PaySim's), scored by the C++ core."""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

TRAINER = Path(__file__).resolve().parents[1]
SHARED = TRAINER.parents[1] / "shared" / "data"
SPARKOV = SHARED / "sparkov_cards_2023.csv.gz"

from tests.core_tools import core_tool  # noqa: E402
from fraudscore_trainer.evaluation import validation_curve
from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.dataset import DataError, DescriptionError, from_dict, load, read
from fraudscore_trainer.dataset.describe import draft  # noqa: E402
from fraudscore_trainer.dataset.spec import UNKNOWN, build_spec  # noqa: E402


def _require_sparkov(test):
    if not SPARKOV.exists():
        test.fail(f"{SPARKOV} is missing: the repository expects ../shared/data beside it (see shared/data/README.md)")


def _base():
    return {
        "version": 1, "name": "t", "data": {"files": ["rows.csv"]},
        "window": {"length": 3, "mode": "per_key"},
        "columns": {
            "card": {"role": "key"},
            "ts": {"role": "time", "format": "unix_seconds"},
            "amount": {"role": "feature", "type": "numeric", "known_at_decision": True, "min": 0,
                       "transform": "log1p"},
            "kind": {"role": "feature", "type": "categorical", "known_at_decision": True},
            "settled": {"role": "feature", "type": "numeric", "known_at_decision": False},
            "fraud": {"role": "label", "positive": 1},
        },
    }


ROWS = textwrap.dedent("""\
    card,ts,amount,kind,settled,fraud
    A,100,10.5,pos,1,0
    B,101,20,web,1,0
    A,102,30,pos,0,1
    B,103,5,web,1,0
    A,104,7,atm,1,0
    C,105,9,pos,1,0
    """)


def _build(description, family, out, name, *extra):
    return subprocess.run([sys.executable, "-m", "fraudscore_trainer", "build", "--description", str(description),
                           "--family", family, "--out", str(out), "--name", name, "--no-progress", "--threads", "2",
                           *extra], cwd=TRAINER, capture_output=True, text=True)


def _parity(test, out, name, min_rows):
    """The core reproduces NAME.golden.csv (at least min_rows rows)."""
    parity = core_tool("FRAUDSCORE_PARITY", "tests/golden_parity")
    if not parity:
        test.skipTest("build the core first (golden_parity not found)")
    check = subprocess.run([parity, str(out / f"{name}.fsmodel"), str(out / f"{name}.golden.csv"), str(min_rows)],
                           capture_output=True, text=True)
    test.assertEqual(check.returncode, 0, check.stdout + check.stderr)
    test.assertIn(" 0 failed", check.stdout)


class DescriptionChecks(unittest.TestCase):
    def _error(self, mutate, fragment):
        d = _base()
        mutate(d)
        with self.assertRaises(DescriptionError) as ctx:
            from_dict(d)
        self.assertIn(fragment, str(ctx.exception))

    def test_a_good_description_reads(self):
        d = from_dict(_base())
        self.assertEqual(d.label.name, "fraud")
        self.assertEqual(d.key.name, "card")
        self.assertEqual([c.name for c in d.features()], ["amount", "kind"])
        self.assertEqual([c.name for c in d.excluded()], ["settled"])

    def test_every_mistake_is_named(self):
        self._error(lambda d: d["columns"]["amount"].update(colour="red"), "unknown field 'colour'")
        self._error(lambda d: d["columns"]["amount"].pop("known_at_decision"), "known when a payment is scored")
        self._error(lambda d: d["columns"]["card"].update(role="label"), "2 columns have role = \"label\"")
        self._error(lambda d: d["columns"].pop("fraud"), "no column has role = \"label\"")
        self._error(lambda d: d["columns"].pop("card"), "needs a column with role = \"key\"")
        self._error(lambda d: d["columns"]["ts"].update(format="sometimes"), "not a strftime pattern")
        self._error(lambda d: d["columns"]["amount"].update(type="text"), "'text' is not one of")
        self._error(lambda d: d["columns"]["amount"].update(min="zero"), "'zero' is not a number")
        self._error(lambda d: d.pop("version"), "version = 1 is required")
        self._error(lambda d: d["data"].update(source=3), "[data] source")
        self._error(lambda d: d["window"].update(length=0), "outside 1..512")
        self._error(lambda d: d.update(derived=[{"name": "x", "op": "difference", "a": "amount", "b": "nope"}]),
                    "no described column 'nope'")
        self._error(lambda d: d.update(derived=[{"name": "x", "op": "difference", "a": "amount", "b": "settled"}]),
                    "known at decision time")
        self._error(lambda d: d["columns"]["amount"].update(direct=False), "no derived feature reads it")
        self._error(lambda d: d["columns"]["kind"].update(type="identifier"), "read only by a prefix_flag")
        self._error(lambda d: d.update(derived=[{"name": "m", "op": "prefix_flag", "a": "amount", "text": "M"}]),
                    "prefix_flag needs a key column")
        self._error(lambda d: d.update(derived=[{"name": "r", "op": "relative_to_history", "a": "amount"}]),
                    "relative_to_history needs parameter > 0")
        self._error(lambda d: d.update(derived=[{"name": "r", "op": "relative_to_history", "a": "settled",
                                                 "parameter": 1.0}]), "known at decision time")
        self._error(lambda d: d.update(derived=[{"name": "g", "op": "time_since_previous", "a": "kind"}]),
                    "time_since_previous needs the time column")
        self._error(lambda d: d.update(derived=[{"name": "w", "op": "day_of_week", "a": "amount"}]),
                    "day_of_week needs the time column")
        self._error(lambda d: d.update(derived=[{"name": "g", "op": "time_since_previous", "a": "ts",
                                                 "first_event": "long ago"}]), "'long ago' is not a number")

    def test_split_and_dynamic_threshold_mistakes_are_named(self):
        self._error(lambda d: d.update(split={"train_end": 100}), "missing field 'validation_end'")
        self._error(lambda d: d.update(split={"by": "month"}), "'month' is not one of time, key")
        self._error(lambda d: d.update(split={"by": "key", "train_share": 0.8, "validation_share": 0.3}),
                    "leave a test share")
        self._error(lambda d: d.update(split={"by": "key", "train_end": 3}), "are for by = \"time\"")
        self._error(lambda d: d.update(split={"train_end": [1], "validation_end": 2}), "neither a time value")
        self._error(lambda d: d.update(dynamic_thresholds={"segment": "amount"}), "must be a categorical feature")
        self._error(lambda d: d.update(dynamic_thresholds={"segment": "kind", "target_alert_rate": 0.7}),
                    "outside (0, 0.5)")
        self._error(lambda d: d.update(dynamic_thresholds={"segmnet": "kind"}), "unknown field 'segmnet'")
        d = from_dict({**_base(), "split": {"train_end": "2020-01-01", "validation_end": 200},
                       "dynamic_thresholds": {"segment": "kind"}})
        self.assertEqual((d.split.by, d.split.train_end, d.dynamic_thresholds.segment), ("time", "2020-01-01", "kind"))

    def test_toml_errors_are_plain(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "d.toml"
            path.write_text("version = 1\nname = \n")
            with self.assertRaises(DescriptionError) as ctx:
                load(path)
            self.assertIn("not valid TOML", str(ctx.exception))
            with self.assertRaises(DescriptionError):
                load(Path(tmp) / "absent.toml")


class HistoryFeatures(unittest.TestCase):
    """The trainer's twin of the core's history operations, on the stream that
    tests/unit/test_history_features.cpp checks in C++ (window 3, keys C1 and C2)."""

    def _spec(self, mode=feat.WINDOW_PER_KEY):
        columns = [feat.Column("step", feat.TIME), feat.Column("amount"), feat.Column("card", feat.IDENTIFIER)]
        features = [feat.Feature("since", feat.OP_SINCE_PREVIOUS, "step", parameter=48.0),
                    feat.Feature("vs_recent", feat.OP_RELATIVE_TO_HISTORY, "amount", parameter=1.0),
                    feat.Feature("day", feat.OP_DAY_OF_WEEK, "step", parameter=24.0)]
        return feat.Spec(columns, features, window_length=3, window_mode=mode,
                         key_column="card" if mode == feat.WINDOW_PER_KEY else None)

    ROWS = pd.DataFrame({"step": [10, 12, 13, 20, 40, 41, 50, -30],
                         "amount": [100, 0.5, 300, 2, 50, 70, 1000, 1],
                         "card": ["C1", "C2", "C1", "C2", "C1", "C1", "C1", "C4"]})

    def test_per_key_values_match_the_hand_computed_ones(self):
        x = feat.raw_features(self.ROWS, self._spec())
        np.testing.assert_array_equal(x[:, 0], [48, 48, 3, 8, 27, 1, 9, 48])
        np.testing.assert_array_equal(x[:, 1], [1, 1, 3, 2, 50 / 200, 70 / 150, 1000 / ((300 + 50 + 70) / 3), 1])
        np.testing.assert_array_equal(x[:, 2], [3, 3, 3, 3, 4, 4, 5, 1])

    def test_a_global_window_reads_every_previous_row(self):
        x = feat.raw_features(self.ROWS.iloc[:4], self._spec(feat.WINDOW_GLOBAL))
        np.testing.assert_array_equal(x[:, 0], [48, 2, 1, 7])
        np.testing.assert_allclose(x[:, 1], [1, 0.5 / 100, 300 / 50.25, 2 / (400.5 / 3)], rtol=1e-15)

    def test_history_features_get_a_range_and_declare_schema_1_3(self):
        from fraudscore_trainer.modelfile import export
        spec = self._spec()
        feat.fit_normalisation(self.ROWS, spec)
        self.assertTrue(all(f.range_min == f.range_min for f in spec.features))
        body = export.build_model_bytes("t", "", spec, {"conv_filters": 2, "conv_kernel": 2, "lstm_hidden": 2,
                                                         "attention_dim": 2, "dense_units": 2}, {},
                                        {"decision_threshold": 0.5, "review_threshold": 0.4,
                                         "band_cuts": [0.2, 0.5, 0.8]}, {})
        model = export.schema_gen.submodule("Model").Model.GetRootAs(body, 0)
        self.assertEqual((model.SchemaMajor(), model.SchemaMinor()), (1, 3))


class DataChecks(unittest.TestCase):
    def _read(self, text, mutate=None):
        d = _base()
        if mutate:
            mutate(d)
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "rows.csv").write_text(text)
            return read(from_dict(d, base_dir=Path(tmp)))

    def _error(self, text, fragment, mutate=None):
        with self.assertRaises(DataError) as ctx:
            self._read(text, mutate)
        self.assertIn(fragment, str(ctx.exception))

    def test_good_rows(self):
        data = self._read(ROWS)
        self.assertEqual(list(data.y), [0, 0, 1, 0, 0, 0])
        self.assertEqual(len(data), 6)
        self.assertTrue(any("1 of 3 keys" in w for w in data.warnings))   # card C has one row

    def test_missing_column_names_it_and_the_file_columns(self):
        self._error(ROWS.replace("settled", "settled_at"), "no column 'settled'")

    def test_a_value_that_does_not_parse_names_line_column_and_value(self):
        self._error(ROWS.replace("20,web", "2O,web"), "rows.csv, line 3, column 'amount': '2O' is not a finite number")
        self._error(ROWS.replace("5,web", "-5,web"), "below the described min 0")
        self._error(ROWS.replace("B,103", "B,soon"), "line 5, column 'ts': 'soon' is not a finite number")

    def test_the_label_must_be_binary_with_positives(self):
        self._error(ROWS.replace("atm,1,0", "atm,1,2"), "3 distinct values")
        self._error(ROWS.replace("pos,0,1", "pos,0,0"), "no row has the positive value 1")
        self._error(ROWS.replace("atm,1,0", "atm,1,"), "the label is missing")

    def test_a_missing_key_is_refused(self):
        self._error(ROWS.replace("C,105", ",105"), "key column 'card': value is missing")

    def test_rows_out_of_time_order_are_sorted_with_a_warning(self):
        data = self._read(ROWS.replace("B,101", "B,109"))
        self.assertTrue(any("earlier than the row before" in w for w in data.warnings))
        self.assertTrue(np.all(np.diff(data.time) >= 0))
        self.assertEqual(data.frame["card"].iloc[-1], "B")

    def test_text_times_in_a_strftime_format(self):
        text = ROWS.replace("ts", "when")
        for i in range(6):
            text = text.replace(f",10{i},", f",2024-01-0{i + 1} 10:00:00,")
        data = self._read(text, lambda d: d["columns"].update(
            when={"role": "time", "format": "%Y-%m-%d %H:%M:%S"}) or d["columns"].pop("ts"))
        self.assertEqual(data.time[1] - data.time[0], 86400.0)
        # A text time orders the rows; the scorer reads numbers, so the model does not ask for it.
        self.assertNotIn("when", [c.name for c in build_spec(data.description, data.frame.iloc[:4]).columns])
        self._error(text.replace("2024-01-03", "2024-13-03"), "is not a time in format",
                    lambda d: d["columns"].update(when={"role": "time", "format": "%Y-%m-%d %H:%M:%S"})
                    or d["columns"].pop("ts"))

    def test_undescribed_columns_are_a_stated_warning(self):
        data = self._read(ROWS.replace("fraud\n", "fraud,extra\n").replace(",0\n", ",0,x\n").replace(",1\n", ",1,x\n"))
        self.assertTrue(any("not in the description" in w and "extra" in w for w in data.warnings))

    def test_the_spec_reads_only_known_columns_and_buckets_unseen_categories(self):
        data = self._read(ROWS)
        spec = build_spec(data.description, data.frame.iloc[:4])
        # never 'settled'; the numeric time although no feature reads it: clients send it, rows are ordered by it
        self.assertEqual([c.name for c in spec.columns], ["card", "ts", "amount", "kind"])
        self.assertEqual(spec.time_column, "ts")
        kind = spec.column("kind")
        self.assertEqual(kind.vocabulary[-1], UNKNOWN)
        self.assertNotIn("atm", kind.vocabulary)                  # 'atm' is only after the training rows
        feat.fit_normalisation(data.frame.iloc[:4], spec)
        raw = feat.raw_features(data.frame, spec)
        unknown_feature = spec.feature_names.index(f"kind={UNKNOWN}")
        self.assertEqual(raw[4, unknown_feature], 1.0)           # the unseen 'atm' row is in the bucket,
        self.assertEqual(feat.out_of_range(raw, spec)[4], 1)      # which training never filled: flagged
        self.assertEqual(list(feat.out_of_range(raw, spec)[:4]), [0, 0, 0, 0])
        self.assertEqual(spec.features[unknown_feature].std, 1.0)  # indicators stay 0/1


class Splits(unittest.TestCase):
    def test_time_cut_offs_in_the_time_columns_units(self):
        from fraudscore_trainer.dataset.reading import time_value
        from fraudscore_trainer.evaluation.splits import split_at
        s = split_at(np.array([1.0, 2, 2, 3, 5, 8]), 2.0, 5.0)
        self.assertEqual((list(s.train), list(s.val), list(s.test)), ([0], [1, 2, 3], [4, 5]))
        seconds = from_dict(_base()).time
        self.assertEqual(time_value(seconds, "1970-01-02", "x"), 86400.0)
        self.assertEqual(time_value(seconds, 17, "x"), 17.0)
        step = from_dict({**_base(), "columns": {**_base()["columns"], "ts": {"role": "time", "format": "step"}}}).time
        with self.assertRaises(DescriptionError) as ctx:
            time_value(step, "2020-01-01", "[split] train_end")
        self.assertIn("counts steps", str(ctx.exception))

    def test_by_key_keeps_each_key_whole_and_spreads_the_keys_with_fraud(self):
        from fraudscore_trainer.evaluation.splits import split_by_key
        rng = np.random.default_rng(0)
        keys = rng.integers(0, 200, 5000).astype(str)
        y = np.isin(keys, [str(k) for k in range(0, 200, 5)]) & (rng.random(5000) < 0.3)
        s = split_by_key(keys, y.astype(int), 0.6, 0.2, seed=1)
        parts = [set(keys[r]) for r in (s.train, s.val, s.test)]
        self.assertFalse(parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
        self.assertEqual(len(s.train) + len(s.val) + len(s.test), 5000)
        with_fraud = [len(set(keys[r][y[r]])) for r in (s.train, s.val, s.test)]
        self.assertEqual(sum(with_fraud), len(set(keys[y])))
        self.assertEqual(with_fraud, [24, 8, 8])        # 40 keys with fraud: 60/20/20
        again = split_by_key(keys, y.astype(int), 0.6, 0.2, seed=1)
        self.assertTrue(np.array_equal(again.test, s.test))


class OperatingPoints(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(3)
        self.y = (rng.random(5000) < 0.05).astype(int)
        self.p = np.clip(rng.normal(0.2 + 0.4 * self.y, 0.15), 0, 1)

    def test_each_policy_meets_its_target(self):
        from fraudscore_trainer.evaluation import metrics
        from fraudscore_trainer.evaluation import operating_point as op
        t = op.choose(op.parse("alert_rate:0.02"), self.y, self.p)
        self.assertLessEqual((self.p >= t).mean(), 0.02)
        self.assertGreater((self.p >= t).mean(), 0.019)
        t = op.choose(op.parse("recall:0.9"), self.y, self.p)
        self.assertGreaterEqual(metrics.at_threshold(self.y, self.p, t)["recall"], 0.9)
        t = op.choose(op.parse("cost:20"), self.y, self.p)
        cost = lambda th: 20 * ((self.p < th) & (self.y == 1)).sum() + ((self.p >= th) & (self.y == 0)).sum()
        self.assertEqual(cost(t), min(cost(th) for th in np.unique(self.p)))
        cheap = op.choose(op.parse("cost:1"), self.y, self.p)
        self.assertGreater(cheap, t)      # cheaper misses: block less
        rows = op.curve(self.y, self.p, t)
        self.assertEqual(sum(r["chosen"] for r in rows), 1)
        self.assertIn("**(chosen)**", op.curve_table(rows))

    def test_bad_policies_are_named(self):
        from fraudscore_trainer.evaluation import operating_point as op
        for text, fragment in (("best", "use one of"), ("alert_rate:2", "must be in (0, 1)"),
                               ("recall:x", "'x' is not a number"), ("cost:0", "must be > 0")):
            with self.assertRaises(ValueError) as ctx:
                op.parse(text)
            self.assertIn(fragment, str(ctx.exception))


class Describe(unittest.TestCase):
    def test_sparkov_draft(self):
        _require_sparkov(self)
        text = draft(SPARKOV, sample_rows=20_000)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "d.toml"
            path.write_text(text)
            d = load(path)                       # the draft is a valid description as it stands
        self.assertEqual(d.label.name, "is_fraud")
        self.assertEqual(d.key.name, "cc_num")
        self.assertEqual((d.time.name, d.time.format), ("unix_time", "unix_seconds"))
        roles = {c.name: c.role for c in d.columns.values()}
        self.assertEqual(roles["trans_num"], "ignored")
        self.assertEqual(roles["job"], "ignored")            # the same in every row of a card
        self.assertEqual(d.columns["amt"].transform, "log1p")
        self.assertEqual(d.columns["category"].type, "categorical")
        # The usual per-card features are drafted: clock features and the card's own history.
        ops = {x.name: (x.op, x.a) for x in d.derived}
        self.assertEqual(ops["since_previous_unix_time"], ("time_since_previous", "unix_time"))
        self.assertEqual(ops["amt_vs_recent"], ("relative_to_history", "amt"))
        self.assertEqual(ops["unix_time_day_of_week"], ("day_of_week", "unix_time"))

    def test_flags_set_roles_and_a_wrong_flag_is_named(self):
        _require_sparkov(self)
        text = draft(SPARKOV, key="merchant", sample_rows=5_000)
        self.assertIn('[columns.merchant]\nrole = "key"', text)
        with self.assertRaises(DescriptionError) as ctx:
            draft(SPARKOV, label="fraudulent", sample_rows=100)
        self.assertIn("--label 'fraudulent'", str(ctx.exception))

    def test_command_line(self):
        _require_sparkov(self)
        run = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "describe", str(SPARKOV)], cwd=TRAINER,
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn('role = "label"', run.stdout)
        bad = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "describe", "/nonexistent.csv"],
                             cwd=TRAINER, capture_output=True, text=True)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("fraudscore-train: error: cannot read", bad.stderr)
        self.assertNotIn("Traceback", bad.stderr)



class GoldenRows(unittest.TestCase):
    def test_the_same_build_picks_the_same_golden_rows(self):
        """The rows do not depend on Python's per-process string hashing (a set's order did)."""
        code = textwrap.dedent("""
            import numpy as np, pandas as pd
            from fraudscore_trainer.features import spec as feat
            from fraudscore_trainer.modelfile.golden import select_rows
            keys = [f"card{i % 40}" for i in range(400)]
            frame = pd.DataFrame({"card": keys})
            spec = feat.Spec([feat.Column("card", feat.IDENTIFIER)], [], window_length=3, window_mode=feat.WINDOW_PER_KEY,
                             key_column="card")
            labels = np.array([int(i % 37 == 0) for i in range(400)])
            print(list(select_rows(frame, spec, np.arange(400), 60, 7, labels=labels)))
            """)
        picked = [subprocess.run([sys.executable, "-c", code], cwd=TRAINER, capture_output=True, text=True,
                                 env={**os.environ, "PYTHONHASHSEED": seed}) for seed in ("1", "2", "3")]
        for run in picked:
            self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(picked[0].stdout, picked[1].stdout)
        self.assertEqual(picked[0].stdout, picked[2].stdout)


class BuildFromDescription(unittest.TestCase):
    """The shipped Sparkov description -> a tiny crnn -> the core scores it like the trainer."""

    def _build(self, out, *extra):
        cmd = [sys.executable, "-m", "fraudscore_trainer", "build", "--description",
               str(TRAINER / "descriptions/sparkov_cards.toml"), "--family", "crnn", "--out", str(out),
               "--name", "sparkov-tiny", "--epochs", "1", "--max-windows", "600", "--max-rows", "8000",
               "--no-progress", "--threads", "2", "--threshold", "recall:0.8", *extra]
        return subprocess.run(cmd, cwd=TRAINER, capture_output=True, text=True)

    def test_build_score_parity(self):
        _require_sparkov(self)
        parity = core_tool("FRAUDSCORE_PARITY", "tests/golden_parity")
        cli = core_tool("FRAUDSCORE_CLI", "cli/fraudscore")
        if not parity or not cli:
            self.skipTest("build the core first (golden_parity and fraudscore binaries not found)")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            # A later stretch of the same file as the holdout: scored by the finished model, in the card.
            later = pd.read_csv(SPARKOV, skiprows=range(1, 30001), nrows=6000)
            later.to_csv(Path(tmp) / "later.csv", index=False)
            checkpoints = ("--checkpoints", str(Path(tmp) / "ck"))
            run = self._build(out, "--holdout", str(Path(tmp) / "later.csv"), *checkpoints)
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-3000:])
            model, golden = out / "sparkov-tiny.fsmodel", out / "sparkov-tiny.golden.csv"
            card = (out / "sparkov-tiny.md").read_text()
            self.assertIn("## Holdout file", card)
            self.assertRegex(card, r"`later.csv` \(6,000 rows, \d+ fraud; SHA-256")
            self.assertIn("--holdout " + str(Path(tmp) / "later.csv"), card)
            curve = json.loads((out / "sparkov-tiny-report" / "validation_curve.json").read_text())
            self.assertEqual(curve["model"], "sparkov-tiny")
            self.assertEqual(curve["model_checksum"], validation_curve.checksum_hex(model.read_bytes()))
            marks = {m for point in curve["points"] for m in point.get("mark", "").split("+") if m}
            self.assertEqual(marks, {"review", "block"})
            regen = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "validation-curve", str(model)],
                                   cwd=TRAINER, capture_output=True, text=True)   # for the paper builder's files
            self.assertIn("was built from a dataset description: its build wrote the curve", regen.stderr)
            self.assertNotIn("Traceback", regen.stderr)
            self.assertIn("## Known at decision time", card)
            # The description's history features, computed by the core from each card's window.
            self.assertIn("| since_previous | unix_time − unix_time of the key's previous row", card)
            self.assertIn("| amt_vs_recent | amt / max(mean amt of the window's previous rows, 1)", card)
            self.assertIn("`--threshold recall:0.8`", card)
            self.assertIn("**(chosen)**", card)
            for name in ("logistic_regression", "random_forest", "xgboost"):
                self.assertIn(f"| {name} |", card)
            self.assertTrue((out / "sparkov-tiny-report" / "report.md").exists())
            check = subprocess.run([parity, str(model), str(golden), "100"], capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertIn(" 0 failed", check.stdout)
            info = subprocess.run([cli, "info", str(model)], capture_output=True, text=True)
            self.assertIn("kind: crnn", info.stdout)
            self.assertIn("schema: 1.3", info.stdout)      # history operations
            self.assertIn("reason since_previous: since_previous is unusual", info.stdout)   # not 'unix_time'
            self.assertIn("columns: cc_num merchant category amt lat long merch_lat merch_long unix_time",
                          info.stdout)
            # An unseen merchant and category fall into the unknown bucket; a negative amount is refused.
            rows = pd.read_csv(golden, dtype=str).iloc[:3, :9]
            rows.loc[0, "merchant"], rows.loc[1, "category"] = "A merchant never seen", "a new category"
            rows.to_csv(Path(tmp) / "new.csv", index=False)
            scored = subprocess.run([cli, "score", str(model), str(Path(tmp) / "new.csv")], capture_output=True,
                                    text=True)
            self.assertEqual(scored.returncode, 0, scored.stderr)
            rows.loc[2, "amt"] = "-3"
            rows.to_csv(Path(tmp) / "bad.csv", index=False)
            refused = subprocess.run([cli, "score", str(model), str(Path(tmp) / "bad.csv")], capture_output=True,
                                     text=True)
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("amt", refused.stderr)
            # Nothing is overwritten unless asked.
            again = self._build(out)
            self.assertNotEqual(again.returncode, 0)
            self.assertIn("would overwrite", again.stderr)
            self.assertNotIn("Traceback", again.stderr)
            # With --checkpoints, a rerun resumes after the last epoch: the same network, scored the same.
            before = golden.read_text()
            again = self._build(out, "--force", *checkpoints)
            self.assertEqual(again.returncode, 0, again.stderr[-3000:])
            self.assertIn("resumed from", again.stdout)
            self.assertEqual(golden.read_text(), before)

    def test_user_errors_are_plain(self):
        with tempfile.TemporaryDirectory() as tmp:
            mixed = self._build(Path(tmp), "--variant", "paper")
            self.assertIn("belong to the PaySim build", mixed.stderr)
            missing = self._build(Path(tmp), "--data", "x.csv")     # --data replaces the description's files
            self.assertIn("x.csv (in [data] files) does not exist", missing.stderr)
            self.assertNotIn("Traceback", missing.stderr)
            desc = Path(tmp) / "d.toml"
            desc.write_text('version = 1\nname = "x"\n[data]\nfiles = ["rows.csv"]\n[columns.a]\nrole = "label"\n')
            run = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "build", "--description", str(desc),
                                  "--family", "crnn", "--out", tmp, "--name", "x"], cwd=TRAINER,
                                 capture_output=True, text=True)
            self.assertNotEqual(run.returncode, 0)
            self.assertIn("fraudscore-train: error:", run.stderr)
            self.assertNotIn("Traceback", run.stderr)

    def test_no_fraud_in_the_training_period(self):
        with tempfile.TemporaryDirectory() as tmp:
            rows = ["card,ts,amount,kind,settled,fraud"] + [f"C{i % 3},{i},{i + 1},pos,1,{int(i >= 9)}"
                                                             for i in range(10)]
            (Path(tmp) / "rows.csv").write_text("\n".join(rows) + "\n")
            desc = Path(tmp) / "d.toml"
            desc.write_text(_toml(_base()))
            run = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "build", "--description", str(desc),
                                  "--family", "crnn", "--out", str(Path(tmp) / "o"), "--name", "x"], cwd=TRAINER,
                                 capture_output=True, text=True)
            self.assertIn("no fraud in the training period", run.stderr)


class EveryFamily(unittest.TestCase):
    """lstm_attn on the card transactions (events per key, entity head from the key's next rows) and
    lle_svm on a company-year panel in its own schema: each trains from a description, and the core
    reproduces its golden rows."""

    def test_lstm_attn_on_cards(self):
        _require_sparkov(self)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            options = ("--epochs", "1", "--max-windows", "1500", "--max-rows", "6000",
                       "--checkpoints", str(out / "ck"))
            run = _build(TRAINER / "descriptions/sparkov_cards.toml", "lstm_attn", out, "cards-la", *options)
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-3000:])
            self.assertIn("entity risk", (out / "cards-la.md").read_text())
            _parity(self, out, "cards-la", 100)
            # The finished training is kept: a rerun only evaluates and exports, to the same golden rows.
            golden = (out / "cards-la.golden.csv").read_text()
            again = _build(TRAINER / "descriptions/sparkov_cards.toml", "lstm_attn", out, "cards-la", "--force",
                           *options)
            self.assertEqual(again.returncode, 0, again.stderr[-3000:])
            self.assertIn("training finished, evaluating and exporting again", again.stdout)
            self.assertEqual((out / "cards-la.golden.csv").read_text(), golden)

    def test_the_paysim_description_gives_the_on_device_inputs(self):
        paysim = SHARED / "paysim_sample_3k.csv"
        if not paysim.exists():
            self.fail(f"{paysim} is missing: the repository expects ../shared/data beside it")
        cli = core_tool("FRAUDSCORE_CLI", "cli/fraudscore")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            copy = out / "my_paysim.csv"      # --data: the description's schema, another file
            copy.write_bytes(paysim.read_bytes())
            run = _build(TRAINER / "descriptions/paysim_on_device.toml", "crnn", out, "paysim", "--epochs", "1",
                              "--max-windows", "600", "--data", str(copy))
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-3000:])
            self.assertIn("1495 rows are earlier than the row before them", run.stdout)   # a sample, not a stream
            _parity(self, out, "paysim", 100)
            card = (out / "paysim.md").read_text()
            self.assertIn("my_paysim.csv", card)
            self.assertIn("Never read (known only after the payment): `newbalanceOrig`, `oldbalanceDest`, "
                          "`newbalanceDest`, `isFlaggedFraud`.", card)
            if cli:
                mine = subprocess.run([cli, "info", str(out / "paysim.fsmodel")], capture_output=True, text=True)
                shipped = subprocess.run([cli, "info", str(TRAINER.parent / "models/crnn-on-device.fsmodel")],
                                         capture_output=True, text=True)
                columns = lambda text: sorted(next(l for l in text.splitlines() if l.startswith("columns:")).split()[1:])
                self.assertEqual(columns(mine.stdout), columns(shipped.stdout))

    def test_lle_svm_on_a_company_panel(self):
        from fraudscore_trainer.families.lle_svm.listed_sim import simulate_panel
        from fraudscore_trainer.families.lle_svm.listed_spec import INDICATORS
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            rows = simulate_panel(150, 6, seed=5).rows
            names = [i.column for i in INDICATORS][:6]
            panel = rows[["company_id", "year"] + names + ["is_fraud"]].rename(
                columns={"company_id": "firm", "year": "fiscal_year", "is_fraud": "restated"})
            panel["firm"] = "F" + panel["firm"].astype(str)
            panel.sort_values(["fiscal_year", "firm"]).to_csv(tmp / "firms.csv", index=False)
            text = draft(tmp / "firms.csv", label="restated", key="firm", time="fiscal_year")
            self.assertIn('length = 10', text)
            (tmp / "firms.toml").write_text(text)
            refused = _build(tmp / "firms.toml", "lle_svm", tmp / "out", "firms")
            self.assertIn("[window] length = 2", refused.stderr)      # the family says what it needs
            (tmp / "firms.toml").write_text(text.replace("length = 10", "length = 2"))
            run = _build(tmp / "firms.toml", "lle_svm", tmp / "out", "firms")
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-3000:])
            card = (tmp / "out/firms.md").read_text()
            self.assertIn("LLE (k = ", card)
            for name in names:
                self.assertIn(f"| {name} |", card)
            _parity(self, tmp / "out", "firms", 20)


class ShippedDescriptions(unittest.TestCase):
    """The SME and listed-company models' descriptions rebuild their models from the simulators' files,
    on tiny data here: a time split with per-sector dynamic thresholds (lstm_attn), and a split by
    company (lle_svm). The core reproduces each golden file, thresholds included."""

    def _simulate(self, out, *args):
        run = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "simulate", "--out", str(out), "--seed", "3",
                              *args], cwd=TRAINER, capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)

    def test_simulate_says_what_it_needs(self):
        run = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "simulate", "--out", "x.csv"], cwd=TRAINER,
                             capture_output=True, text=True)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("simulate --dataset paysim needs --rows N", run.stderr)
        self.assertNotIn("Traceback", run.stderr)

    def test_sme_payments_with_dynamic_thresholds_per_sector(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            self._simulate(tmp / "sme.csv", "--dataset", "sme_payments", "--enterprises", "60")
            run = _build(TRAINER / "descriptions/sme_payments.toml", "lstm_attn", tmp, "sme",
                                     "--data", str(tmp / "sme.csv"), "--epochs", "1", "--max-windows", "2000")
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-3000:])
            self.assertIn("dynamic thresholds (per sector): test alert rate", run.stdout)
            card = (tmp / "sme.md").read_text()
            self.assertIn("Train on rows with day before 240, validate on day from 240 to before 300", card)
            self.assertIn("Dynamic thresholds per value of `sector`", card)
            self.assertIn("Source: `fraudscore-train simulate --dataset sme_payments --seed 7", card)
            golden = pd.read_csv(tmp / "sme.golden.csv")
            self.assertGreater(golden["expected_threshold"].nunique(), 10)   # the thresholds move as rows arrive
            _parity(self, tmp, "sme", 100)

    def test_listed_companies_split_by_company(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            self._simulate(tmp / "firms.csv", "--dataset", "listed_companies", "--companies", "150", "--years", "6")
            run = _build(TRAINER / "descriptions/listed_companies.toml", "lle_svm", tmp, "listed",
                                     "--data", str(tmp / "firms.csv"))
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-3000:])
            card = (tmp / "listed.md").read_text()
            self.assertIn("so validation and test see only unseen keys", card)
            self.assertIn("| gross_margin |", card)
            # The description's notes say what each indicator means.
            self.assertIn("| current_ratio | value of current_ratio |", card)
            self.assertIn("| current assets / current liabilities |", card)
            _parity(self, tmp, "listed", 20)


def _toml(d):
    """A small TOML writer for the test descriptions."""
    lines = [f"version = {d['version']}", f"name = {json.dumps(d['name'])}", "[data]",
             f"files = {json.dumps(d['data']['files'])}", "[window]",
             f"length = {d['window']['length']}", f"mode = {json.dumps(d['window']['mode'])}"]
    for name, table in d["columns"].items():
        lines.append(f"[columns.{name}]")
        for k, v in table.items():
            lines.append(f"{k} = {json.dumps(v)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    unittest.main()
