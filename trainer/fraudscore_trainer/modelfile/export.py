"""Write a fraudscore model file (schemas/model.fbs) from a trained network.

The file carries the whole feature spec, the tensors under their PyTorch
names, the risk settings and the provenance. Its checksum is 64-bit FNV-1a
over the finished buffer with the checksum's own 8 bytes counted as zero.
"""
import struct

import flatbuffers
import numpy as np

from fraudscore_trainer.modelfile import schema_gen
from fraudscore_trainer.features.spec import OP_SINCE_PREVIOUS, Spec

SCHEMA_MAJOR, SCHEMA_MINOR = 1, 2  # 1.2: training ranges (Feature.range_min/max)
SCHEMA_MINOR_HISTORY = 3  # 1.3: history operations and DayOfWeek
SCHEMA_MINOR_NO_RANGES = 1
FILE_IDENTIFIER = b"FSMD"
KIND_CRNN, KIND_LSTM_ATTN, KIND_LLE_SVM = 1, 2, 3
FNV_OFFSET, FNV_PRIME, MASK64 = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1
CHECKSUM_VTABLE_SLOT = 10  # Model.checksum: the 4th field -> vtable offset 4 + 2 * 3


def fnv1a64(data: bytes) -> int:
    h = FNV_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & MASK64
    return h


def _columns(S, spec: Spec):
    out = []
    for c in spec.columns:
        col = S.Column.ColumnT()
        col.name = c.name
        col.type = c.type
        col.vocabulary = list(c.vocabulary) or None
        col.missingAllowed = c.missing_allowed
        col.missingValue = c.missing_value
        col.minValue = c.min_value
        if c.unknown_index >= 0:
            col.unknown = S.UnknownCategory.UnknownCategory.MapToIndex
            col.unknownIndex = c.unknown_index
        out.append(col)
    return out


def _features(S, spec: Spec):
    out = []
    for f in spec.features:
        feat = S.Feature.FeatureT()
        feat.name = f.name
        feat.op = f.op
        feat.a = spec.column_index(f.a)
        feat.b = spec.column_index(f.b) if f.b else 0
        feat.parameter = f.parameter
        feat.text = f.text or None
        feat.log1p = f.log1p
        feat.clipMin, feat.clipMax = f.clip_min, f.clip_max
        feat.mean, feat.std = f.mean, f.std
        feat.reasonCode = f.reason_code or None
        feat.reasonText = f.reason_text or None
        feat.baseline = float(f.baseline)
        feat.rangeMin, feat.rangeMax = float(f.range_min), float(f.range_max)
        out.append(feat)
    return out


def _spec(S, spec: Spec):
    fs = S.FeatureSpec.FeatureSpecT()
    fs.columns = _columns(S, spec)
    fs.features = _features(S, spec)
    w = S.Window.WindowT()
    w.length = spec.window_length
    w.mode = spec.window_mode
    w.keyColumn = spec.column_index(spec.key_column) if spec.key_column else 0
    fs.window = w
    fs.timeColumn = spec.column_index(spec.time_column) if spec.time_column else -1
    fs.rangeMargin = float(spec.range_margin)
    return fs


def has_ranges(spec: Spec) -> bool:
    return any(not (np.isnan(f.range_min) and np.isnan(f.range_max)) for f in spec.features)


def _tensors(S, tensors):
    """float64 numpy arrays become Float64 tensors, int32 ones Int32 (1.4); everything else
    (torch tensors included) Float32."""
    out = []
    for name, value in tensors.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        t = S.Tensor.TensorT()
        t.name = name
        if isinstance(value, np.ndarray) and value.dtype == np.float64:
            arr = np.ascontiguousarray(value, dtype="<f8")
            t.dtype = S.DataType.DataType.Float64
            t.f64 = arr.reshape(-1)
        elif isinstance(value, np.ndarray) and value.dtype == np.int32:
            arr = np.ascontiguousarray(value, dtype="<i4")
            t.dtype = S.DataType.DataType.Int32
            t.i32 = arr.reshape(-1)
        else:
            arr = np.ascontiguousarray(value, dtype="<f4")
            t.dtype = S.DataType.DataType.Float32
            t.f32 = arr.reshape(-1)
        t.shape = np.asarray(arr.shape, dtype="<u4")
        out.append(t)
    return out


def _calibration(S, platt, prevalence=0.0):
    cal = S.Calibration.CalibrationT()
    if platt:
        cal.method = S.CalibrationMethod.CalibrationMethod.Platt
        cal.a, cal.b = (float(x) for x in platt)
        cal.targetPrevalence = float(prevalence)
    return cal


def _dynamic(S, spec: Spec, dyn: dict):
    d = S.DynamicThreshold.DynamicThresholdT()
    d.enabled = bool(dyn.get("enabled", True))
    seg = dyn.get("segment_column")
    d.segmentColumn = spec.column_index(seg) if seg else -1
    d.targetAlertRate = float(dyn["target_alert_rate"])
    d.learningRate = float(dyn.get("learning_rate", 0.02))
    d.minThreshold, d.maxThreshold = float(dyn["min_threshold"]), float(dyn["max_threshold"])
    d.feedbackStep = float(dyn.get("feedback_step", 0.1))
    d.maxFeedbackShift = float(dyn.get("max_feedback_shift", 2.0))
    return d


