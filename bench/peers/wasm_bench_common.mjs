// Shared helpers for the WebAssembly side-by-side peers (ort_web_crnn.mjs,
// tfjs_crnn.mjs) and for fraudscore's own WebAssembly harness: argument
// parsing, seeded input windows, a timing loop with a V8 tier-up warm-up,
// percentiles, the PyTorch reference check, "which .wasm did the runtime
// instantiate" and download sizes (raw and gzip -9).
//
// It imports only node built-ins, never a runtime, so a script can import it
// first and still time a cold start from just before `await import(runtime)`.
//
// The report every peer prints (one JSON object on stdout):
//   {runtime, version, threads, simd,
//    check: {windows, max_abs_logit_diff, max_abs_attention_diff},
//    cold_start_ms, batch1: {p50_us, p99_us, calls, ...},
//    batch256: {windows_per_s, calls, ...},
//    bytes: {files: [{path, raw, gzip}], js_raw, js_gzip, wasm_raw, wasm_gzip},
//    model_bytes}
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Largest |logit| or |attention| difference to the PyTorch reference a peer may show. */
export const TOLERANCE = 1e-4;
/** Windows per call in the throughput benchmark. */
export const LARGE_BATCH = 256;
/** At least this many warm-up calls (V8 keeps optimising hot wasm/JS for the first thousand or two). */
export const MIN_WARMUP_CALLS = 2000;
/** The folder of this file (bench/peers); byte reports give paths relative to it. */
export const PEERS_DIR = dirname(fileURLToPath(import.meta.url));

/** Monotonic clock in milliseconds (fractional). */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
/** Process CPU time (user + system) in seconds. */
export const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/**
 * Parses `MODELFILE [--check CHECK.json] [--warmup-s S] [--measure-s S]`
 * (plus any `extra` flags, given as {flag: key}, each taking one value).
 * Returns {model, check, warmupS (default 3), measureS (default 5), ...extra}.
 */
