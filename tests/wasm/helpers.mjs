// Shared helpers for the package's tests (node --test tests/wasm/).
import { readFileSync, existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';
import { openEnvelope } from './envelope.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fraudscore = await import(path.join(REPO, 'wasm', 'fraudscore.mjs'));
export const { loadModel, runtimeInfo, simdSupported, FraudscoreError } = fraudscore;

/** The two builds every test runs against (FRAUDSCORE_FLAVOUR=simd or baseline runs one). The baseline build
 *  is 3-4 times slower: to keep the suite near a minute a build, it compares the first 1500 PaySim rows with
 *  the CLI (a prefix: windows depend only on earlier rows) and makes 5,000 push calls in the memory test
 *  instead of 20,000; FRAUDSCORE_TEST_FULL=1 runs the full sizes in both. */
const FULL = Boolean(process.env.FRAUDSCORE_TEST_FULL);
export const FLAVOURS = [
  { name: 'simd', simd: true, paysimRows: Infinity, memoryPushes: 20000 },
  { name: 'baseline', simd: false, paysimRows: FULL ? Infinity : 1500, memoryPushes: FULL ? 20000 : 5000 },
].filter((f) => !process.env.FRAUDSCORE_FLAVOUR || process.env.FRAUDSCORE_FLAVOUR === f.name);

/** The shipped models, listed once in models/manifest.json: name, kind, file, card, golden, example. */
export const MANIFEST = JSON.parse(readFileSync(path.join(REPO, 'models', 'manifest.json'), 'utf8')).models;
export const MODELS = MANIFEST.map((m) => m.name);
const entry = (name) => {
  const m = MANIFEST.find((x) => x.name === name);
  if (!m) throw new Error(`${name} is not in models/manifest.json`);
  return m;
};
/** A shipped model's golden file and example input (absolute paths). */
export const goldenPath = (name) => path.join(REPO, entry(name).golden);
export const examplePath = (name) => path.join(REPO, entry(name).example);
/** The real PaySim sample: beside the repository, as the trainer finds it (<repo>/../shared/data), or
 *  FRAUDSCORE_PAYSIM. The tests that use it fail (never skip) when it is absent: see requirePaysim(). */
export const PAYSIM = path.resolve(process.env.FRAUDSCORE_PAYSIM
  || path.join(REPO, '..', 'shared', 'data', 'paysim_sample_3k.csv'));
/** PAYSIM, or a clear error saying where it was looked for. */
export function requirePaysim() {
  if (!existsSync(PAYSIM)) {
    throw new Error(`the PaySim sample is missing: ${PAYSIM} (it belongs at <repo>/../shared/data/paysim_sample_3k.csv; `
      + 'set FRAUDSCORE_PAYSIM to use another path)');
  }
  return PAYSIM;
}
/** The example file of each model kind (the manifest's first model of that kind). */
export const EXAMPLE = Object.fromEntries([...MANIFEST].reverse().map((m) => [m.kind, path.join(REPO, m.example)]));
export const TOLERANCE = 1e-5;

export const modelPath = (name) => path.join(REPO, entry(name).file);
export const modelBytes = (name) => new Uint8Array(readFileSync(modelPath(name)));
/** The shipped model file without a signed envelope (its inner model file if the shipped one is signed). */
export const unsignedModelBytes = (name) => openEnvelope(modelBytes(name))[0];
export const loadNamed = (name, flavour) => loadModel(modelBytes(name), { simd: flavour.simd });

/** RFC 4180 CSV (quotes, doubled quotes, CRLF) into arrays of strings. */
export function parseCsv(text) {
  const records = [];
  let record = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; ++i; continue;
      }
      field += ch; ++i; continue;
    }
    if (ch === '"') { quoted = true; ++i; continue; }
    if (ch === ',') { record.push(field); field = ''; ++i; continue; }
    if (ch === '\r' || ch === '\n') {
      record.push(field); records.push(record); record = []; field = '';
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1; continue;
    }
    field += ch; ++i;
  }
  if (field !== '' || record.length) { record.push(field); records.push(record); }
  return records;
}

const csvCache = new Map();
/** A CSV file as { header, records, rows }: rows are objects keyed by the header (values as strings). */
export function readCsv(file) {
  let csv = csvCache.get(file);
  if (!csv) {
    const [header, ...records] = parseCsv(readFileSync(file, 'utf8'));
    const rows = records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    csvCache.set(file, csv = { header, records, rows });
  }
  return csv;
}

