// Train/serve parity in JavaScript: the trainer's golden vectors (models/manifest.json's golden files), fed as raw rows
// in order to a fresh session with the model's default thresholds (as tests/parity/golden_parity.cpp does),
// agree within 1e-5 on probability, raw probability, attention, enterprise risk, applied threshold and reason
// contributions; valid steps, label outputs and reason codes equal (codes may differ only where contributions tie);
// decisions and bands equal except within 1e-5 of a threshold. Both builds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  FLAVOURS, MODELS, REPO, TOLERANCE, goldenPath, loadModel, modelBytes, readCsv, scoreInBatches, nearAny, parseReasons, reasonDifference,
} from './helpers.mjs';

const MIN_ROWS = 1000;
const BATCH = 64;
const PYTHON = process.env.FRAUDSCORE_PYTHON || '/usr/bin/python3';

// Every row of a golden file through the package; fails on any difference beyond the tolerances above.
async function checkGolden(name, bytes, goldenPath, flavour, minRows) {
  const model = await loadModel(bytes, { simd: flavour.simd });
  const info = model.info;
  const { header, records } = readCsv(goldenPath);
  const col = (n) => header.indexOf(n);
  const fieldOf = info.columns.map((c) => {
    const i = col(c.name);
    assert.ok(i >= 0, `golden file lacks column ${c.name}`);
    return i;
  });
  const f = {
    p: col('expected_probability'), raw: col('expected_raw_probability'), decision: col('expected_decision'),
    band: col('expected_band'), valid: col('expected_valid_steps'), attention: col('expected_attention'),
    threshold: col('expected_threshold'), reasons: col('expected_reasons'),
  };
  // Each named output of the model in its column expected_NAME.
  const outputColumns = info.outputs.map((o) => {
    assert.ok(col(`expected_${o.name}`) >= 0, `golden file lacks expected_${o.name}`);
    return { ...o, column: col(`expected_${o.name}`) };
  });
  for (const k of ['p', 'raw', 'decision', 'band', 'valid', 'attention']) assert.ok(f[k] >= 0, `golden lacks ${k}`);
  assert.ok(records.length >= minRows, `too few golden rows: ${records.length}`);

  // Raw rows in, exactly as the file has them (strings; '' is a missing value as in the C++ harness).
  const rows = records.map((r) => Object.fromEntries(info.columns.map((c, i) => [c.name, r[fieldOf[i]]])));
  const session = model.session({ maxKeys: 65536, maxBatch: BATCH, reasons: f.reasons >= 0 ? 3 : 0 });
  const results = scoreInBatches(session, rows, BATCH);

  const worst = { p: 0, raw: 0, attention: 0, outputs: 0, threshold: 0, reason: 0 };
  const failures = [];
  let nearDecisions = 0;
  records.forEach((r, i) => {
    const res = results[i];
    const p = Number(r[f.p]);
    const d = {
      p: Math.abs(res.probability - p),
      raw: Math.abs(res.rawProbability - Number(r[f.raw])),
      attention: 0, outputs: 0, threshold: 0, reason: 0,
    };
    const bad = [];
    if (r[f.attention] !== '' || res.attention.length) {
      const att = r[f.attention].split(';').map(Number);
      if (att.length !== res.attention.length) { d.attention = 1; bad.push(`attention length ${res.attention.length}`); }
      att.forEach((a, t) => { d.attention = Math.max(d.attention, Math.abs(res.attention[t] - a)); });
    }
    for (const o of outputColumns) {
      const got = res.outputs[o.name], want = r[o.column];
      if (o.kind === 'label') {
        if (got !== want) bad.push(`${o.name} ${got} vs ${want}`);
        if (o.labels[res.outputs[`${o.name}_index`]] !== got) bad.push(`${o.name}_index`);
      } else {
        d.outputs = Math.max(d.outputs, want === '' ? 1 : Math.abs(got - Number(want)));
      }
    }
    if (!outputColumns.length && res.outputs !== undefined) bad.push('outputs the model does not declare');
    if (f.threshold >= 0 && r[f.threshold] !== '') d.threshold = Math.abs(res.blockThreshold - Number(r[f.threshold]));
    if (f.reasons >= 0) d.reason = reasonDifference(parseReasons(r[f.reasons]), res.reasons);
    if (res.validSteps !== Number(r[f.valid])) bad.push(`validSteps ${res.validSteps} vs ${r[f.valid]}`);
    for (const k of Object.keys(worst)) {
      worst[k] = Math.max(worst[k], d[k]);
      if (!(d[k] <= TOLERANCE)) bad.push(`|d ${k}| ${d[k]}`);
    }
    if (res.decision !== r[f.decision]) {
      if (nearAny(p, [res.blockThreshold, res.reviewThreshold])) ++nearDecisions;
      else bad.push(`decision ${res.decision} vs ${r[f.decision]}`);
    }
    if (res.band !== r[f.band] && !nearAny(p, info.bandCuts)) bad.push(`band ${res.band} vs ${r[f.band]}`);
    if (bad.length) failures.push(`row ${i}: ${bad.join(', ')}`);
  });
  model.dispose();
  const summary = `${name} (${flavour.name}): ${records.length} rows; max |d| ${Object.entries(worst)
    .map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}; ${nearDecisions} decisions within 1e-5 of a threshold`;
  console.log(summary);
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} rows differ; ${summary}`);
}

for (const flavour of FLAVOURS) {
  describe(`golden parity (${flavour.name})`, () => {
    for (const name of MODELS) {
      test(name, () => checkGolden(name, modelBytes(name), goldenPath(name), flavour, MIN_ROWS));
    }
  });
}

// A model the trainer builds from a dataset description of data in its own schema (trainer/descriptions/
// sparkov_cards.toml, a tiny run): the package scores it as the trainer does.
describe('a model trained from a dataset description', () => {
  test('crnn on the Sparkov card transactions', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'fraudscore-own-data-'));
    try {
      const run = spawnSync(PYTHON, ['-m', 'fraudscore_trainer', 'build', '--description',
        'descriptions/sparkov_cards.toml', '--family', 'crnn', '--out', out, '--name', 'cards', '--epochs', '1',
        '--max-windows', '600', '--max-rows', '6000', '--no-progress', '--threads', '2'],
      { cwd: path.join(REPO, 'trainer'), encoding: 'utf8' });
      assert.equal(run.status, 0, `${run.stdout.slice(-2000)}${run.stderr.slice(-3000)}`);
      const bytes = new Uint8Array(readFileSync(path.join(out, 'cards.fsmodel')));
      for (const flavour of FLAVOURS) await checkGolden('cards', bytes, path.join(out, 'cards.golden.csv'), flavour, 100);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