def _risk(S, spec: Spec, risk: dict):
    r = S.RiskSettings.RiskSettingsT()
    r.decisionThreshold = float(risk["decision_threshold"])
    r.reviewThreshold = float(risk["review_threshold"])
    r.bandCuts = [float(x) for x in risk["band_cuts"]]
    r.calibration = _calibration(S, risk.get("platt"), risk.get("prevalence", 0.0))
    if risk.get("entity_platt"):
        r.entityCalibration = _calibration(S, risk["entity_platt"], risk.get("entity_prevalence", 0.0))
    if risk.get("dynamic"):
        r.dynamic = _dynamic(S, spec, risk["dynamic"])
    return r


def _provenance(S, prov: dict):
    p = S.Provenance.ProvenanceT()
    p.trainerVersion = prov.get("trainer_version")
    p.createdUtc = prov.get("created_utc")
    p.dataFingerprint = prov.get("data_fingerprint")
    p.dataDescription = prov.get("data_description")
    p.seed = int(prov.get("seed", 0))
    p.config = []
    for k, v in prov.get("config", {}).items():
        kv = S.KeyValue.KeyValueT()
        kv.key, kv.value = str(k), str(v)
        p.config.append(kv)
    p.metrics = []
    for k, v in prov.get("metrics", []):
        m = S.Metric.MetricT()
        m.name, m.value = str(k), float(v)
        p.metrics.append(m)
    return p


def _camel(key):
    return "".join(w if i == 0 else w.title() for i, w in enumerate(key.split("_")))


def _architecture(S, arch_type, arch_config):
    arch = getattr(getattr(S, arch_type), arch_type + "T")()
    for key, value in arch_config.items():
        if not hasattr(arch, _camel(key)):
            raise KeyError(f"{arch_type} has no field {key!r}")
        if isinstance(value, (list, tuple)):
            value = [str(v) for v in value]
        elif isinstance(value, float) or (hasattr(value, "dtype") and value.dtype.kind == "f"):
            value = float(value)
        else:
            value = int(value)
        setattr(arch, _camel(key), value)
    return arch


def build_model_bytes(name, description, spec: Spec, network_config: dict, tensors, risk: dict, provenance: dict,
                      schema_version=None, kind=KIND_CRNN, arch_type="CrnnConfig", min_minor=0) -> bytes:
    """`tensors`: name -> torch tensor or numpy array (float64 arrays are stored as Float64, int32 as
    Int32). `arch_type`: the schema's table of the architecture (any member of the `Architecture`
    union); `min_minor`: the oldest schema minor that architecture needs (a newer family's)."""
    if schema_version is None:  # the oldest reader that understands everything written
        minor = SCHEMA_MINOR if has_ranges(spec) else SCHEMA_MINOR_NO_RANGES
        if any(f.op >= OP_SINCE_PREVIOUS for f in spec.features):
            minor = SCHEMA_MINOR_HISTORY
        schema_version = (SCHEMA_MAJOR, max(minor, min_minor))
    S = schema_gen.schema()
    for mod in ("Column", "UnknownCategory", "Feature", "FeatureSpec", "Window", "Tensor", "DataType", "RiskSettings", "Calibration",
                "CalibrationMethod", "DynamicThreshold", "Provenance", "KeyValue", "Metric", arch_type,
                "Architecture", "ModelBody", "Model"):
        schema_gen.submodule(mod)
    body = S.ModelBody.ModelBodyT()
    body.kind = kind
    body.name, body.description = name, description
    body.spec = _spec(S, spec)
    body.architectureType = getattr(S.Architecture.Architecture, arch_type)
    body.architecture = _architecture(S, arch_type, network_config)
    body.tensors = _tensors(S, dict(tensors))
    body.risk = _risk(S, spec, risk)
    body.provenance = _provenance(S, provenance)
    model = S.Model.ModelT()
    model.schemaMajor, model.schemaMinor = schema_version
    model.checksum = 0
    model.body = body
    builder = flatbuffers.Builder(1 << 16)
    builder.ForceDefaults(True)  # the checksum slot must exist even while it is 0
    builder.Finish(model.Pack(builder), file_identifier=FILE_IDENTIFIER)
    return stamp_checksum(bytearray(builder.Output()))


def checksum_offset(buf) -> int:
    S = schema_gen.submodule("Model")
    root = S.Model.GetRootAs(bytes(buf), 0)
    o = root._tab.Offset(CHECKSUM_VTABLE_SLOT)
    if o == 0:
        raise ValueError("model buffer has no checksum slot")
    return root._tab.Pos + o


def stamp_checksum(buf: bytearray) -> bytes:
    """Recompute and store the checksum (also used by tests to re-seal edited files)."""
    at = checksum_offset(buf)
    buf[at:at + 8] = b"\0" * 8
    buf[at:at + 8] = struct.pack("<Q", fnv1a64(bytes(buf)))
    return bytes(buf)