/** Rows with the model's numeric and time columns as JavaScript numbers ('' stays missing). */
export function numericRows(rows, info) {
  const numeric = info.columns.filter((c) => c.type === 'numeric' || c.type === 'time').map((c) => c.name);
  return rows.map((row) => {
    const out = { ...row };
    for (const name of numeric) if (out[name] !== undefined && out[name] !== '') out[name] = Number(out[name]);
    for (const name of numeric) if (out[name] === '') out[name] = null;
    return out;
  });
}

/** Score with a session in batches (push and pushBatch give the same results; sessions.test.mjs checks it). */
export function scoreInBatches(session, rows, batch) {
  const out = [];
  for (let i = 0; i < rows.length; i += batch) out.push(...session.pushBatch(rows.slice(i, i + batch)));
  return out;
}

export const nearAny = (p, cuts) => cuts.some((c) => Math.abs(p - c) <= TOLERANCE);

/** "CODE=0.1;CODE2=0.2" into [{code, contribution}]. */
export function parseReasons(text) {
  if (!text) return [];
  return text.split(';').map((item) => {
    const eq = item.indexOf('=');
    return { code: eq < 0 ? item : item.slice(0, eq), contribution: eq < 0 ? 0 : Number(item.slice(eq + 1)) };
  });
}

/** As golden_parity.cpp: codes equal except where contributions tie within `tol` (a swap, or ~0 at the cut-off).
 *  Returns the largest difference (1 for a code that differs without a tie). */
export function reasonDifference(expected, got, tol = TOLERANCE) {
  let worst = 0;
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; ++i) {
    const e = i < expected.length ? expected[i].contribution : 0;
    const c = i < got.length ? got[i].contribution : 0;
    let d = Math.abs(e - c);
    if (i < expected.length && i < got.length && expected[i].code !== got[i].code) {
      const found = got.some((g) => g.code === expected[i].code && Math.abs(g.contribution - e) <= tol);
      if (!found && !(e <= tol && c <= tol)) d = 1;
    }
    worst = Math.max(worst, d);
  }
  return worst;
}

/** Asserts that `fn` throws a FraudscoreError (an Error) with this status and a message matching `message`. */
export function assertFraudscoreError(fn, status, message) {
  let caught = null;
  try { fn(); } catch (e) { caught = e; }
  checkError(caught, status, message);
  return caught;
}

export async function assertRejects(promise, status, message) {
  let caught = null;
  try { await promise; } catch (e) { caught = e; }
  checkError(caught, status, message);
  return caught;
}

function checkError(e, status, message) {
  assert.ok(e, 'expected an error');
  assert.ok(e instanceof Error, `not an Error: ${e}`);
  assert.ok(e instanceof FraudscoreError, `not a FraudscoreError: ${e && e.stack}`);
  assert.equal(e.name, 'FraudscoreError');
  assert.equal(typeof e.status, 'string');
  if (status) assert.equal(e.status, status, `status of "${e.message}"`);
  if (message) assert.match(e.message, message);
}

// ---- the native CLI ----
export const CLI = process.env.FRAUDSCORE_CLI || path.join(REPO, 'build', 'ci', 'cli', 'fraudscore');
export const cliAvailable = () => existsSync(CLI);
export const CLI_SKIP = `native CLI not found at ${CLI} (build it, or set FRAUDSCORE_CLI)`;

const cliRuns = new Map();
/** `fraudscore score MODEL CSV` as records keyed by its header; cached per process (started once, awaited later). */
export function runCli(model, csv) {
  const key = `${model}\0${csv}`;
  let run = cliRuns.get(key);
  if (!run) {
    run = new Promise((resolve, reject) => {
      execFile(CLI, ['score', modelPath(model), csv], { maxBuffer: 256 << 20 }, (error, stdout, stderr) => {
        if (error) return reject(new Error(`${CLI} score ${model} ${csv} failed: ${error.message}\n${stderr}`));
        const [header, ...records] = parseCsv(stdout);
        resolve(records.filter((r) => r.length > 1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))));
      });
    });
    run.catch(() => {}); // awaited by the test that needs it
    cliRuns.set(key, run);
  }
  return run;
}
