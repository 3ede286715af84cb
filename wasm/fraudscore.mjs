// fraudscore: on-device fraud scoring, the C++ core compiled to WebAssembly.
// One ES module for browsers, Web Workers and node >= 18. It instantiates the
// core itself (a standalone .wasm: two imports, no Emscripten JavaScript), so
// this file is all the JavaScript a page ships. See fraudscore.d.ts for the API.

const STATUS = ['ok', 'invalid_argument', 'io', 'corrupt', 'identifier', 'version', 'checksum', 'shape', 'value',
  'unsupported', 'input', 'no_memory', 'internal', 'signature'];
const BANDS = ['low', 'medium', 'high', 'critical'];
const DECISIONS = ['approve', 'step_up', 'block'];
const OUTPUT_KINDS = ['probability', 'label'];
const COLUMN_TYPES = ['numeric', 'categorical', 'identifier', 'time'];
const VALUE_MISSING = 0, VALUE_NUMBER = 1, VALUE_TEXT = 2;
const FEEDBACK = { confirmed_fraud: 1, false_alarm: 2 };

// The field offsets bindings.cpp reports, in its order.
const LAYOUT_FIELDS = [
  'value', 'value.kind', 'value.number', 'value.text', 'value.text_length',
  'reason', 'reason.code', 'reason.text', 'reason.contribution',
  'output', 'output.name', 'output.kind', 'output.value', 'output.label',
  'result', 'result.probability', 'result.raw_probability', 'result.band', 'result.decision', 'result.attention',
  'result.window_length', 'result.valid_steps', 'result.block_threshold', 'result.review_threshold',
  'result.segment', 'result.reasons', 'result.reason_count', 'result.outputs',
  'result.output_count', 'result.out_of_range',
  'info', 'info.kind', 'info.name', 'info.schema_major', 'info.schema_minor', 'info.column_count',
  'info.feature_count', 'info.window_length', 'info.per_key_window', 'info.key_column',
  'info.decision_threshold', 'info.review_threshold', 'info.band_cuts', 'info.trainer_version',
  'info.output_count', 'info.reason_group_count', 'info.reason_method', 'info.dynamic_thresholds',
  'info.segment_column', 'info.segment_count', 'info.target_alert_rate', 'info.min_threshold',
  'info.max_threshold', 'info.checksum', 'info.signed_file', 'info.signature_verified', 'info.signed_key_id',
  'info.operations_per_row', 'info.weight_precision',
  'options', 'options.max_keys', 'options.max_batch', 'options.max_reasons', 'options.threshold_mode',
  'options.reasons_for',
];

const DEFAULT_BATCH = 256;
const TEXT_BYTES_PER_VALUE = 48; // initial text space per value; grows if a row needs more

/** An error from the core (its message and status name) or from the package's own checks. */
export class FraudscoreError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'FraudscoreError';
    this.status = status;
  }
}

// () -> v128 { i32.const 0; i32x4.splat }: valid only where SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0,
  65, 0, 253, 17, 11]);

export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

const runtimes = new Map(); // flavour -> Promise<Runtime>

function runtimeFor(options) {
  const simd = options && options.simd !== undefined ? Boolean(options.simd) : simdSupported();
  if (simd && !simdSupported()) {
    return Promise.reject(new FraudscoreError('this engine does not run WebAssembly SIMD128', 'unsupported'));
  }
  const flavour = simd ? 'simd' : 'baseline';
  let runtime = runtimes.get(flavour);
  if (!runtime) {
    runtime = instantiate(flavour);
    runtimes.set(flavour, runtime);
    runtime.catch(() => runtimes.delete(flavour));
  }
  return runtime;
}

async function instantiate(flavour) {
  const url = new URL(`./dist/fraudscore-${flavour}.wasm`, import.meta.url);
  let runtime = null;
  const imports = {
    env: { emscripten_notify_memory_growth: () => runtime && runtime.refreshViews() },
    wasi_snapshot_preview1: {
      proc_exit: (code) => { throw new FraudscoreError(`the WebAssembly runtime exited (${code})`, 'internal'); },
    },
  };
  let instance;
  // node (and Deno, Bun) read the file; browsers and workers fetch it.
  if (url.protocol === 'file:' && typeof process === 'object' && process.versions && process.versions.node) {
    const { readFile } = await import('node:fs/promises');
    instance = (await WebAssembly.instantiate(await readFile(url), imports)).instance;
  } else {
    const response = await fetch(url);
    if (!response.ok) throw new FraudscoreError(`cannot fetch ${url}: HTTP ${response.status}`, 'io');
    if (WebAssembly.instantiateStreaming && response.headers.get('content-type') === 'application/wasm') {
      instance = (await WebAssembly.instantiateStreaming(response, imports)).instance;
    } else {
      instance = (await WebAssembly.instantiate(await response.arrayBuffer(), imports)).instance;
    }
  }
  runtime = new Runtime(instance.exports, flavour);
  return runtime;
}

