"""`stamp-ranges`: write the training ranges (schema 1.2) into shipped model files
without retraining. The training data is regenerated from the file's provenance
(seed, rows, config) exactly as the build made it, the model's training rows are
split off again, each feature's range of x (after `op` and log1p, before clip and
z-score) is taken over them, and the file is rewritten with its weights unchanged,
its checksum restamped and re-signed (the project's TEST key by default)."""
import hashlib
import json
import time
from pathlib import Path

import flatbuffers
import numpy as np

from fraudscore_trainer.modelfile import export
from fraudscore_trainer.modelfile import schema_gen
from fraudscore_trainer.modelfile import signing
from fraudscore_trainer.features import spec as feat

KIND_NAMES = {export.KIND_CRNN: "crnn", export.KIND_LSTM_ATTN: "lstm_attn", export.KIND_LLE_SVM: "lle_svm"}


def _text(b):
    return b.decode() if isinstance(b, bytes) else b


def _schema():
    S = schema_gen.schema()
    for m in ("Model", "ModelBody", "FeatureSpec", "Column", "Feature", "Window", "Tensor", "DataType", "RiskSettings",
              "Calibration", "CalibrationMethod", "DynamicThreshold", "Provenance", "KeyValue", "Metric", "CrnnConfig",
              "LstmAttnConfig", "LleSvmConfig", "Architecture"):
        schema_gen.submodule(m)
    return S


def load(blob):
    S = _schema()
    return S.Model.ModelT.InitFromObj(S.Model.Model.GetRootAs(blob, 0))


def spec_of(model_t) -> feat.Spec:
    """The file's feature spec as a features.Spec (columns, ops, missing values, statistics)."""
    fs = model_t.body.spec
    columns = [feat.Column(_text(c.name), c.type, [_text(v) for v in (c.vocabulary or [])], c.missingAllowed,
                           c.missingValue, c.minValue) for c in fs.columns]
    names = [c.name for c in columns]
    features = [feat.Feature(_text(f.name), f.op, names[f.a],
                             names[f.b] if f.op in (feat.OP_DIFFERENCE, feat.OP_RATIO) else None, f.parameter,
                             _text(f.text) or "", f.log1p, f.clipMin, f.clipMax, f.mean, f.std,
                             _text(f.reasonCode) or "", _text(f.reasonText) or "", f.baseline, f.rangeMin, f.rangeMax)
                for f in fs.features]
    per_key = fs.window.mode == feat.WINDOW_PER_KEY
    return feat.Spec(columns, features, window_length=fs.window.length, window_mode=fs.window.mode,
                     key_column=names[fs.window.keyColumn] if per_key else None,
                     time_column=names[fs.timeColumn] if fs.timeColumn >= 0 else None, range_margin=fs.rangeMargin)


def _config(model_t):
    p = model_t.body.provenance
    return {_text(kv.key): _text(kv.value) for kv in (p.config or [])}, int(p.seed), _text(p.dataFingerprint)


def _value(config, key, default):
    if key not in config:
        return default
    try:
        return json.loads(config[key])
    except ValueError:
        return config[key]


def _check_fingerprint(name, fp, recorded):
    if recorded and fp != recorded:
        raise ValueError(f"{name}: the regenerated data has fingerprint {fp}, the model was trained on {recorded}")


def training_rows(model_t, log=print):
    """The dataframe of the rows the model was fitted on, regenerated from its provenance."""
    name, kind = _text(model_t.body.name), model_t.body.kind
    config, seed, recorded = _config(model_t)
    if kind == export.KIND_CRNN:
        from fraudscore_trainer.families.crnn.pipeline import split_rows
        from fraudscore_trainer.families.crnn.validation_curve import rebuild_data
        prov = {"config": config, "seed": seed}
        df, fp, what = rebuild_data(prov, log=log)
        _check_fingerprint(name, fp, recorded)
        split = split_rows(df, "time", int(_value(config, "seed", seed)))  # the shipped (honest) run
        return df.iloc[split.train]
    if kind == export.KIND_LSTM_ATTN:
        from fraudscore_trainer.families.lstm_attn.sme_build import TRAIN_END
        from fraudscore_trainer.dataset.simulators.sme_payments import simulate
        df = simulate(int(_value(config, "enterprises", 1500)), seed=int(_value(config, "seed", seed)))
        _check_fingerprint(name, hashlib.sha256(df.to_csv(index=False).encode()).hexdigest(), recorded)
        return df.iloc[np.flatnonzero(df["day"].to_numpy() < TRAIN_END)]
    if kind == export.KIND_LLE_SVM:
        from fraudscore_trainer.families.lle_svm import listed_build as lle_svm_build
        from fraudscore_trainer.families.lle_svm import evaluation as lle_svm_eval
        from fraudscore_trainer.families.lle_svm.listed_sim import simulate_panel
        from fraudscore_trainer.families.lle_svm.listed_spec import LABEL_COLUMN
        if "data" in config and _value(config, "data", None):
            raise ValueError(f"{name}: trained on a data file; stamp it with build-lle-svm instead")
        df = simulate_panel(int(_value(config, "companies", 700)), int(_value(config, "years", 12)), seed=seed).rows
        _check_fingerprint(name, lle_svm_build._fingerprint(df), recorded)
        # Replay build-lle-svm's random draws (its defaults for the paper protocol's sample).
        rng = np.random.default_rng(seed)
        y = df[LABEL_COLUMN].to_numpy()
        sample = lle_svm_eval.paper_sample(df, rng, 250, 400)
        lle_svm_eval.random_split(sample, y, rng)
        train_mask, _ = lle_svm_eval.company_split(df, rng)
        return df[train_mask]  # the training split, as build-lle-svm takes the ranges
    raise ValueError(f"{name}: unknown model kind {kind}")


