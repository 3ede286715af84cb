#!/usr/bin/env node
// Browser end-to-end test of web-demo/: Debian's Chromium (headless) driven by playwright-core.
//
//   node tests/browser/e2e.mjs          (or: bash tests/browser/run.sh, which installs the npm deps first)
//
// It starts `node web-demo/serve.mjs --port 0`, loads the page, waits for the model, scores the bundled
// sample ("Load sample") and a PaySim file (the file input) through the UI, and checks every probability
// against the native CLI (`fraudscore score MODEL CSV`) on the same rows (|diff| <= 1e-5; decisions and
// bands equal except within 1e-5 of a threshold). It types a payment into the form (after two added to the
// session history) and checks it against the CLI too, moves the threshold slider, selects a row for the
// attention heatmap, and checks that the page made no network request after the model loaded and never
// one to another origin. Signatures: the page loads the model with the project's TEST public key as its
// trusted key (WebCrypto Ed25519 in Chromium) and shows it verified; in the page, the package refuses a copy
// with one flipped byte and the unsigned model with that key. Screenshot: build/browser/demo.png.
//
// Environment: FRAUDSCORE_CLI (default build/ci/cli/fraudscore), CHROMIUM (default /usr/bin/chromium),
// FRAUDSCORE_PAYSIM (or FRAUDSCORE_PAYSIM_SAMPLE; default <repo>/../shared/data/paysim_sample_3k.csv, where the
// trainer finds it too): the file-input check uses its first 300 rows, and the test fails if it is absent.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { chromium } from 'playwright-core';
import { openEnvelope } from '../wasm/envelope.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const CLI = process.env.FRAUDSCORE_CLI || path.join(REPO, 'build/ci/cli/fraudscore');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const MODEL = path.join(REPO, 'models/crnn-on-device.fsmodel');
const SAMPLE = path.join(REPO, 'examples/transactions.csv'); // what serve.mjs serves as data/sample.csv
const CURVE = path.join(REPO, 'models/crnn-on-device-report/validation_curve.json');
const TEST_KEY = path.join(REPO, 'keys/fraudscore-test.pub'); // what serve.mjs serves as model/trusted-key.pub
const PAYSIM = path.resolve(process.env.FRAUDSCORE_PAYSIM || process.env.FRAUDSCORE_PAYSIM_SAMPLE
  || path.join(REPO, '..', 'shared', 'data', 'paysim_sample_3k.csv'));
const SCREENSHOT = path.join(REPO, 'build/browser/demo.png');
const TOL = 1e-5;
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const failures = [];
const notes = [];
function check(ok, message) {
  if (!ok) failures.push(message);
  return ok;
}