// One instance of the core: its memory views, scratch space and strings.
class Runtime {
  constructor(exports, flavour) {
    this.x = exports;
    this.flavour = flavour;
    this.dead = null;
    exports._initialize();
    this.refreshViews();
    this.scratch = this.malloc(512); // out-parameters and small structs
    const count = exports.fsw_layout(this.scratch, 128);
    if (count !== LAYOUT_FIELDS.length) {
      throw new FraudscoreError(`fraudscore.mjs and the .wasm disagree (${count} layout fields)`, 'internal');
    }
    this.layout = {};
    LAYOUT_FIELDS.forEach((name, i) => { this.layout[name] = this.u32[(this.scratch >> 2) + i]; });
    this.encoder = new TextEncoder();
    this.decoder = new TextDecoder();
    this.version = this.string(exports.fs_version());
    this.kernels = this.string(exports.fsw_kernels());
  }

  refreshViews() {
    const buffer = this.x.memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f32 = new Float32Array(buffer);
    this.dv = new DataView(buffer);
  }

  // Call into the core; a trap leaves its memory in an unknown state, so the
  // runtime is retired and the next loadModel starts a fresh one.
  call(fn, ...args) {
    if (this.dead) throw this.dead;
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof FraudscoreError) throw e;
      this.dead = new FraudscoreError(`the WebAssembly runtime stopped (${e && e.message}); load the model again`,
        'internal');
      runtimes.delete(this.flavour);
      throw this.dead;
    }
  }

  check(status) {
    if (status !== 0) throw new FraudscoreError(this.string(this.x.fs_last_error()), STATUS[status] || 'internal');
  }

  malloc(bytes) {
    const p = this.call(this.x.malloc, bytes);
    if (!p) throw new FraudscoreError(`out of memory (${bytes} bytes)`, 'no_memory');
    if (this.u8.buffer !== this.x.memory.buffer) this.refreshViews();
    return p;
  }

  free(p) {
    if (p && !this.dead) this.x.free(p);
  }

  // fn(p) with `bytes` bytes of the core's memory at p (holding a copy of
  // `init` if given), freed afterwards whatever happens.
  withMemory(bytes, fn, init) {
    const p = this.malloc(Math.max(bytes, 1));
    try {
      if (init) this.u8.set(init, p);
      return fn(p);
    } finally {
      this.free(p);
    }
  }

  string(p) {
    if (!p) return null;
    let end = p;
    while (this.u8[end]) ++end;
    return this.decoder.decode(this.u8.subarray(p, end));
  }

  ptrAt(p) { return this.dv.getUint32(p, true); }
}

function optionInt(options, name, fallback, min, max) {
  const v = options && options[name] !== undefined ? options[name] : fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new FraudscoreError(`option ${name} must be an integer in ${min}..${max}`, 'invalid_argument');
  }
  return v;
}

// 'a', 'b', … for an error message: at most 10 keys, then how many more.
function quoteKeys(keys) {
  const shown = keys.slice(0, 10).map((k) => `'${k}'`).join(', ');
  return keys.length > 10 ? `${shown} and ${keys.length - 10} more` : shown;
}

function optionBool(options, name, fallback) {
  const v = options && options[name] !== undefined ? options[name] : fallback;
  if (typeof v !== 'boolean') throw new FraudscoreError(`option ${name} must be true or false`, 'invalid_argument');
  return v;
}

function optionChoice(options, name, choices) {
  const v = options && options[name] !== undefined ? options[name] : choices[0];
  const index = choices.indexOf(v);
  if (index < 0) throw new FraudscoreError(`option ${name} must be one of ${choices.join(', ')}`, 'invalid_argument');
  return index;
}

const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((release) => release()) : null;

