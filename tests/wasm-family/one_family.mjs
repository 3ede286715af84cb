// Run by run.sh: the package over a .wasm built with FRAUDSCORE_FAMILIES=gbdt.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { loadModel, FraudscoreError } = await import(process.env.FRAUDSCORE_PACKAGE);
const { MANIFEST, readCsv, TOLERANCE } = await import(path.join(REPO, 'tests', 'wasm', 'helpers.mjs'));
const bytes = (entry) => new Uint8Array(readFileSync(path.join(REPO, entry.file)));

// Its own family: the golden rows, scored in order, within the parity tolerance.
const gbdt = MANIFEST.find((m) => m.kind === 'gbdt');
const model = await loadModel(bytes(gbdt), { simd: true });
assert.equal(model.info.kind, 'gbdt');
const records = readCsv(path.join(REPO, gbdt.golden)).rows;
const input = records.map((r) => Object.fromEntries(model.info.columns.map((c) => [c.name, r[c.name]])));
const results = model.score(input);
let worst = 0;
results.forEach((res, i) => { worst = Math.max(worst, Math.abs(res.probability - Number(records[i].expected_probability))); });
assert.ok(worst <= TOLERANCE, `max |dp| ${worst}`);

// Every other kind is refused, naming the families this build holds.
for (const entry of MANIFEST.filter((m) => m.kind !== 'gbdt')) {
  await assert.rejects(loadModel(bytes(entry), { simd: true }), (e) => {
    assert.ok(e instanceof FraudscoreError);
    assert.equal(e.status, 'unsupported');
    assert.match(e.message, /not in this build \(its families: gbdt\)/);
    return true;
  }, entry.name);
}
const size = statSync(path.join(path.dirname(process.env.FRAUDSCORE_PACKAGE), 'dist', 'fraudscore-simd.wasm')).size;
console.log(`one-family WebAssembly (gbdt): ${records.length} golden rows, max |dp| ${worst.toExponential(2)}; ` +
  `other kinds refused; .wasm ${size} bytes`);