def check_statistics(model_t, spec, rows):
    """The regenerated training rows must give the file's own statistics (crnn/lstm_attn: the
    z-score mean and std; lle_svm: each indicator's missing value, the training median)."""
    name = _text(model_t.body.name)
    if model_t.body.kind == export.KIND_LLE_SVM:
        med = rows[[c.name for c in spec.columns[2:]]].median().to_numpy()
        have = np.array([c.missing_value for c in spec.columns[2:]])
        if not np.allclose(np.float32(med), have, rtol=1e-6, atol=0):
            raise ValueError(f"{name}: regenerated training rows do not give the file's missing values")
        return
    x = feat.transform(feat.raw_features(rows, spec), spec, normalise=False)
    for j, f in enumerate(spec.features):
        if not (np.isclose(x[:, j].mean(), f.mean, rtol=1e-9, atol=1e-12)):
            raise ValueError(f"{name}: regenerated training rows give feature {f.name!r} the mean "
                             f"{x[:, j].mean()!r}, the file has {f.mean!r}: not the rows the model was fitted on")


def stamp(path, signing_key=signing.TEST_SIGNING_KEY, margin=feat.RANGE_MARGIN, log=print):
    """Rewrite `path` with training ranges; returns the spec with its ranges."""
    started = time.time()
    path = Path(path)
    blob = signing.model_bytes(path)
    model_t = load(blob)
    name = _text(model_t.body.name)
    spec = spec_of(model_t)
    for f in spec.features:  # measure without any earlier ranges
        f.range_min = f.range_max = float("nan")
    rows = training_rows(model_t, log=log)
    check_statistics(model_t, spec, rows)
    feat.fit_ranges(rows, spec)
    spec.range_margin = margin
    for ft, f in zip(model_t.body.spec.features, spec.features):
        ft.rangeMin, ft.rangeMax = f.range_min, f.range_max
    model_t.body.spec.rangeMargin = float(margin)
    model_t.schemaMajor, model_t.schemaMinor = export.SCHEMA_MAJOR, max(model_t.schemaMinor, 2)
    model_t.checksum = 0
    builder = flatbuffers.Builder(len(blob) + (1 << 16))
    builder.ForceDefaults(True)
    builder.Finish(model_t.Pack(builder), file_identifier=export.FILE_IDENTIFIER)
    out = export.stamp_checksum(bytearray(builder.Output()))
    _check_weights(blob, out)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(out)
    tmp.replace(path)
    if signing_key:
        signing.sign_file(path, signing_key)
    log(f"{name}: {len(rows):,} training rows, ranges written ({time.time() - started:.0f} s)")
    for f in spec.features:
        log(f"  {f.name:28s} [{f.range_min:.9g}, {f.range_max:.9g}]")
    return spec


def _check_weights(before, after):
    """Every tensor and every setting but the ranges must be unchanged."""
    a, b = load(before), load(after)
    for ta, tb in zip(a.body.tensors, b.body.tensors):
        for attr in ("f32", "f64"):
            va, vb = getattr(ta, attr), getattr(tb, attr)
            if (va is None) != (vb is None) or (va is not None and not np.array_equal(np.asarray(va), np.asarray(vb))):
                raise AssertionError(f"tensor {_text(ta.name)} changed")
    if len(a.body.tensors) != len(b.body.tensors):
        raise AssertionError("tensor count changed")


def add_arguments(p):
    p.add_argument("models", nargs="+", help="model files to stamp in place")
    p.add_argument("--signing-key", default=str(signing.TEST_SIGNING_KEY),
                   help="re-sign with this key file (default: the project's TEST key; '' leaves it unsigned)")
    p.add_argument("--margin", type=float, default=feat.RANGE_MARGIN)


def run(args):
    started = time.time()
    for m in args.models:
        stamp(m, args.signing_key or None, args.margin, log=lambda s: print(s, flush=True))
    print(f"done in {time.time() - started:.0f} s", flush=True)
