// Signed model files for the tests, written here by hand (schemas/signed_model.fbs): an independent writer
// and reader of the envelope, so that the tests do not depend on the trainer. Also used by
// tests/browser/e2e.mjs. No dependencies but WebCrypto.
//
//   table Signature   { algorithm: string; key_id: string; value: [ubyte]; }   (all required)
//   table SignedModel { model: [ubyte] (nested "FSMD" file); signatures: [Signature]; }
//   root_type SignedModel; file_identifier "FSSG";
//
// Laid out front to back (every uoffset points forward, as FlatBuffers requires): the root offset and
// identifier, the two vtables, the root table, the signatures vector, the Signature tables, their strings and
// values, and last the model's bytes, 16-byte aligned (as the trainer aligns them).
import { webcrypto } from 'node:crypto';

export const subtle = (globalThis.crypto && globalThis.crypto.subtle) || webcrypto.subtle;

const utf8 = new TextEncoder();

/** The envelope around `model` (a whole FSMD file) with these signatures: [{ algorithm?, keyId, value }]. */
export function envelope(model, signatures) {
  const chunks = [];
  let size = 0;
  const at = () => size;
  const put = (bytes) => { chunks.push({ at: size, bytes }); size += bytes.length; };
  const pad = (align, extra = 0) => { while ((size + extra) % align) put(new Uint8Array(1)); };
  const u16s = (...v) => new Uint8Array(new Uint16Array(v).buffer);
  const fixups = []; // [position of a uoffset field, () => its target]
  const u32 = (v) => new Uint8Array(new Uint32Array([v]).buffer);
  const i32 = (v) => new Uint8Array(new Int32Array([v]).buffer);
  const ref = (target) => { fixups.push([at(), target]); put(new Uint8Array(4)); };

  const targets = {};
  ref(() => targets.root); // root offset
  put(utf8.encode('FSSG'));
  const rootVtable = at();
  put(u16s(8, 12, 4, 8)); // vtable size, table size, model at 4, signatures at 8
  const sigVtable = at();
  put(u16s(10, 16, 4, 8, 12)); // algorithm at 4, key_id at 8, value at 12
  pad(4);
  targets.root = at();
  put(i32(targets.root - rootVtable));
  ref(() => targets.model);
  ref(() => targets.signatures);
  targets.signatures = at();
  put(u32(signatures.length));
  const tables = signatures.map(() => ({}));
  for (const table of tables) ref(() => table.pos); // each slot relative to itself
  for (const table of tables) {
    table.pos = at();
    put(i32(table.pos - sigVtable));
    ref(() => table.algorithm);
    ref(() => table.keyId);
    ref(() => table.value);
  }
  const string = (s) => { pad(4); const t = at(); const b = utf8.encode(s); put(u32(b.length)); put(b); put(new Uint8Array(1)); return t; };
  const bytes = (b, align = 4) => { pad(align, 4); const t = at(); put(u32(b.length)); put(Uint8Array.from(b)); return t; };
  signatures.forEach((sig, i) => {
    tables[i].algorithm = string(sig.algorithm ?? 'ed25519');
    tables[i].keyId = string(sig.keyId);
    tables[i].value = bytes(sig.value);
  });
  targets.model = bytes(model, 16);
  pad(4);

  const out = new Uint8Array(size);
  for (const c of chunks) out.set(c.bytes, c.at);
  const dv = new DataView(out.buffer);
  for (const [field, target] of fixups) dv.setUint32(field, target() - field, true);
  return out;
}

/** [model, signatures] of a signed file (signatures: [{ algorithm, keyId, value }]); [file, null] if unsigned. */
export function openEnvelope(file) {
  const id = String.fromCharCode(...file.subarray(4, 8));
  if (id === 'FSMD') return [file, null];
  if (id !== 'FSSG') throw new Error(`not a model file (identifier ${JSON.stringify(id)})`);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const deref = (p) => p + dv.getUint32(p, true);
  const field = (table, slot) => {
    const vtable = table - dv.getInt32(table, true);
    const o = slot * 2 + 4 < dv.getUint16(vtable, true) ? dv.getUint16(vtable + 4 + slot * 2, true) : 0;
    if (!o) throw new Error(`field ${slot} missing`);
    return deref(table + o);
  };
  const vector = (p) => file.subarray(p + 4, p + 4 + dv.getUint32(p, true));
  const string = (p) => new TextDecoder().decode(vector(p));
  const root = deref(0);
  const sigs = field(root, 1);
  const signatures = [];
  for (let i = 0; i < dv.getUint32(sigs, true); ++i) {
    const t = deref(sigs + 4 + 4 * i);
    signatures.push({ algorithm: string(field(t, 0)), keyId: string(field(t, 1)), value: vector(field(t, 2)).slice() });
  }
  return [vector(field(root, 0)).slice(), signatures];
}

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A fresh Ed25519 key pair: { privateKey, publicKey (32 raw bytes), hex, id (the key id), seed (32 bytes) }. */
export async function keyPair() {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
  const id = toHex(new Uint8Array(await subtle.digest('SHA-256', publicKey)).subarray(0, 8));
  return { privateKey: pair.privateKey, publicKey, hex: toHex(publicKey), id, seed: pkcs8.slice(-32) };
}

/** A signature by `pair` over `model`, as the envelope holds it. */
export async function signature(pair, model) {
  return { algorithm: 'ed25519', keyId: pair.id, value: new Uint8Array(await subtle.sign('Ed25519', pair.privateKey, model)) };
}

/** `model` (an unsigned FSMD file) in an envelope signed by each of `pairs`, in order. */
export async function signModel(model, ...pairs) {
  const signatures = [];
  for (const pair of pairs) signatures.push(await signature(pair, model));
  return envelope(model, signatures);
}