// ------------------------------------------------------------------ native CLI
function cliScore(csvPath) {
  const out = execFileSync(CLI, ['score', MODEL, csvPath], { encoding: 'utf8', maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = out.trim().split('\n');
  const header = lines[0].split(',');
  const col = (n) => header.indexOf(n);
  const [iRow, iProb, iBand, iDec, iThr, iValid, iAtt] = ['row', 'probability', 'band', 'decision', 'threshold',
    'valid_steps', 'attention'].map(col);
  return lines.slice(1).map((line) => {
    const f = line.split(',');
    return {
      row: Number(f[iRow]), probability: Number(f[iProb]), band: f[iBand], decision: f[iDec],
      threshold: Number(f[iThr]), validSteps: Number(f[iValid]),
      attention: f[iAtt] ? f[iAtt].split(';').map(Number) : [],
    };
  });
}

function compareWithCli(label, pageResults, csvPath, info) {
  const cli = cliScore(csvPath);
  check(pageResults.length === cli.length, `${label}: page scored ${pageResults.length} rows, the CLI ${cli.length}`);
  const near = (p, ts) => ts.some((t) => Math.abs(p - t) <= TOL);
  let maxDiff = 0, maxAtt = 0, decisionsChecked = 0, bad = 0;
  for (let i = 0; i < Math.min(cli.length, pageResults.length); ++i) {
    const a = pageResults[i], b = cli[i];
    const d = Math.abs(a.probability - b.probability);
    maxDiff = Math.max(maxDiff, d);
    const problems = [];
    if (a.row !== undefined && a.row !== b.row) problems.push(`row index ${a.row} vs ${b.row}`);
    if (!(d <= TOL)) problems.push(`probability ${a.probability} vs CLI ${b.probability}`);
    if (!near(b.probability, [info.threshold, info.reviewThreshold])) {
      ++decisionsChecked;
      if (a.decision !== b.decision) problems.push(`decision ${a.decision} vs CLI ${b.decision}`);
    }
    if (!near(b.probability, info.bandCuts) && a.band !== b.band) problems.push(`band ${a.band} vs CLI ${b.band}`);
    if (a.validSteps !== b.validSteps) problems.push(`valid steps ${a.validSteps} vs CLI ${b.validSteps}`);
    if (a.attention.length !== b.attention.length) problems.push(`attention length ${a.attention.length} vs ${b.attention.length}`);
    else for (let s = 0; s < b.attention.length; ++s) maxAtt = Math.max(maxAtt, Math.abs(a.attention[s] - b.attention[s]));
    if (Math.abs(b.threshold - info.threshold) > 1e-6) problems.push(`CLI threshold ${b.threshold} vs model ${info.threshold}`);
    if (problems.length && ++bad <= 5) failures.push(`${label} row ${i}: ${problems.join('; ')}`);
  }
  if (bad > 5) failures.push(`${label}: ${bad - 5} more rows differ`);
  check(maxAtt <= 1e-4, `${label}: attention differs from the CLI by up to ${maxAtt}`);
  const counts = {};
  for (const r of pageResults) counts[r.decision] = (counts[r.decision] || 0) + 1;
  notes.push(`${label}: ${pageResults.length} rows, max |p_page - p_cli| = ${maxDiff.toExponential(2)}, `
    + `max attention diff ${maxAtt.toExponential(2)}, ${decisionsChecked} decisions compared `
    + `(${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')})${bad ? `, ${bad} rows DIFFER` : ''}`);
}

// ------------------------------------------------------------------ server
function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'web-demo/serve.mjs'), '--port', '0'], {
      cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`the demo server did not start: ${out}${err}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/\S+\//);
      if (m) { clearTimeout(timer); resolve({ child, url: m[0] }); }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the demo server exited (${code}): ${err}`)); });
  });
}