// ---- signed model files (schemas/signed_model.fbs): Ed25519 signatures checked with WebCrypto ----

const NO_SIGNATURE = { signed: false, verified: false, keyId: '' };

function bytesOf(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

// options.trustedKeys as copies of 32-byte keys; null when absent. Checked before anything is loaded.
function trustedKeysOption(options) {
  const keys = options ? options.trustedKeys : undefined;
  if (keys === undefined || keys === null) return null;
  const bad = (message) => new FraudscoreError(`option trustedKeys: ${message}`, 'invalid_argument');
  if (!Array.isArray(keys) || keys.length === 0) {
    throw bad('give a non-empty array of Ed25519 public keys (32-byte Uint8Arrays or 64 hex digits), or omit it '
      + 'to load files without checking signatures');
  }
  return keys.map((key, i) => {
    if (typeof key === 'string') {
      const hex = key.trim();
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw bad(`key ${i} is not 64 hex digits`);
      return Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
    }
    const raw = bytesOf(key);
    if (!raw) {
      const what = key === null ? 'null' : Array.isArray(key) ? 'an array' : typeof key === 'object' ? 'an object'
        : `a ${typeof key}`;
      throw bad(`key ${i} is ${what}, not a Uint8Array or 64 hex digits`);
    }
    if (raw.length !== 32) throw bad(`key ${i} is ${raw.length} bytes; an Ed25519 public key is 32`);
    return raw.slice();
  });
}

let subtleCrypto = null;
function webCrypto() {
  if (!subtleCrypto) {
    subtleCrypto = (async () => {
      let c = globalThis.crypto;
      if (!(c && c.subtle) && typeof process === 'object' && process.versions && process.versions.node) {
        c = (await import('node:crypto')).webcrypto; // node 18: not global yet
      }
      if (!(c && c.subtle)) {
        throw new FraudscoreError('trustedKeys needs WebCrypto (crypto.subtle), which this context lacks (browsers '
          + 'give it to secure contexts only: https or localhost)', 'unsupported');
      }
      return c.subtle;
    })();
  }
  return subtleCrypto;
}

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

// Each trusted key imported for WebCrypto, with its id: the first 8 bytes of SHA-256 over the raw key, in hex.
async function importTrustedKeys(subtle, keys) {
  return Promise.all(keys.map(async (raw, i) => {
    let key;
    try {
      key = await subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      if (e && e.name === 'NotSupportedError') {
        throw new FraudscoreError('this engine\'s WebCrypto cannot verify Ed25519 signatures', 'unsupported');
      }
      throw new FraudscoreError(`option trustedKeys: key ${i} is not an Ed25519 public key (${e && e.message})`,
        'invalid_argument');
    }
    return { key, id: hex((await subtle.digest('SHA-256', raw)).slice(0, 8)) };
  }));
}

// The envelope of the file at p (n bytes) in the core's memory, or null if it is not a signed file.
function readEnvelope(rt, p, n) {
  const x = rt.x, s = rt.scratch;
  const status = rt.call(x.fs_signed_model_payload, p, n, s, s + 4, s + 8);
  if (status === 4) return null; // FS_ERR_IDENTIFIER: no 'FSSG'
  rt.check(status);
  const offset = rt.ptrAt(s), size = rt.ptrAt(s + 4), count = rt.ptrAt(s + 8);
  const signatures = [];
  for (let i = 0; i < count; ++i) {
    if (rt.call(x.fs_signed_model_signature, p, n, i, s, s + 4, s + 8) !== 0) {
      signatures.push({ algorithm: '', keyId: '(a malformed signature)', value: null });
      continue;
    }
    const value = rt.ptrAt(s + 8);
    signatures.push({ algorithm: rt.string(rt.ptrAt(s)), keyId: rt.string(rt.ptrAt(s + 4)),
      value: rt.u8.slice(value, value + 64) });
  }
  return { offset, size, signatures };
}

// Load the file only if one of the trusted keys signed it. The bytes are copied into the core's memory once:
// the signature is checked over that private copy, and the model is loaded from it.
async function loadSigned(rt, bytes, keys, strict) {
  const subtle = await webCrypto();
  const trusted = await importTrustedKeys(subtle, keys);
  const ids = trusted.map((k) => k.id).join(', ');
  const p = rt.malloc(bytes.length);
  try {
    rt.u8.set(bytes, p);
    const envelope = readEnvelope(rt, p, bytes.length);
    if (!envelope) {
      throw new FraudscoreError(`the model file is unsigned; loadModel was given trustedKeys (key ids ${ids}), so `
        + 'it loads only files signed by one of them', 'signature');
    }
    const { offset, size, signatures } = envelope;
    const model = rt.u8.slice(p + offset, p + offset + size);
    let keyId = null;
    for (const sig of signatures) {
      for (const k of trusted) {
        if (keyId || sig.algorithm !== 'ed25519' || sig.keyId !== k.id) continue;
        if (await subtle.verify('Ed25519', k.key, sig.value, model)) keyId = k.id;
      }
    }
    if (!keyId) {
      const seen = signatures.map((sig) => sig.keyId).join(', ') || 'no one';
      throw new FraudscoreError(`the model file is not signed by a trusted key (signed by: ${seen}; trusted: ${ids}); `
        + 'it was altered or signed by a key this deployment does not trust', 'signature');
    }
    rt.check(rt.call(rt.x.fs_model_load, p + offset, size, rt.scratch));
    return new Model(rt, rt.ptrAt(rt.scratch), strict, { signed: true, verified: true, keyId });
  } finally {
    rt.free(p);
  }
}

/** Verify and load a model file; with `trustedKeys`, only one signed by one of those keys. */
export async function loadModel(bytes, options) {
  bytes = bytesOf(bytes);
  if (!bytes) throw new FraudscoreError('loadModel needs the model file as a Uint8Array or ArrayBuffer', 'invalid_argument');
  const strict = optionBool(options, 'strict', false);
  const keys = trustedKeysOption(options);
  const rt = await runtimeFor(options);
  if (keys && bytes.length) return loadSigned(rt, bytes, keys, strict);
  // The core keeps its own copy of the bytes; it opens a signed file's envelope without checking signatures.
  rt.withMemory(bytes.length, (p) => rt.check(rt.call(rt.x.fs_model_load, p, bytes.length, rt.scratch)), bytes);
  return new Model(rt, rt.ptrAt(rt.scratch), strict, NO_SIGNATURE);
}

export async function runtimeInfo(options) {
  const rt = await runtimeFor(options);
  return { version: rt.version, simd: rt.flavour === 'simd', kernels: rt.kernels, heapBytes: rt.x.fsw_heap_bytes(),
    memoryBytes: rt.x.memory.buffer.byteLength };
}

class Model {
  constructor(rt, handle, strict, signature) {
    this.rt = rt;
    this.handle = handle;
    this.strict = strict; // the default of its sessions' `strict` option
    this.sessions = new Set(); // WeakRefs (where available): a forgotten session can still be collected
    this.strings = new Map(); // model-owned strings by address (reason codes, output names and labels)
    this.info = this.readInfo(signature);
    this.columnTypes = this.info.columns.map((c) => c.type);
    this.textColumns = this.info.columns.map((c) => c.type === 'categorical' || c.type === 'identifier');
    this.columnNames = new Set(this.info.columns.map((c) => c.name));
    // Never throws (a finalizer must not): a retired runtime's memory is gone with it.
    if (registry) registry.register(this, () => { if (!rt.dead) rt.x.fs_model_free(handle); }, this);
  }

  // `signature`: what loadModel verified (the core's build for WebAssembly checks no signatures itself).
  readInfo(signature) {
    const rt = this.rt, L = rt.layout, x = rt.x;
    return rt.withMemory(L.info, (p) => {
      rt.check(rt.call(x.fs_model_get_info, this.handle, p));
      const dv = rt.dv, u32 = (f) => dv.getUint32(p + L[f], true), i32 = (f) => dv.getInt32(p + L[f], true),
        f64 = (f) => dv.getFloat64(p + L[f], true);
      const columns = [];
      for (let i = 0; i < u32('info.column_count'); ++i) {
        rt.check(x.fs_model_column(this.handle, i, rt.scratch, rt.scratch + 4));
        columns.push({ name: rt.string(rt.ptrAt(rt.scratch)), type: COLUMN_TYPES[rt.dv.getInt32(rt.scratch + 4, true)] });
      }
      const metrics = {};
      for (let i = 0; x.fs_model_metric(this.handle, i, rt.scratch, rt.scratch + 8) === 0; ++i) {
        metrics[rt.string(rt.ptrAt(rt.scratch))] = rt.dv.getFloat64(rt.scratch + 8, true);
      }
      const reasonCodes = [];
      for (let i = 0; i < u32('info.reason_group_count'); ++i) {
        rt.check(x.fs_model_reason_group(this.handle, i, rt.scratch, rt.scratch + 4));
        reasonCodes.push({ code: rt.string(rt.ptrAt(rt.scratch)), text: rt.string(rt.ptrAt(rt.scratch + 4)) });
      }
      const outputs = [];
      for (let i = 0; i < u32('info.output_count'); ++i) {
        rt.check(x.fs_model_output(this.handle, i, rt.scratch, rt.scratch + 4, rt.scratch + 8));
        const output = { name: rt.string(rt.ptrAt(rt.scratch)), kind: OUTPUT_KINDS[rt.dv.getInt32(rt.scratch + 4, true)] };
        const labelCount = rt.dv.getUint32(rt.scratch + 8, true);
        if (output.kind === 'label') {
          output.labels = [];
          for (let l = 0; l < labelCount; ++l) {
            rt.check(x.fs_model_output_label(this.handle, i, l, rt.scratch));
            output.labels.push(rt.string(rt.ptrAt(rt.scratch)));
          }
        }
        outputs.push(output);
      }
      const key = i32('info.key_column'), segment = i32('info.segment_column');
      const cuts = p + L['info.band_cuts'];
      return {
        kind: rt.string(rt.ptrAt(p + L['info.kind'])),
        name: rt.string(rt.ptrAt(p + L['info.name'])),
        version: dv.getBigUint64(p + L['info.checksum'], true).toString(16).padStart(16, '0'),
        schemaVersion: `${u32('info.schema_major')}.${u32('info.schema_minor')}`,
        trainerVersion: rt.string(rt.ptrAt(p + L['info.trainer_version'])),
        columns,
        featureCount: u32('info.feature_count'),
        window: u32('info.window_length'),
        keyColumn: i32('info.per_key_window') && key >= 0 ? columns[key].name : null,
        threshold: f64('info.decision_threshold'),
        reviewThreshold: f64('info.review_threshold'),
        bandCuts: [dv.getFloat64(cuts, true), dv.getFloat64(cuts + 8, true), dv.getFloat64(cuts + 16, true)],
        metrics,
        reasonCodes,
        reasonMethod: rt.string(rt.ptrAt(p + L['info.reason_method'])),
        outputs,
        dynamicThresholds: i32('info.dynamic_thresholds') ? {
          segmentColumn: segment >= 0 ? columns[segment].name : null,
          segmentCount: u32('info.segment_count'),
          targetAlertRate: f64('info.target_alert_rate'),
          minThreshold: f64('info.min_threshold'),
          maxThreshold: f64('info.max_threshold'),
        } : null,
        signed: signature.signed || i32('info.signed_file') !== 0,
        signatureVerified: signature.verified,
        signedKeyId: signature.keyId,
        operationsPerRow: f64('info.operations_per_row'),
        weightPrecision: rt.string(rt.ptrAt(p + L['info.weight_precision'])),
      };
    });
  }

  live() {
    if (!this.handle) throw new FraudscoreError('this model has been disposed', 'disposed');
    if (this.rt.dead) throw this.rt.dead;
  }

  session(options) {
    this.live();
    const session = new Session(this, options);
    this.sessions.add(session.ref);
    return session;
  }

  score(rows, options) {
    this.live();
    if (!Array.isArray(rows)) throw new FraudscoreError('score needs an array of rows', 'invalid_argument');
    const maxBatch = Math.max(1, Math.min(DEFAULT_BATCH, rows.length));
    const session = this.session({ ...options, maxBatch, thresholds: 'fixed' });
    try {
      const results = new Array(rows.length);
      for (let start = 0; start < rows.length; start += maxBatch) {
        const chunk = rows.slice(start, start + maxBatch);
        let out;
        try {
          out = session.pushBatch(chunk);
        } catch (e) {
          // Name the row within the whole call, not within the chunk.
          if (e instanceof FraudscoreError) e.message = e.message.replace(/^row (\d+)/, (_, n) => `row ${start + Number(n)}`);
          throw e;
        }
        for (let i = 0; i < out.length; ++i) results[start + i] = out[i];
      }
      return results;
    } finally {
      session.dispose();
    }
  }

  cachedString(p) {
    if (!p) return null;
    let s = this.strings.get(p);
    if (s === undefined) this.strings.set(p, s = this.rt.string(p));
    return s;
  }

  dispose() {
    if (!this.handle) return;
    for (const ref of [...this.sessions]) {
      const s = ref.deref();
      if (s) s.dispose();
    }
    this.sessions.clear();
    if (registry) registry.unregister(this);
    if (!this.rt.dead) this.rt.x.fs_model_free(this.handle);
    this.handle = 0;
  }
}

// Built outside the class: a closure made in the constructor could hold `this` and keep it from ever
// being collected (the registry's held value must not refer to its target).
function weakRef(target) {
  return typeof WeakRef === 'function' ? new WeakRef(target) : { deref: () => target };
}

function sessionRelease(rt, handle, buffers, sessions, ref) {
  return () => {
    sessions.delete(ref);
    if (rt.dead) return;
    rt.x.fs_session_free(handle);
    for (const p of Object.values(buffers)) rt.free(p);
  };
}

class Session {
  constructor(model, options) {
    const rt = model.rt, L = rt.layout, info = model.info;
    this.model = model;
    this.rt = rt;
    this.columns = info.columns.length;
    this.window = info.window;
    this.strict = optionBool(options, 'strict', model.strict);
    this.maxBatch = optionInt(options, 'maxBatch', DEFAULT_BATCH, 1, 65536);
    const maxKeys = optionInt(options, 'maxKeys', 4096, 1, 1 << 24);
    const reasons = optionInt(options, 'reasons', 3, 0, 64);
    const reasonsFor = optionChoice(options, 'reasonsFor', ['all', 'flagged']);
    const thresholds = optionChoice(options, 'thresholds', ['model', 'fixed']);
    const opts = rt.malloc(L.options);
    const ptrs = []; // everything this session allocated, freed together
    try {
      rt.u8.fill(0, opts, opts + L.options);
      rt.dv.setUint32(opts + L['options.max_keys'], maxKeys, true);
      rt.dv.setUint32(opts + L['options.max_batch'], this.maxBatch, true);
      rt.dv.setInt32(opts + L['options.max_reasons'], reasons > 0 ? reasons : -1, true);
      rt.dv.setInt32(opts + L['options.threshold_mode'], thresholds, true);
      rt.dv.setInt32(opts + L['options.reasons_for'], reasonsFor, true);
      rt.check(rt.call(rt.x.fs_session_create, model.handle, opts, rt.scratch));
      this.handle = rt.ptrAt(rt.scratch);
      const valueCount = this.maxBatch * this.columns;
      ptrs.push(this.values = rt.malloc(valueCount * L.value));
      this.textCapacity = Math.max(256, valueCount * TEXT_BYTES_PER_VALUE);
      ptrs.push(this.text = rt.malloc(this.textCapacity));
      ptrs.push(this.results = rt.malloc(this.maxBatch * L.result));
      ptrs.push(this.attention = rt.malloc(Math.max(4, this.maxBatch * this.window * 4)));
      ptrs.push(this.io = rt.malloc(16)); // failed-row index, state sizes
    } catch (e) {
      if (this.handle) rt.x.fs_session_free(this.handle);
      ptrs.forEach((p) => rt.free(p));
      throw e;
    } finally {
      rt.free(opts);
    }
    const handle = this.handle;
    const buffers = { values: this.values, text: this.text, results: this.results, attention: this.attention,
      io: this.io };
    // The model holds its sessions weakly, so that the registry can free one that was never disposed.
    this.ref = weakRef(this);
    this.release = sessionRelease(rt, handle, buffers, model.sessions, this.ref);
    this.buffers = buffers;
    if (registry) registry.register(this, this.release, this);
  }

  live() {
    if (!this.handle) throw new FraudscoreError('this session has been disposed', 'disposed');
    this.model.live();
  }

  // Keys of `row` that are not model columns.
  unknownKeys(row) {
    const names = this.model.columnNames;
    return Object.keys(row).filter((k) => !names.has(k));
  }

  // Write rows[0..count) as fs_value records; returns nothing, throws on a row or value JavaScript cannot pass:
  // a row that is not an object, a model column the row lacks (undefined: `null` is the missing value), a
  // value that is neither a number nor a string, and in strict mode a key that is not a model column.
  writeRows(rows, count) {
    const rt = this.rt, L = rt.layout, cols = this.model.info.columns, textCols = this.model.textColumns;
    let textUsed = 0;
    for (let r = 0; r < count; ++r) {
      const row = rows[r];
      if (row === null || typeof row !== 'object') {
        throw new FraudscoreError(`row ${r}: a row must be an object keyed by column name`, 'input');
      }
      for (let c = 0; c < cols.length; ++c) {
        const p = this.values + (r * cols.length + c) * L.value;
        let v = row[cols[c].name];
        if (typeof v === 'number' && textCols[c]) v = String(v);
        const dv = rt.dv;
        if (v === undefined) {
          // An absent column is an error, not a missing value: a misspelt key must not score as 0.
          const unknown = this.unknownKeys(row);
          throw new FraudscoreError(`row ${r}: lacks the model column '${cols[c].name}' (give null for a missing value)`
            + (unknown.length ? `; keys that are not model columns: ${quoteKeys(unknown)}` : ''),
          'input');
        }
        if (v === null) {
          dv.setInt32(p + L['value.kind'], VALUE_MISSING, true);
        } else if (typeof v === 'number') {
          dv.setInt32(p + L['value.kind'], VALUE_NUMBER, true);
          dv.setFloat64(p + L['value.number'], v, true);
        } else if (typeof v === 'string') {
          const written = this.writeText(v, textUsed);
          if (written < 0) { // out of text space: grow it (rare) and write this batch again
            this.growText(this.textCapacity * 2 + v.length * 3);
            return this.writeRows(rows, count);
          }
          dv.setInt32(p + L['value.kind'], VALUE_TEXT, true);
          dv.setUint32(p + L['value.text'], this.text + textUsed, true);
          dv.setUint32(p + L['value.text_length'], written, true);
          textUsed += written;
        } else {
          throw new FraudscoreError(`row ${r}: column '${cols[c].name}' holds a ${typeof v}; give a number or a string`,
            'input');
        }
      }
      const unknown = this.strict ? this.unknownKeys(row) : null;
      if (unknown && unknown.length) {
        throw new FraudscoreError(`row ${r}: key${unknown.length > 1 ? 's' : ''} ${quoteKeys(unknown)}`
          + ` ${unknown.length > 1 ? 'are' : 'is'} not ${unknown.length > 1 ? 'model columns' : 'a model column'}`
          + ` (strict mode; the model's columns: ${cols.map((x) => x.name).join(', ')})`, 'input');
      }
    }
  }

  // UTF-8 of `s` at text[offset]; returns its length, or -1 if it does not fit.
  writeText(s, offset) {
    const rt = this.rt, u8 = rt.u8, start = this.text + offset, end = this.text + this.textCapacity;
    if (start + s.length > end) return -1;
    let i = 0;
    for (; i < s.length; ++i) { // ASCII fast path: most ids and categories
      const ch = s.charCodeAt(i);
      if (ch >= 0x80) break;
      u8[start + i] = ch;
    }
    if (i === s.length) return i;
    const { read, written } = rt.encoder.encodeInto(s.slice(i), u8.subarray(start + i, end));
    return read === s.length - i ? i + written : -1;
  }

  growText(bytes) {
    const rt = this.rt, p = rt.malloc(bytes);
    rt.free(this.text);
    this.text = this.buffers.text = p;
    this.textCapacity = bytes;
  }

  readResult(p, attentionCopy) {
    const rt = this.rt, L = rt.layout, dv = rt.dv, model = this.model, info = model.info;
    const window = dv.getUint32(p + L['result.window_length'], true);
    const att = dv.getUint32(p + L['result.attention'], true);
    const reasonCount = dv.getUint32(p + L['result.reason_count'], true);
    const reasons = new Array(reasonCount);
    const base = dv.getUint32(p + L['result.reasons'], true);
    for (let i = 0; i < reasonCount; ++i) {
      const q = base + i * L.reason;
      reasons[i] = {
        code: model.cachedString(dv.getUint32(q + L['reason.code'], true)),
        text: model.cachedString(dv.getUint32(q + L['reason.text'], true)),
        contribution: dv.getFloat64(q + L['reason.contribution'], true),
      };
    }
    const result = {
      probability: dv.getFloat64(p + L['result.probability'], true),
      rawProbability: dv.getFloat64(p + L['result.raw_probability'], true),
      band: BANDS[dv.getInt32(p + L['result.band'], true)],
      decision: DECISIONS[dv.getInt32(p + L['result.decision'], true)],
      attention: att && attentionCopy ? rt.f32.slice(att >> 2, (att >> 2) + window) : new Float32Array(0),
      validSteps: dv.getUint32(p + L['result.valid_steps'], true),
      blockThreshold: dv.getFloat64(p + L['result.block_threshold'], true),
      reviewThreshold: dv.getFloat64(p + L['result.review_threshold'], true),
      segment: dv.getUint32(p + L['result.segment'], true),
      reasons,
      outOfRange: dv.getUint32(p + L['result.out_of_range'], true),
    };
    // The model's named outputs, by their names: a probability's value; a label and, as NAME_index, its index.
    const outputCount = dv.getUint32(p + L['result.output_count'], true);
    if (info.outputs.length) {
      result.outputs = {};
      const first = dv.getUint32(p + L['result.outputs'], true);
      for (let i = 0; i < outputCount; ++i) {
        const q = first + i * L.output, name = info.outputs[i].name;
        const value = dv.getFloat64(q + L['output.value'], true);
        if (dv.getInt32(q + L['output.kind'], true) === 1) {
          result.outputs[name] = model.cachedString(dv.getUint32(q + L['output.label'], true));
          result.outputs[`${name}_index`] = value;
        } else {
          result.outputs[name] = value;
        }
      }
    }
    return result;
  }

  push(row) {
    this.live();
    const rt = this.rt;
    this.writeRows([row], 1);
    rt.check(rt.call(rt.x.fs_session_score, this.handle, this.values, this.columns, this.results));
    return this.readResult(this.results, true);
  }

  pushBatch(rows) {
    this.live();
    if (!Array.isArray(rows)) throw new FraudscoreError('pushBatch needs an array of rows', 'invalid_argument');
    if (rows.length > this.maxBatch) {
      throw new FraudscoreError(`${rows.length} rows exceed the session's maxBatch of ${this.maxBatch}`,
        'invalid_argument');
    }
    if (rows.length === 0) return [];
    const rt = this.rt, L = rt.layout;
    this.writeRows(rows, rows.length);
    rt.check(rt.call(rt.x.fs_session_score_batch, this.handle, this.values, rows.length, this.columns, this.results,
      this.attention, this.io));
    const out = new Array(rows.length);
    for (let i = 0; i < rows.length; ++i) out[i] = this.readResult(this.results + i * L.result, true);
    return out;
  }

  feedback(row, probability, label) {
    this.live();
    const rt = this.rt;
    if (!Object.prototype.hasOwnProperty.call(FEEDBACK, label)) {
      throw new FraudscoreError("feedback label must be 'confirmed_fraud' or 'false_alarm'", 'invalid_argument');
    }
    if (typeof probability !== 'number') throw new FraudscoreError('feedback needs the probability', 'invalid_argument');
    this.writeRows([row], 1);
    rt.check(rt.call(rt.x.fs_session_feedback, this.handle, this.values, this.columns, probability, FEEDBACK[label]));
  }

  saveThresholds() {
    this.live();
    const rt = this.rt;
    rt.check(rt.call(rt.x.fs_session_threshold_state_size, this.handle, this.io));
    const size = rt.ptrAt(this.io);
    return rt.withMemory(size, (p) => {
      rt.check(rt.call(rt.x.fs_session_save_thresholds, this.handle, p, size, this.io));
      return rt.u8.slice(p, p + rt.ptrAt(this.io));
    });
  }

  loadThresholds(state) {
    this.live();
    if (!(state instanceof Uint8Array)) throw new FraudscoreError('loadThresholds needs a Uint8Array', 'invalid_argument');
    const rt = this.rt;
    rt.withMemory(state.length,
      (p) => rt.check(rt.call(rt.x.fs_session_load_thresholds, this.handle, p, state.length)), state);
  }

  reset() {
    this.live();
    this.rt.check(this.rt.call(this.rt.x.fs_session_reset, this.handle));
  }

  get keyCount() {
    this.live();
    this.rt.check(this.rt.call(this.rt.x.fs_session_key_count, this.handle, this.io));
    return this.rt.ptrAt(this.io);
  }

  dispose() {
    if (!this.handle) return;
    if (registry) registry.unregister(this);
    this.release();
    this.handle = 0;
  }
}
