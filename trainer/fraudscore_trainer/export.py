"""Write a fraudscore model file (schemas/model.fbs) from a trained network.

The file carries the whole feature spec, the tensors under their PyTorch
names, the risk settings and the provenance. Its checksum is 64-bit FNV-1a
over the finished buffer with the checksum's own 8 bytes counted as zero.
"""
import struct

import flatbuffers
import numpy as np

from . import schema_gen
from .features import Spec

SCHEMA_MAJOR, SCHEMA_MINOR = 1, 0
FILE_IDENTIFIER = b"FSMD"
KIND_CRNN = 1
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
    return fs


def _tensors(S, state_dict):
    out = []
    for name, value in state_dict.items():
        arr = np.ascontiguousarray(value.detach().cpu().numpy(), dtype="<f4")
        t = S.Tensor.TensorT()
        t.name = name
        t.shape = np.asarray(arr.shape, dtype="<u4")
        t.dtype = S.DataType.DataType.Float32
        t.f32 = arr.reshape(-1)
        out.append(t)
    return out


def _risk(S, risk: dict):
    r = S.RiskSettings.RiskSettingsT()
    r.decisionThreshold = float(risk["decision_threshold"])
    r.reviewThreshold = float(risk["review_threshold"])
    r.bandCuts = [float(x) for x in risk["band_cuts"]]
    cal = S.Calibration.CalibrationT()
    if risk.get("platt"):
        cal.method = S.CalibrationMethod.CalibrationMethod.Platt
        cal.a, cal.b = (float(x) for x in risk["platt"])
        cal.targetPrevalence = float(risk.get("prevalence", 0.0))
    r.calibration = cal
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


def build_model_bytes(name, description, spec: Spec, network_config: dict, state_dict, risk: dict, provenance: dict,
                      schema_version=(SCHEMA_MAJOR, SCHEMA_MINOR), kind=KIND_CRNN) -> bytes:
    S = schema_gen.schema()
    for mod in ("Column", "Feature", "FeatureSpec", "Window", "Tensor", "DataType", "RiskSettings", "Calibration",
                "CalibrationMethod", "Provenance", "KeyValue", "Metric", "CrnnConfig", "Architecture", "ModelBody",
                "Model"):
        schema_gen.submodule(mod)
    body = S.ModelBody.ModelBodyT()
    body.kind = kind
    body.name, body.description = name, description
    body.spec = _spec(S, spec)
    arch = S.CrnnConfig.CrnnConfigT()
    for key, value in network_config.items():
        setattr(arch, "".join(w if i == 0 else w.title() for i, w in enumerate(key.split("_"))), int(value))
    body.architectureType = S.Architecture.Architecture.CrnnConfig
    body.architecture = arch
    body.tensors = _tensors(S, state_dict)
    body.risk = _risk(S, risk)
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