export function parseArgs(argv, usage, extra = {}) {
  const args = { model: null, check: null, warmupS: 3, measureS: 5 };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${usage}`); return argv[++i]; };
    if (a === '--check') args.check = value();
    else if (a === '--warmup-s') args.warmupS = Number(value());
    else if (a === '--measure-s') args.measureS = Number(value());
    else if (a in extra) args[extra[a]] = value();
    else if (a === '-h' || a === '--help') { console.error(usage); process.exit(0); }
    else if (!args.model && !a.startsWith('--')) args.model = a;
    else throw new Error(`unexpected argument ${a}\n${usage}`);
  }
  if (!args.model) throw new Error(usage);
  if (!(args.warmupS >= 0) || !(args.measureS > 0)) throw new Error(`bad --warmup-s/--measure-s\n${usage}`);
  return args;
}

/** A seeded standard-normal generator (xorshift32 + Box-Muller); ort_crnn.mjs uses it too. */
export function normalGenerator(seed) {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return (state + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Full windows of seeded random values, cut into batches from one pool of
 * `poolWindows` windows (the same data as ort_crnn.mjs): an array of
 * Float32Array views of batch * steps * features floats each.
 */
export function makeWindowBatches(batch, steps, features, poolWindows = 4 * LARGE_BATCH, seed = 20240601) {
  const next = normalGenerator(seed);
  const pool = Float32Array.from({ length: poolWindows * steps * features }, next);
  const batches = [];
  for (let first = 0; first + batch <= poolWindows; first += batch) {
    batches.push(pool.subarray(first * steps * features, (first + batch) * steps * features));
  }
  return batches;
}

/** Nearest-rank percentile (q in [0, 1]) of an ascending-sorted array. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** {p50_us, p99_us, min_us, mean_us} of per-call samples in microseconds. */
export function summarizeUs(samplesUs) {
  const sorted = Float64Array.from(samplesUs).sort();
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    p50_us: round(percentile(sorted, 0.5)),
    p99_us: round(percentile(sorted, 0.99)),
    min_us: round(sorted[0]),
    mean_us: round(sum / sorted.length),
  };
}

/**
 * Calls `fn(i)` (sync, or async: a returned promise is awaited) for a warm-up
 * of at least `warmupS` seconds AND at least `minWarmupCalls` calls, then for
 * `measureS` seconds, timing each call with the wall clock.
 * Returns {samplesUs (Float64Array, one per measured call), calls, wallS, cpuS,
 * warmupCalls}. With `record: false` no per-call samples are kept (samplesUs empty).
 */
export async function timeLoop(fn, warmupS, measureS, { minWarmupCalls = MIN_WARMUP_CALLS, record = true } = {}) {
  let i = 0;
  const warmupEnd = nowMs() + warmupS * 1e3;
  while (nowMs() < warmupEnd || i < minWarmupCalls) {
    const r = fn(i++);
    if (r && typeof r.then === 'function') await r;
  }
  const warmupCalls = i;
  let samples = new Float64Array(record ? 1 << 16 : 0);
  let calls = 0;
  const cpu0 = cpuSeconds();
  const start = nowMs();
  const end = start + measureS * 1e3;
  for (;;) {
    const t0 = nowMs();
    if (t0 >= end) break;
    const r = fn(i++);
    if (r && typeof r.then === 'function') await r;
    if (record) {
      if (calls === samples.length) { const grown = new Float64Array(2 * samples.length); grown.set(samples); samples = grown; }
      samples[calls] = (nowMs() - t0) * 1e3;
    }
    ++calls;
  }
  const wallS = (nowMs() - start) / 1e3;
  return { samplesUs: samples.subarray(0, record ? calls : 0), calls, wallS, cpuS: cpuSeconds() - cpu0, warmupCalls };
}

/** The batch-1 latency section of the report from a timeLoop result. */
export function batch1Report(loop) {
  return { ...summarizeUs(loop.samplesUs), calls: loop.calls, cpu_us_per_call: round((loop.cpuS / loop.calls) * 1e6) };
}

/** The batch-N throughput section of the report from a timeLoop result. */
export function throughputReport(loop, batch = LARGE_BATCH) {
  const windows = loop.calls * batch;
  const out = { windows_per_s: round(windows / loop.wallS), calls: loop.calls, windows,
                windows_per_cpu_s: round(windows / loop.cpuS) };
  if (loop.samplesUs.length) out.p50_us_per_call = summarizeUs(loop.samplesUs).p50_us;
  return out;
}

/**
 * Reads a check file written by `bench/export_onnx.py --check`:
 * {batch, steps, features, windows: Float32Array [batch*steps*features],
 *  validSteps: number[] [batch], logit: Float64Array [batch], attention: Float64Array [batch*steps]}.
 */
export function loadCheck(path) {
  const c = JSON.parse(readFileSync(path, 'utf8'));
  const [batch, steps, features] = c.shape;
  return {
    batch, steps, features,
    windows: Float32Array.from(c.windows),
    validSteps: c.valid_steps.map(Number),
    logit: Float64Array.from(c.logit),
    attention: Float64Array.from(c.attention),
  };
}

/** max |got[i] - want[i]| (NaN anywhere, or a length mismatch, gives Infinity). */
export function maxAbsDiff(got, want) {
  if (got.length !== want.length) return Infinity;
  let m = 0;
  for (let i = 0; i < want.length; ++i) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** The report's check section: {windows, max_abs_logit_diff, max_abs_attention_diff, ok}. */
export function compareWithCheck(check, logit, attention, tolerance = TOLERANCE) {
  const r = {
    windows: check.batch,
    max_abs_logit_diff: maxAbsDiff(logit, check.logit),
    max_abs_attention_diff: maxAbsDiff(attention, check.attention),
    tolerance,
  };
  r.ok = r.max_abs_logit_diff <= tolerance && r.max_abs_attention_diff <= tolerance;
  return r;
}

/**
 * Records every WebAssembly binary the process compiles from now on
 * (WebAssembly.instantiate/compile with bytes, instantiateStreaming/
 * compileStreaming with a Response), keeping only references so it costs
 * nothing measurable during a cold start. Call before importing the runtime.
 * Returns {seen: [{via, bytes?: Uint8Array, url?: string}], stop()}.
 */
export function watchWasmCompiles() {
  const W = globalThis.WebAssembly;
  const saved = { instantiate: W.instantiate, compile: W.compile,
                  instantiateStreaming: W.instantiateStreaming, compileStreaming: W.compileStreaming };
  const seen = [];
  const asBytes = (src) => (ArrayBuffer.isView(src) ? new Uint8Array(src.buffer, src.byteOffset, src.byteLength)
    : src instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && src instanceof SharedArrayBuffer)
      ? new Uint8Array(src) : null);
  W.instantiate = function (src, ...rest) {
    if (!(src instanceof W.Module)) seen.push({ via: 'instantiate', bytes: asBytes(src) });
    return saved.instantiate.call(this, src, ...rest);
  };
  W.compile = function (src, ...rest) {
    seen.push({ via: 'compile', bytes: asBytes(src) });
    return saved.compile.call(this, src, ...rest);
  };
  if (saved.instantiateStreaming) {
    W.instantiateStreaming = async function (resp, ...rest) {
      const r = await resp;
      seen.push({ via: 'instantiateStreaming', url: r?.url });
      return saved.instantiateStreaming.call(this, r, ...rest);
    };
  }
  if (saved.compileStreaming) {
    W.compileStreaming = async function (resp, ...rest) {
      const r = await resp;
      seen.push({ via: 'compileStreaming', url: r?.url });
      return saved.compileStreaming.call(this, r, ...rest);
    };
  }
  return { seen, stop: () => Object.assign(W, saved) };
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Which files the binaries recorded by watchWasmCompiles() came from: each
 * binary is matched (size, then SHA-256) against the .wasm files in `dirs`
 * (or, for a streaming compile, taken from its file: URL). Returns absolute
 * paths, one per distinct binary; throws if one matches no file.
 */
export function identifyWasmFiles(seen, dirs) {
  const candidates = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.wasm')).map((f) => resolve(d, f)));
  const found = new Set();
  for (const s of seen) {
    if (s.url) {
      if (s.url.startsWith('file:')) { found.add(fileURLToPath(s.url)); continue; }
      const byName = candidates.find((c) => s.url.endsWith(`/${basename(c)}`));
      if (byName) { found.add(byName); continue; }
      throw new Error(`compiled wasm from ${s.url}, which is none of ${candidates.join(', ')}`);
    }
    if (!s.bytes) continue;
    const hash = sha256(s.bytes);
    const match = candidates.find((c) => statSync(c).size === s.bytes.byteLength && sha256(readFileSync(c)) === hash);
    if (!match) throw new Error(`compiled a ${s.bytes.byteLength}-byte wasm binary that is none of ${candidates.join(', ')}`);
    found.add(match);
  }
  return [...found];
}

/** {raw, gzip}: a file's size and its size gzipped by node:zlib at level 9. */
export function gzipSize(path) {
  const data = readFileSync(path);
  return { raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
}

/**
 * The report's bytes section for the files a web page downloads:
 * {files: [{path (relative to bench/peers), raw, gzip}], js_raw, js_gzip,
 *  wasm_raw, wasm_gzip}; files ending in .wasm count as wasm, the rest as JS.
 */
export function filesSummary(paths) {
  const out = { files: [], js_raw: 0, js_gzip: 0, wasm_raw: 0, wasm_gzip: 0 };
  for (const p of paths) {
    const { raw, gzip } = gzipSize(p);
    out.files.push({ path: relative(PEERS_DIR, resolve(p)), raw, gzip });
    const kind = extname(p) === '.wasm' ? 'wasm' : 'js';
    out[`${kind}_raw`] += raw;
    out[`${kind}_gzip`] += gzip;
  }
  return out;
}

/** An installed package's folder (bench/peers/node_modules/NAME) and its package.json. */
export function packageInfo(name) {
  const dir = join(PEERS_DIR, 'node_modules', name);
  return { dir, json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
}

/** Rounds to 3 significant decimals' worth for readable JSON (keeps integers as they are). */
export function round(x, digits = 3) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Prints the report as one JSON object on stdout and exits: 1 if report.check
 * exists and is not ok, else 0 (runtimes may leave handles that keep node alive).
 */
export function finish(report, name) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`, () => {
    if (report.check && !report.check.ok) {
      console.error(`${name}: outputs differ from the PyTorch reference by more than ${report.check.tolerance}`);
      process.exit(1);
    }
    process.exit(0);
  });
}
