// fraudscore's own WebAssembly package (wasm/fraudscore.mjs + wasm/dist/*.wasm)
// on the crnn model, measured the way bench/peers/ort_web_crnn.mjs and
// tfjs_crnn.mjs measure their runtimes, and printed as the same JSON object:
// a numerical check, cold start, batch-1 latency (p50/p99 after a warm-up long
// enough for V8 tier-up), batch-256 throughput, what a web page downloads, and
// (optionally) memory after a long run of calls.
//
//   node bench/wasm/fraudscore_crnn.mjs MODEL.fsmodel [--simd | --baseline]
//        [--check TRANSACTIONS.csv [--cli-scores SCORES.csv | --cli PATH]]
//        [--warmup-s 3] [--measure-s 5] [--heap-calls N] [--heap-keys K]
//
// Everything goes through the package's public API (fraudscore.d.ts), so unlike
// the peers (which run the bare network on ready-made windows) every call here
// also does fraudscore's feature pipeline (raw row -> 11 features), the per-key
// window update (window of the paying account, nameOrig), calibration and the
// risk layer (band, decision, thresholds); reason codes are off ({reasons: 0}),
// attention is copied out to JavaScript as the API does.
//
// --simd / --baseline: loadModel(bytes, {simd: true|false}); by default the
//   package's feature detection picks (SIMD128 in node 20).
// cold_start_ms: from just before `await import('<repo>/wasm/fraudscore.mjs')`
//   to the first Result of session.push(row) (the .fsmodel bytes are read
//   before the clock starts; includes reading, compiling and instantiating the
//   .wasm, verifying and loading the model, creating the session and the first
//   push). Run the script in a fresh process for a cold start.
// Rows: PaySim-like transactions generated here with a seeded generator
//   (xorshift32; PaySim's type mix, log-normal amounts, balances that follow
//   each account's history, merchant payees for PAYMENT) for 256 paying
//   accounts, interleaved (row i belongs to account i % 256), 40 rows each. The
//   first 10 rows of every account are pushed before timing, so every timed
//   row's window is full (10 real steps); the pool is then cycled in order.
// batch1: session.push(row), one row per call; the Result is built inside the
//   timed call. batch256: session.pushBatch(rows) with 256 rows (one per
//   account: 256 different windows) per call; maxBatch 256.
// --check: scores TRANSACTIONS.csv (string values, as read from the file) with
//   model.score(rows) and again row by row with session.push on a fresh
//   session, and compares the probabilities with the native CLI's
//   (`fraudscore score MODEL CSV --reasons 0`): from --cli-scores (that CLI's
//   output, saved) or by running --cli (default build/ci/cli/fraudscore).
//   Exit status 1 if any |difference| > 1e-5.
// --heap-calls N (default 0: skipped): runtimeInfo() heapBytes/memoryBytes and
//   process.memoryUsage() rss/heapUsed before and after N push calls whose
//   rows cycle through --heap-keys accounts (default 8192, twice the session's
//   default maxKeys of 4096, so the least-recently-used eviction is exercised
//   too). global.gc() runs before each reading when node has --expose-gc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  LARGE_BATCH, batch1Report, filesSummary, identifyWasmFiles, maxAbsDiff, nowMs, parseArgs, round, throughputReport,
  timeLoop, watchWasmCompiles,
} from '../peers/wasm_bench_common.mjs';

const NAME = 'fraudscore_crnn';
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGE = join(REPO, 'wasm/fraudscore.mjs');
const DIST = join(REPO, 'wasm/dist');
const DEFAULT_CLI = join(REPO, 'build/ci/cli/fraudscore');
const TOLERANCE = 1e-5;
const ACCOUNTS = LARGE_BATCH; // 256 paying accounts
const ROWS_PER_ACCOUNT = 40;
const USAGE = 'usage: node bench/wasm/fraudscore_crnn.mjs MODEL.fsmodel [--simd | --baseline] '
  + '[--check TRANSACTIONS.csv [--cli-scores SCORES.csv | --cli PATH]] [--warmup-s S] [--measure-s S] '
  + '[--heap-calls N] [--heap-keys K]';

