"""Sign model files with Ed25519 (schemas/signed_model.fbs; python3-nacl).

A signed file is an envelope ("FSSG") around the unchanged model file
("FSMD"), with one or more signatures over every byte of it: several at once
while a deployment moves from one key to the next. A key id names the signer:
the first 8 bytes of SHA-256 over the raw 32-byte public key, in hex.

Keys are files of hex text: a signing key holds the 32-byte seed (64 hex
digits), its public key file the 32-byte public key. `keys/` holds the
project's TEST key pair, which signs the shipped demo models; it is public and
must never be trusted by a real deployment.
"""
import argparse
import hashlib
import os
from pathlib import Path

import flatbuffers
from flatbuffers import encode, number_types, table
from fraudscore_trainer.paths import REPO

MODEL_IDENTIFIER, SIGNED_IDENTIFIER = b"FSMD", b"FSSG"
ALGORITHM = "ed25519"
TEST_SIGNING_KEY = REPO / "keys" / "fraudscore-test.key"


def _nacl():
    try:
        import nacl.signing
    except ImportError as e:  # pragma: no cover - the install scripts add it
        raise SystemExit("signing needs Debian's python3-nacl (scripts/install-deps.sh installs it)") from e
    return nacl.signing


def read_hex_key(path) -> bytes:
    text = Path(path).read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError(f"{path}: a key file holds 64 hex digits (32 bytes)")
    return key


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).digest()[:8].hex()


def _table(buf: bytes) -> table.Table:
    return table.Table(bytearray(buf), encode.Get(number_types.UOffsetTFlags.packer_type, buf, 0))


def _vector_bytes(t: table.Table, slot: int) -> bytes:
    o = t.Offset(slot)
    start = t.Vector(o)
    return bytes(t.Bytes[start:start + t.VectorLen(o)])


def _string(t: table.Table, slot: int) -> str:
    return t.String(t.Offset(slot) + t.Pos).decode()


def open_envelope(data: bytes):
    """(model bytes, [(algorithm, key id, signature)]) of a signed file; (data, []) of an unsigned one."""
    if data[4:8] == MODEL_IDENTIFIER:
        return data, []
    if data[4:8] != SIGNED_IDENTIFIER:
        raise ValueError("not a fraudscore model file (identifier FSMD or FSSG missing)")
    root = _table(data)
    model = _vector_bytes(root, 4)
    o = root.Offset(6)
    signatures = []
    for i in range(root.VectorLen(o)):
        sig = table.Table(root.Bytes, root.Indirect(root.Vector(o) + 4 * i))
        signatures.append((_string(sig, 4), _string(sig, 6), _vector_bytes(sig, 8)))
    return model, signatures


def model_bytes(data) -> bytes:
    """The model file inside `data` (a path or bytes), signed or not; signatures are not checked here."""
    if not isinstance(data, (bytes, bytearray)):
        data = Path(data).read_bytes()
    return open_envelope(bytes(data))[0]


def write_model(path, data: bytes, signing_key=None):
    """Write a model file, signed with the key file `signing_key` when given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if signing_key:
        data = sign(data, read_hex_key(signing_key))
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data


def _prepend_bytes(b: flatbuffers.Builder, data: bytes, alignment: int = 16) -> int:
    # Aligned so that a reader can use the inner model in place.
    b.StartVector(1, len(data), alignment)
    b.head = b.head - len(data)
    b.Bytes[b.head:b.head + len(data)] = data
    return b.EndVector()


def envelope(model: bytes, signatures) -> bytes:
    b = flatbuffers.Builder(len(model) + 512)
    offsets = []
    for algorithm, kid, value in signatures:
        v = b.CreateByteVector(value)
        k = b.CreateString(kid)
        a = b.CreateString(algorithm)
        b.StartObject(3)
        b.PrependUOffsetTRelativeSlot(0, a, 0)
        b.PrependUOffsetTRelativeSlot(1, k, 0)
        b.PrependUOffsetTRelativeSlot(2, v, 0)
        offsets.append(b.EndObject())
    b.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        b.PrependUOffsetTRelative(off)
    sigs = b.EndVector()
    inner = _prepend_bytes(b, model)
    b.StartObject(2)
    b.PrependUOffsetTRelativeSlot(0, inner, 0)
    b.PrependUOffsetTRelativeSlot(1, sigs, 0)
    b.Finish(b.EndObject(), file_identifier=SIGNED_IDENTIFIER)
    return bytes(b.Output())


def sign(data: bytes, seed: bytes, keep_existing: bool = True) -> bytes:
    """`data` (signed or not) signed by the key with this seed, beside any
    existing signatures (keep_existing) or alone."""
    model, existing = open_envelope(data)
    signing_key = _nacl().SigningKey(seed)
    kid = key_id(bytes(signing_key.verify_key))
    kept = [s for s in existing if keep_existing and s[1] != kid]
    return envelope(model, kept + [(ALGORITHM, kid, signing_key.sign(model).signature)])


def sign_file(path, key_path, keep_existing=True):
    path = Path(path)
    signed = sign(path.read_bytes(), read_hex_key(key_path), keep_existing)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(signed)
    os.replace(tmp, path)  # never leave a half-written model
    return signed


def keygen(out_prefix):
    """Write OUT.key (the seed, mode 0600) and OUT.pub (the public key)."""
    signing_key = _nacl().SigningKey.generate()
    key_path, pub_path = Path(f"{out_prefix}.key"), Path(f"{out_prefix}.pub")
    key_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(bytes(signing_key).hex() + "\n")
    pub_path.write_text(bytes(signing_key.verify_key).hex() + "\n")
    return key_path, pub_path


def add_arguments(p: argparse.ArgumentParser):
    p.add_argument("models", nargs="+", help="model files to sign in place")
    p.add_argument("--signing-key", default=str(TEST_SIGNING_KEY),
                   help="the signing key's file (64 hex digits; default: the project's TEST key)")
    p.add_argument("--replace", action="store_true", help="drop the existing signatures (default: keep them, "
                   "so that two keys can be trusted while a deployment rotates)")


def run(args):
    for path in args.models:
        signed = sign_file(path, args.signing_key, keep_existing=not args.replace)
        _, sigs = open_envelope(signed)
        print(f"{path}: signed by {', '.join(s[1] for s in sigs)} ({len(signed):,} bytes)")


def add_keygen_arguments(p: argparse.ArgumentParser):
    p.add_argument("out", help="path prefix: writes PREFIX.key (0600) and PREFIX.pub")


def run_keygen(args):
    key_path, pub_path = keygen(args.out)
    print(f"wrote {key_path} (keep it secret) and {pub_path} (give it to deployments; key id "
          f"{key_id(read_hex_key(pub_path))})")