// ------------------------------------------------------------------ the test
async function main() {
  for (const [what, p] of [['the native CLI (set FRAUDSCORE_CLI)', CLI], ['Chromium (set CHROMIUM)', CHROMIUM],
    ['the TEST public key', TEST_KEY],
    ['wasm/dist/fraudscore-simd.wasm', path.join(REPO, 'wasm/dist/fraudscore-simd.wasm')],
    ['wasm/dist/fraudscore-baseline.wasm', path.join(REPO, 'wasm/dist/fraudscore-baseline.wasm')],
    ['the PaySim sample (<repo>/../shared/data/paysim_sample_3k.csv; set FRAUDSCORE_PAYSIM)', PAYSIM]]) {
    if (!fs.existsSync(p)) throw new Error(`missing ${what}: ${p}`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fraudscore-e2e-'));
  const curve = JSON.parse(fs.readFileSync(CURVE, 'utf8'));
  const { child: server, url } = await startServer();
  const origin = new URL(url).origin;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const requests = [];
    let phase = 'startup';
    page.on('request', (r) => requests.push({ url: r.url(), phase, method: r.method() }));
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });

    // 1. Load the page and the model.
    const t0 = Date.now();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.fraudscoreDemo && (window.fraudscoreDemo.ready || window.fraudscoreDemo.error),
      null, { timeout: 30000 });
    const state = await page.evaluate(() => ({ error: window.fraudscoreDemo.error, info: window.fraudscoreDemo.info,
      runtime: window.fraudscoreDemo.runtime }));
    if (state.error) throw new Error(`the page failed to start: ${state.error}`);
    phase = 'after-load'; // from here on the page must not touch the network
    const startupRequests = requests.length;
    const info = state.info;
    notes.push(`page ready in ${Date.now() - t0} ms: model ${info.name} ${info.version}, window ${info.window}, `
      + `block ${info.threshold.toFixed(6)}, review ${info.reviewThreshold.toFixed(6)}; `
      + `${state.runtime.simd ? 'SIMD128' : 'baseline'} build (kernels ${state.runtime.kernels}); `
      + `${startupRequests} requests during load`);
    check(state.runtime.simd === true, 'Chromium should get the SIMD128 build');
    const testKey = fs.readFileSync(TEST_KEY, 'utf8').trim();
    const testKeyId = createHash('sha256').update(Buffer.from(testKey, 'hex')).digest('hex').slice(0, 16);
    check(info.signed === true && info.signatureVerified === true && info.signedKeyId === testKeyId,
      `the model's signature: ${JSON.stringify([info.signed, info.signatureVerified, info.signedKeyId])}, want `
      + `verified by the TEST key ${testKeyId}`);
    const facts = await page.locator('#facts').innerText();
    check(facts.includes(info.name) && facts.includes(info.version) && /SIMD128|baseline/.test(facts),
      'model facts (name, version, build) are not shown');
    check(facts.includes(`verified (Ed25519, key ${testKeyId}`), 'the model facts do not show the verified signature');
    const privacy = await page.locator('#privacy').innerText();
    check(/no transaction data leaves this page/i.test(privacy), 'the privacy statement is not visible');
    check(await page.locator('#privacy').isVisible(), 'the privacy statement is hidden');

    // 2. The file input with a PaySim file (first 300 rows), against the CLI.
    const fileCsv = path.join(tmp, 'paysim_head300.csv');
    fs.writeFileSync(fileCsv, fs.readFileSync(PAYSIM, 'utf8').split(/\r?\n/).slice(0, 301).join('\n') + '\n');
    await page.setInputFiles('#file-input', fileCsv);
    await page.waitForFunction((name) => window.fraudscoreDemo.lastBatch?.source === name, path.basename(fileCsv));
    const fileResults = await page.evaluate(() => window.fraudscoreDemo.lastResults);
    compareWithCli(`file input (${path.basename(fileCsv)})`, fileResults, fileCsv, info);

    // 3. "Load sample": the bundled sample, against the CLI on the same file.
    await page.click('#load-sample');
    await page.waitForFunction(() => window.fraudscoreDemo.lastBatch?.source === 'the bundled sample');
    const sampleResults = await page.evaluate(() => window.fraudscoreDemo.lastResults);
    check(sampleResults.length > 0, 'the sample produced no results');
    check(await page.locator('#results tbody tr').count() === sampleResults.length, 'the table rows do not match the results');
    compareWithCli('load sample (examples/transactions.csv)', sampleResults, SAMPLE, info);

    // 4. The form: two payments added to the session history, a third typed in and scored on input.
    const fill = async (v) => {
      for (const [id, value] of Object.entries(v)) {
        if (id === 'f-type') await page.selectOption('#f-type', value);
        else await page.fill(`#${id}`, String(value));
      }
    };
    const payer = 'C9000000017';
    await page.click('#f-clear');
    await fill({ 'f-payer': payer, 'f-type': 'PAYMENT', 'f-amount': 1200.5, 'f-balance': 250000, 'f-payee': 'M100200300', 'f-step': 3 });
    await page.click('#f-submit');
    await fill({ 'f-type': 'CASH_IN', 'f-amount': 5000, 'f-balance': 248799.5, 'f-payee': 'C100200301' });
    await page.click('#f-submit');
    await fill({ 'f-type': 'TRANSFER', 'f-amount': 253799.5, 'f-balance': 253799.5, 'f-payee': 'C555000111', 'f-step': 7 });
    await page.waitForFunction(() => window.fraudscoreDemo.formResult?.row?.amount === '253799.5');
    const form = await page.evaluate(() => ({ r: window.fraudscoreDemo.formResult, history: window.fraudscoreDemo.history }));
    check(!form.r.error, `the form could not score: ${form.r.error}`);
    check(form.history.length === 2 && form.r.history === 2, `the session history holds ${form.history.length} payments`);
    const formText = await page.locator('#form-result').innerText();
    check(formText.includes(form.r.decision.replace('_', '-')) && formText.includes(form.r.band),
      'the form result does not show its decision and band');
    check(form.r.reasons.length > 0 && formText.includes(form.r.reasons[0].text), 'the form result shows no reason codes');
    const formCsv = path.join(tmp, 'form.csv');
    const cols = ['step', 'type', 'amount', 'nameOrig', 'oldbalanceOrg', 'nameDest'];
    fs.writeFileSync(formCsv, [cols.join(','), ...[...form.history, form.r.row].map((r) => cols.map((c) => r[c]).join(','))]
      .join('\n') + '\n');
    const cliForm = cliScore(formCsv).at(-1);
    check(Math.abs(cliForm.probability - form.r.probability) <= TOL,
      `form: probability ${form.r.probability} vs CLI ${cliForm.probability}`);
    check(form.r.validSteps === 3 && cliForm.validSteps === 3, `form: ${form.r.validSteps} valid steps (want 3)`);
    notes.push(`form: ${form.r.row.type} ${form.r.row.amount} after 2 payments in history -> p = `
      + `${form.r.probability.toFixed(6)} (CLI ${cliForm.probability}), ${form.r.band}, ${form.r.decision}, `
      + `reasons ${form.r.reasons.map((x) => x.code).join(' ')}`);

    // 5. The threshold slider: nearest curve point, what-if labels, model decisions kept.
    const nearest = (t) => curve.points.reduce((b, p) => (Math.abs(p.threshold - t) < Math.abs(b.threshold - t) ? p : b));
    for (const t of [0.2, 0.9]) {
      await page.locator('#threshold').fill(String(t));
      await page.waitForFunction((x) => Math.abs(window.fraudscoreDemo.threshold - x) < 1e-9, t);
      const w = await page.evaluate(() => ({ whatIf: window.fraudscoreDemo.whatIf,
        results: window.fraudscoreDemo.lastResults.map((r) => [r.probability, r.decision]) }));
      const want = nearest(t);
      check(w.whatIf.point.threshold === want.threshold, `slider ${t}: curve point ${w.whatIf.point.threshold}, want ${want.threshold}`);
      const recall = await page.locator('dd[data-metric="recall"]').innerText();
      check(recall === `${(want.recall * 100).toFixed(2)}%`, `slider ${t}: recall shows ${recall}`);
      const flags = await page.$$eval('#results tbody td.whatif', (tds) => tds.map((td) => td.textContent));
      const wantFlags = w.results.map(([p]) => (p >= t ? 'flag' : 'pass'));
      check(JSON.stringify(flags) === JSON.stringify(wantFlags), `slider ${t}: what-if column does not match p >= ${t}`);
      const decisions = await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => tr.dataset.decision));
      check(JSON.stringify(decisions) === JSON.stringify(w.results.map(([, d]) => d)), `slider ${t}: the model's decisions changed`);
      notes.push(`slider ${t}: curve point ${want.threshold} precision ${want.precision} recall ${want.recall} `
        + `alert rate ${want.alert_rate}; ${wantFlags.filter((f) => f === 'flag').length} of ${wantFlags.length} rows flagged`);
    }
    await page.click('#snap-block');
    check(await page.evaluate(() => window.fraudscoreDemo.threshold) === info.threshold, 'the block-threshold button');
    const head = await page.locator('#whatif-head').innerText();
    check(/what-if/i.test(head), 'the what-if column is not labelled as what-if');

    // 6. The attention heatmap for a clicked row with some history.
    // (the table holds the sample now: pick the row with the longest history, a flagged one if there is one)
    const byHistory = (rs) => rs.reduce((b, r) => (r.validSteps > b.validSteps ? r : b), rs[0]);
    const flagged = sampleResults.filter((r) => r.decision !== 'approve' && r.validSteps > 1);
    const rowIndex = (flagged.length ? byHistory(flagged) : byHistory(sampleResults)).row;
    await page.locator(`#results tbody tr[data-row="${rowIndex}"]`).scrollIntoViewIfNeeded();
    await page.click(`#results tbody tr[data-row="${rowIndex}"]`);
    const cells = await page.$$eval('#heatmap .cell', (cs) => cs.map((c) => ({ pad: c.classList.contains('pad'),
      w: Number(c.dataset.weight) })));
    const sel = sampleResults[rowIndex];
    check(cells.length === info.window, `heatmap has ${cells.length} cells, want ${info.window}`);
    check(cells.filter((c) => c.pad).length === info.window - sel.validSteps, 'heatmap padded cells do not match valid steps');
    check(cells.every((c, i) => Math.abs(c.w - sel.attention[i]) < 1e-6), 'heatmap weights do not match the row\'s attention');
    notes.push(`heatmap: row ${rowIndex} (${sel.decision}, ${sel.validSteps} valid steps) weights `
      + `${cells.map((c) => (c.pad ? 'pad' : c.w.toFixed(2))).join(' ')}`);

    // 7. The network: nothing after the model loaded, nothing to another origin.
    await page.locator('#threshold').fill('0.3');
    await page.waitForTimeout(300);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const after = requests.filter((r) => r.phase !== 'startup');
    check(after.length === 0, `${after.length} network requests after the model loaded: ${after.map((r) => r.url).join(', ')}`);
    const foreign = requests.filter((r) => { try { return new URL(r.url).origin !== origin; } catch { return true; } });
    check(foreign.length === 0, `requests to another origin: ${foreign.map((r) => r.url).join(', ')}`);
    const counter = await page.locator('#net-count').innerText();
    check(counter === '0', `the page's own request counter shows ${counter}`);
    notes.push(`network: ${requests.length} requests, all during load, all to ${origin} `
      + `(${requests.map((r) => new URL(r.url).pathname).join(' ')}); 0 after the model loaded`);

    // 8. The baseline (no SIMD) build, forced with ?build=baseline: the same sample, the same CLI numbers.
    const page2 = await context.newPage();
    const requests2 = [];
    let phase2 = 'startup';
    page2.on('request', (r) => requests2.push({ url: r.url(), phase: phase2 }));
    page2.on('pageerror', (e) => pageErrors.push(`baseline page: ${e}`));
    await page2.goto(`${url}?build=baseline`, { waitUntil: 'load' });
    await page2.waitForFunction(() => window.fraudscoreDemo && (window.fraudscoreDemo.ready || window.fraudscoreDemo.error),
      null, { timeout: 30000 });
    phase2 = 'after-load';
    const rt2 = await page2.evaluate(() => window.fraudscoreDemo.runtime || window.fraudscoreDemo.error);
    check(rt2 && rt2.simd === false, `?build=baseline: runtime ${JSON.stringify(rt2)}`);
    check(/baseline/.test(await page2.locator('#facts').innerText()), '?build=baseline: the facts do not say baseline');
    await page2.click('#load-sample');
    await page2.waitForFunction(() => window.fraudscoreDemo.lastBatch?.source === 'the bundled sample');
    compareWithCli('baseline build, load sample', await page2.evaluate(() => window.fraudscoreDemo.lastResults), SAMPLE, info);
    const after2 = requests2.filter((r) => r.phase !== 'startup');
    check(after2.length === 0, `baseline page: ${after2.length} requests after the model loaded`);
    check(requests2.every((r) => new URL(r.url).origin === origin), 'baseline page: a request to another origin');
    check(requests2.some((r) => r.url.endsWith('/pkg/dist/fraudscore-baseline.wasm')), 'baseline page did not fetch the baseline .wasm');
    notes.push(`baseline page: ${requests2.length} requests during load, 0 after`);

    // 9. The package in a module Web Worker (score-worker.mjs): the same sample, the same CLI numbers.
    const workerResults = await page2.evaluate(async () => {
      const ask = (worker, message) => new Promise((resolve) => {
        worker.onmessage = ({ data }) => resolve(data);
        worker.onerror = (e) => resolve({ error: e.message || 'worker error' });
        worker.postMessage(message);
      });
      const worker = new Worker('./score-worker.mjs', { type: 'module' });
      const model = await (await fetch('./model/crnn-on-device.fsmodel')).arrayBuffer();
      const loaded = await ask(worker, { model });
      if (loaded.error) return loaded;
      const { parseCsv } = await import('./app.mjs');
      const [header, ...records] = parseCsv(await (await fetch('./data/sample.csv')).text());
      const rows = records.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
      const scored = await ask(worker, { rows });
      worker.terminate();
      return { runtime: loaded.runtime, results: scored.results, error: scored.error };
    });
    check(!workerResults.error, `Web Worker: ${workerResults.error}`);
    if (workerResults.results) {
      compareWithCli('module Web Worker', workerResults.results, SAMPLE, info);
      notes.push(`Web Worker runtime: ${workerResults.runtime.simd ? 'SIMD128' : 'baseline'} (kernels ${workerResults.runtime.kernels})`);
    }
    // 10. Signatures in the page (Chromium's WebCrypto): the model with one flipped byte, and the unsigned model,
    // are refused with the TEST key; the signed one loads. Bytes come from here, so the page fetches nothing.
    const signedModel = new Uint8Array(fs.readFileSync(MODEL));
    const [unsigned] = openEnvelope(signedModel);
    const flipped = Uint8Array.from(signedModel);
    flipped[Buffer.from(signedModel).indexOf(Buffer.from(unsigned)) + (unsigned.length >> 1)] ^= 0x01; // in the weights
    const verdicts = await page2.evaluate(async ({ files, key }) => {
      const { loadModel } = await import('./pkg/fraudscore.mjs');
      const out = {};
      for (const [name, b64] of Object.entries(files)) {
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const t0 = performance.now();
        try {
          const m = await loadModel(bytes, { trustedKeys: [key] });
          out[name] = { keyId: m.info.signedKeyId, ms: performance.now() - t0 };
          m.dispose();
        } catch (e) {
          out[name] = { status: e.status, message: e.message };
        }
      }
      return out;
    }, { files: Object.fromEntries([['signed', signedModel], ['flipped', flipped], ['unsigned', unsigned]]
      .map(([k, v]) => [k, Buffer.from(v).toString('base64')])), key: testKey });
    check(verdicts.signed.keyId === testKeyId, `in the page, the signed model: ${JSON.stringify(verdicts.signed)}`);
    check(verdicts.flipped.status === 'signature', `in the page, one flipped byte: ${JSON.stringify(verdicts.flipped)}`);
    check(verdicts.unsigned.status === 'signature' && /unsigned/.test(verdicts.unsigned.message),
      `in the page, the unsigned model: ${JSON.stringify(verdicts.unsigned)}`);
    notes.push(`signatures in Chromium: signed model verified (key ${verdicts.signed.keyId}, load ${verdicts.signed.ms?.toFixed(1)} ms), `
      + `one flipped byte refused (${verdicts.flipped.status}), unsigned refused (${verdicts.unsigned.status})`);
    check(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => { console.error('e2e: timed out after 180 s'); process.exit(1); }, 180000);
try {
  await main();
} catch (e) {
  failures.push(`error: ${e && e.stack || e}`);
}
clearTimeout(watchdog);
for (const n of notes) console.log(`  ${n}`);
if (failures.length) {
  console.log(`e2e: FAIL (${failures.length})`);
  for (const f of failures) console.log(`  FAIL ${f}`);
  process.exit(1);
}
console.log(`e2e: PASS — screenshot ${path.relative(REPO, SCREENSHOT)}`);