// ---------------------------------------------------------------- rows

/** A seeded uniform generator in (0, 1) (xorshift32). */
function uniformGenerator(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return (state + 0.5) / 4294967296;
  };
}

const PAYSIM_TYPES = [['CASH_IN', 0.220], ['CASH_OUT', 0.351], ['DEBIT', 0.006], ['PAYMENT', 0.339],
  ['TRANSFER', 0.084]];

/**
 * PaySim-like rows for `accounts` paying accounts, `perAccount` rows each,
 * interleaved: row i belongs to account i % accounts. Numbers are JS numbers,
 * identifiers and the type strings.
 */
export function paysimLikeRows(accounts = ACCOUNTS, perAccount = ROWS_PER_ACCOUNT, seed = 20240601) {
  const u = uniformGenerator(seed);
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const cents = (x) => Math.round(x * 100) / 100;
  const id = (prefix) => `${prefix}${1000000000 + Math.floor(u() * 999999999)}`;
  const state = Array.from({ length: accounts }, (_, a) => ({
    name: `C${1100000000 + a * 7919}`,
    step: 1 + Math.floor(u() * 48),
    balance: u() < 0.3 ? 0 : cents(Math.exp(9 + 2.5 * normal())),
  }));
  const rows = [];
  for (let k = 0; k < perAccount; ++k) {
    for (let a = 0; a < accounts; ++a) {
      const s = state[a];
      let pick = u(), t = 0;
      while (t < PAYSIM_TYPES.length - 1 && pick >= PAYSIM_TYPES[t][1]) pick -= PAYSIM_TYPES[t++][1];
      const type = PAYSIM_TYPES[t][0];
      const amount = cents(Math.min(1e7, Math.exp(10.8 + 1.8 * normal())));
      rows.push({ step: s.step, type, amount, oldbalanceOrg: s.balance, nameOrig: s.name,
                  nameDest: type === 'PAYMENT' ? id('M') : id('C') });
      s.balance = type === 'CASH_IN' ? cents(s.balance + amount) : cents(Math.max(0, s.balance - amount));
      s.step = 1 + ((s.step - 1 + 1 + Math.floor(u() * 12)) % 743); // PaySim's 743 hourly steps
    }
  }
  return rows;
}

/** A small CSV reader (header line, comma separated, optional double quotes): rows of strings by column. */
export function readCsv(path) {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const split = (line) => {
    const out = [];
    let cur = '', quoted = false;
    for (let i = 0; i < line.length; ++i) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; ++i; } else if (ch === '"') quoted = false; else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const header = split(lines[0]);
  return lines.slice(1).map((l) => {
    const cells = split(l);
    const row = {};
    header.forEach((h, i) => { row[h] = cells[i]; });
    return row;
  });
}

// ---------------------------------------------------------------- check

/** Probabilities the native CLI gives each row of `csvPath` (by its `row` column). */
function cliProbabilities(args, csvPath) {
  let text;
  if (args.cliScores) {
    text = readFileSync(args.cliScores, 'utf8');
  } else {
    const cli = args.cli || DEFAULT_CLI;
    text = execFileSync(cli, ['score', args.model, csvPath, '--reasons', '0'], { encoding: 'utf8',
      maxBuffer: 1 << 28 });
  }
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const rowCol = header.indexOf('row'), probCol = header.indexOf('probability');
  if (rowCol < 0 || probCol < 0) throw new Error('the CLI output has no row/probability columns');
  const out = [];
  for (const l of lines.slice(1)) {
    const cells = l.split(',');
    out[Number(cells[rowCol])] = Number(cells[probCol]);
  }
  return out;
}

