"""Narrow a model file's weight matrices to Float16 or Int8 (schema 1.5), for a smaller download.

    python3 -m fraudscore_trainer quantize MODEL.fsmodel --precision float16|int8 --out OUT.fsmodel
                                          [--signing-key KEY]

Float32 tensors of two or more dimensions (the networks' weight matrices, nearly all of a neural model's
bytes) are narrowed; biases, vectors, Float64 and Int32 tensors (normalisation, tree thresholds, the
double-precision lle_svm path) keep their type. Int8 is symmetric, one scale per row (per output unit):
q = round(w / s), s = max|row| / 127. The core dequantises to float32 at load, so a narrowed file
scores exactly as a float32 file holding the decoded values (tests/unit/test_narrow_weights.cpp); what
the narrowing changes is measured by scoring with both (`narrowing-report`; a card's "Narrowed weights")."""
import argparse
from pathlib import Path

import flatbuffers
import numpy as np

from fraudscore_trainer.modelfile import read, schema_gen, signing
from fraudscore_trainer.modelfile.export import FILE_IDENTIFIER, stamp_checksum

SCHEMA_MINOR_NARROW = 5  # 1.5: Float16 and Int8 tensors
PRECISIONS = ("float16", "int8")


def int8_per_row(w: np.ndarray):
    """Symmetric per-row int8: (q, scales) with w ~ q * scale[row]."""
    rows = w.reshape(w.shape[0], -1).astype(np.float64)
    largest = np.abs(rows).max(axis=1)
    scales = np.where(largest > 0, largest / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(rows / scales[:, None].astype(np.float64)), -127, 127).astype(np.int8)
    return q.reshape(w.shape), scales


def decoded(t) -> np.ndarray:
    """A tensor's values as the core reads them (float32), whatever its storage."""
    S = schema_gen.schema()
    shape = [int(d) for d in t.shape]
    if t.dtype == S.DataType.DataType.Float16:
        return np.frombuffer(bytes(np.asarray(t.raw, dtype=np.uint8)), dtype="<f2").astype(np.float32).reshape(shape)
    if t.dtype == S.DataType.DataType.Int8:
        q = np.asarray(t.raw, dtype=np.uint8).view(np.int8).astype(np.float32).reshape(shape[0] if shape else 1, -1)
        scale = np.asarray(t.scale, dtype=np.float32)
        zero = np.asarray(t.zeroPoint, dtype=np.float32) if t.zeroPoint is not None and len(t.zeroPoint) else 0
        rows = (q - (zero if np.isscalar(zero) else zero[:, None])) * (scale if scale.size == 1 else scale[:, None])
        return rows.astype(np.float32).reshape(shape)
    return np.asarray(t.f32, dtype=np.float32).reshape(shape)


def narrow(t, precision: str) -> bool:
    """Narrow tensor `t` (a TensorT) in place if it is a Float32 weight matrix; True if it was."""
    S = schema_gen.schema()
    if t.dtype != S.DataType.DataType.Float32 or len(t.shape) < 2 or t.f32 is None:
        return False
    w = np.asarray(t.f32, dtype=np.float32).reshape([int(d) for d in t.shape])
    if precision == "float16":
        half = w.astype("<f2")
        if not np.all(np.isfinite(half)):
            raise SystemExit(f"quantize: tensor '{t.name.decode() if isinstance(t.name, bytes) else t.name}' has "
                             "values beyond float16's range (65504); use int8 or keep float32")
        t.dtype, t.raw = S.DataType.DataType.Float16, np.frombuffer(half.tobytes(), dtype=np.uint8)
    else:
        q, scales = int8_per_row(w)
        t.dtype, t.raw = S.DataType.DataType.Int8, q.reshape(-1).view(np.uint8)
        t.scale, t.zeroPoint = scales, np.zeros(len(scales), dtype=np.int32)
    t.f32 = None
    return True


def quantize_bytes(data: bytes, precision: str):
    """(the narrowed model file's bytes, names of the tensors narrowed)."""
    if precision not in PRECISIONS:
        raise SystemExit(f"quantize: --precision must be one of {', '.join(PRECISIONS)}")
    model = read.load(signing.model_bytes(data))
    for m in ("Tensor", "DataType"):
        schema_gen.submodule(m)
    names = [t.name.decode() if isinstance(t.name, bytes) else t.name
             for t in model.body.tensors if narrow(t, precision)]
    if not names:
        raise SystemExit("quantize: the model has no float32 weight matrices to narrow")
    model.schemaMinor = max(model.schemaMinor, SCHEMA_MINOR_NARROW)
    model.checksum = 0
    builder = flatbuffers.Builder(1 << 16)
    builder.ForceDefaults(True)  # the checksum slot must exist while it is 0
    builder.Finish(model.Pack(builder), file_identifier=FILE_IDENTIFIER)
    return stamp_checksum(bytearray(builder.Output())), names


def add_arguments(p: argparse.ArgumentParser):
    p.add_argument("model", help="the model file to narrow (signed or not; signatures are not kept)")
    p.add_argument("--precision", required=True, choices=PRECISIONS)
    p.add_argument("--out", required=True, help="the narrowed model file to write")
    p.add_argument("--signing-key", help="sign the narrowed file with this Ed25519 key file (see `sign`)")


def run(args):
    source = Path(args.model).read_bytes()
    data, names = quantize_bytes(source, args.precision)
    written = signing.write_model(args.out, data, args.signing_key)
    print(f"{args.out}: {len(written):,} bytes ({len(written) / len(source):.1%} of {len(source):,}); "
          f"{len(names)} weight matrices as {args.precision}: {', '.join(names)}")
