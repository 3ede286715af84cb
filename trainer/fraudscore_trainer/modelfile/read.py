"""A model file read back into the trainer's own types: the FlatBuffers object tree (`load`) and its
feature spec (`spec_of`), for tests and tools that check what a file holds."""
from fraudscore_trainer.modelfile import schema_gen
from fraudscore_trainer.features import spec as feat


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