function runCheck(model, args) {
  const rows = readCsv(args.check);
  const want = cliProbabilities(args, args.check);
  const batched = model.score(rows, { reasons: 0 }).map((r) => r.probability);
  const session = model.session({ reasons: 0, thresholds: 'fixed' });
  const pushed = rows.map((row) => session.push(row).probability);
  session.dispose();
  const r = {
    reference: args.cliScores ? `fraudscore CLI (native) output ${args.cliScores}` : `fraudscore CLI (native) ${args.cli || DEFAULT_CLI}`,
    rows_file: args.check,
    rows: rows.length,
    max_abs_probability_diff: maxAbsDiff(batched, want), // model.score (pushBatch, 256 at a time)
    max_abs_probability_diff_push: maxAbsDiff(pushed, want), // session.push row by row
    tolerance: TOLERANCE,
  };
  r.ok = r.max_abs_probability_diff <= TOLERANCE && r.max_abs_probability_diff_push <= TOLERANCE;
  return r;
}

// ---------------------------------------------------------------- heap

const gc = () => { if (typeof globalThis.gc === 'function') { globalThis.gc(); globalThis.gc(); } };

async function memorySnapshot(fs, loadOptions) {
  gc();
  const info = await fs.runtimeInfo(loadOptions);
  const mem = process.memoryUsage();
  return { wasm_heap_bytes: info.heapBytes, wasm_memory_bytes: info.memoryBytes, rss: mem.rss,
           js_heap_used: mem.heapUsed };
}

async function heapReport(fs, loadOptions, session, pool, calls, keys) {
  const names = Array.from({ length: keys }, (_, k) => `C${1200000000 + k * 104729}`);
  const before = await memorySnapshot(fs, loadOptions);
  const t0 = nowMs();
  let sink = 0;
  for (let i = 0; i < calls; ++i) {
    const row = pool[i % pool.length];
    sink += session.push({ ...row, nameOrig: names[i % keys] }).probability;
  }
  const seconds = (nowMs() - t0) / 1e3;
  if (!Number.isFinite(sink)) throw new Error('non-finite probabilities in the heap loop');
  const keysHeld = session.keyCount;
  const after = await memorySnapshot(fs, loadOptions);
  const growth = {};
  for (const k of Object.keys(before)) growth[k] = after[k] - before[k];
  return { calls, distinct_keys: keys, keys_held_after: keysHeld, seconds: round(seconds), gc_exposed:
    typeof globalThis.gc === 'function', before, after, growth };
}

// ---------------------------------------------------------------- main

function finish(report) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`, () => {
    if (report.check && !report.check.ok) {
      console.error(`${NAME}: probabilities differ from the native CLI's by more than ${report.check.tolerance}`);
      process.exit(1);
    }
    process.exit(0);
  });
}

async function main() {
  const argv = process.argv.slice(2);
  let simd; // undefined: the package's feature detection
  const rest = [];
  for (const a of argv) {
    if (a === '--simd') simd = true;
    else if (a === '--baseline') simd = false;
    else rest.push(a);
  }
  const args = parseArgs(rest, USAGE, { '--cli': 'cli', '--cli-scores': 'cliScores', '--heap-calls': 'heapCalls',
                                        '--heap-keys': 'heapKeys' });
  const heapCalls = Number(args.heapCalls ?? 0), heapKeys = Number(args.heapKeys ?? 8192);
  if (!Number.isInteger(heapCalls) || heapCalls < 0 || !Number.isInteger(heapKeys) || heapKeys < 1) {
    throw new Error(`bad --heap-calls/--heap-keys\n${USAGE}`);
  }
  const loadOptions = simd === undefined ? undefined : { simd };
  const modelBytes = new Uint8Array(readFileSync(args.model));
  const pool = paysimLikeRows();
  const batches = [];
  for (let first = 0; first + LARGE_BATCH <= pool.length; first += LARGE_BATCH) {
    batches.push(pool.slice(first, first + LARGE_BATCH));
  }

  // ---- cold start: nothing has imported the package yet
  const wasmWatch = watchWasmCompiles();
  const t0 = nowMs();
  const fs = await import(pathToFileURL(PACKAGE).href);
  const tImported = nowMs();
  const model = await fs.loadModel(modelBytes, loadOptions); // fetches, compiles and instantiates the .wasm first
  const tLoaded = nowMs();
  const session = model.session({ maxBatch: LARGE_BATCH, reasons: 0 });
  const tSession = nowMs();
  const first = session.push(pool[0]);
  const tFirst = nowMs();
  const coldStartMs = tFirst - t0;
  wasmWatch.stop();
  if (!Number.isFinite(first.probability)) throw new Error(`first probability is ${first.probability}`);

  const wasmFiles = identifyWasmFiles(wasmWatch.seen, [DIST]);
  const rt = await fs.runtimeInfo(loadOptions);
  const info = model.info;
  const report = {
    runtime: 'fraudscore',
    version: rt.version,
    entry: 'wasm/fraudscore.mjs',
    node: process.version,
    threads: 1,
    simd: rt.simd,
    kernels: rt.kernels,
    steps: info.window,
    features: info.featureCount,
    pipeline: 'public API: raw row -> feature pipeline -> per-key window (nameOrig) -> network -> calibration '
      + '+ risk layer (band, decision); reasons 0; the peers run the network alone on ready-made windows',
    rows: `PaySim-like rows from a seeded generator: ${ACCOUNTS} accounts x ${ROWS_PER_ACCOUNT} rows, interleaved; `
      + 'every account pre-filled with 10 rows before timing (full windows)',
  };

  if (args.check) {
    report.check = runCheck(model, args);
  }
  report.cold_start_ms = round(coldStartMs);
  report.cold_start_parts_ms = { import: round(tImported - t0), wasm_and_load_model: round(tLoaded - tImported),
                                 session: round(tSession - tLoaded), first_push: round(tFirst - tSession) };
  if (report.check && !report.check.ok) return finish(report);

  // ---- pre-fill: the first 10 rows of every account (session.push's first row was pool[0])
  const prefill = ACCOUNTS * info.window;
  for (let i = 1; i < prefill; ++i) session.push(pool[i]);

  // ---- batch 1: session.push(row), rows whose windows are full; Result built inside the timed call
  let sink = 0;
  let next = prefill;
  const loop1 = await timeLoop(() => {
    const r = session.push(pool[next]);
    next = next + 1 === pool.length ? 0 : next + 1;
    sink += r.probability + r.attention[info.window - 1];
  }, args.warmupS, args.measureS);
  report.batch1 = batch1Report(loop1);
  if (loop1.calls > 0 && session.keyCount !== ACCOUNTS) throw new Error(`session holds ${session.keyCount} keys`);

  // ---- batch 256: pushBatch of one row per account (256 different windows), maxBatch 256
  const loop256 = await timeLoop((i) => {
    const out = session.pushBatch(batches[i % batches.length]);
    sink += out[LARGE_BATCH - 1].probability + out[0].attention[0];
  }, args.warmupS, args.measureS, { minWarmupCalls: 20 });
  report.batch256 = throughputReport(loop256);
  if (!Number.isFinite(sink)) throw new Error('non-finite outputs while timing');

  // ---- what a page downloads: this one ES module and the one .wasm it instantiated
  report.bytes = filesSummary([PACKAGE, ...wasmFiles]);
  report.bytes_note = 'a page downloads wasm/fraudscore.mjs and one of wasm/dist/fraudscore-{simd,baseline}.wasm';
  report.model_bytes = modelBytes.length;
  report.model_file = args.model;
  report.package_version = JSON.parse(readFileSync(join(REPO, 'wasm/package.json'), 'utf8')).version;

  if (heapCalls > 0) report.heap = await heapReport(fs, loadOptions, session, pool, heapCalls, heapKeys);
  session.dispose();
  model.dispose();
  finish(report);
}

main().catch((e) => {
  console.error(`${NAME}: ${e.stack || e}`);
  process.exit(1);
});
