// The package agrees with the native CLI (`fraudscore score MODEL CSV`: a fresh session, the model's fixed
// thresholds, 3 reason codes) on the example files and the real PaySim sample, row by row in order:
// probability, raw probability, band, decision, applied threshold, valid steps, attention, reason codes
// (and contributions), enterprise risk, grade, and out_of_range (features clipped to the model's training
// range; such a row is at least step_up). Both builds; skipped if the CLI has not been built. The PaySim cases
// fail (they do not skip) when the sample is absent (helpers.mjs: PAYSIM, requirePaysim). EXTREME: the example
// transactions with every fourth row's amount and balances 1000 times larger, rows beyond any training range.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  FLAVOURS, EXAMPLE, MANIFEST, PAYSIM, REPO, TOLERANCE, CLI_SKIP, cliAvailable, loadNamed, readCsv, runCli, nearAny,
  parseReasons, reasonDifference, requirePaysim,
} from './helpers.mjs';

// Every shipped model on its example rows; the PaySim-column models also on the real PaySim sample.
const CASES = [
  ...MANIFEST.map((m) => [m.name, path.join(REPO, m.example)]),
  ...MANIFEST.filter((m) => m.example === 'examples/transactions.csv').map((m) => [m.name, PAYSIM]),
];
const EXTREME_DIR = mkdtempSync(path.join(os.tmpdir(), 'fraudscore-cli-'));
process.on('exit', () => rmSync(EXTREME_DIR, { recursive: true, force: true }));
const EXTREME = path.join(EXTREME_DIR, 'transactions_extreme.csv');
{
  const { header, records } = readCsv(EXAMPLE.crnn);
  const scaled = ['amount', 'oldbalanceOrg', 'newbalanceOrig', 'oldbalanceDest', 'newbalanceDest'].map((c) => header.indexOf(c));
  const lines = records.slice(0, 120).map((r, i) => r.map((v, j) => (i % 4 === 3 && scaled.includes(j) ? String(Number(v) * 1000) : v)));
  writeFileSync(EXTREME, [header, ...lines].map((r) => r.join(',')).join('\n') + '\n');
}
CASES.push(...MANIFEST.filter((m) => m.example === 'examples/transactions.csv').map((m) => [m.name, EXTREME]));
// CLI figures are printed with 9 (probabilities) and 6 (attention, contributions) significant digits.
const PRINTED = 1e-6;

const skip = cliAvailable() ? false : CLI_SKIP;
if (!skip) for (const [model, csv] of CASES) if (existsSync(csv)) runCli(model, csv); // start them all now

for (const flavour of FLAVOURS) {
  describe(`same results as the native CLI (${flavour.name})`, () => {
    for (const [name, csv] of CASES) {
      const limit = csv === PAYSIM ? flavour.paysimRows : Infinity;
      const label = `${name} on ${path.basename(csv)}${limit < Infinity ? ` (first ${limit} rows)` : ''}`;
      test(label, { skip }, async () => {
        if (csv === PAYSIM) requirePaysim();
        assert.ok(existsSync(csv), `${csv} not found`);
        const model = await loadNamed(name, flavour);
        const all = readCsv(csv).rows;
        const rows = all.slice(0, limit);
        const results = model.score(rows);
        const cli = await runCli(name, csv);
        model.dispose();
        assert.equal(results.length, rows.length);
        assert.equal(cli.length, all.length, 'the CLI scored every row');
        const expected = cli.slice(0, rows.length); // windows depend only on earlier rows: a prefix is exact
        const failures = [];
        let worstP = 0, worstAttention = 0, worstReason = 0, nearDecisions = 0, outOfRange = 0;
        expected.forEach((e, i) => {
          const r = results[i], bad = [];
          assert.equal(Number(e.row), i);
          const p = Number(e.probability);
          const dp = Math.abs(r.probability - p);
          worstP = Math.max(worstP, dp);
          if (!(dp <= TOLERANCE)) bad.push(`probability ${r.probability} vs ${e.probability}`);
          if (!(Math.abs(r.rawProbability - Number(e.raw_probability)) <= TOLERANCE)) bad.push('raw probability');
          if (!(Math.abs(r.blockThreshold - Number(e.threshold)) <= PRINTED)) bad.push(`threshold ${r.blockThreshold} vs ${e.threshold}`);
          if (r.validSteps !== Number(e.valid_steps)) bad.push(`validSteps ${r.validSteps} vs ${e.valid_steps}`);
          if (!('out_of_range' in e)) bad.push('the CLI prints no out_of_range column (rebuild it)');
          else if (r.outOfRange !== Number(e.out_of_range)) bad.push(`outOfRange ${r.outOfRange} vs ${e.out_of_range}`);
          if (!Number.isInteger(r.outOfRange) || r.outOfRange < 0) bad.push(`outOfRange ${r.outOfRange}`);
          if (r.outOfRange > 0) ++outOfRange;
          if (r.outOfRange > 0 && r.decision === 'approve') bad.push('approved with features out of range');
          if (r.decision !== e.decision && !nearAny(p, [r.blockThreshold, r.reviewThreshold])) bad.push(`decision ${r.decision} vs ${e.decision}`);
          if (r.decision !== e.decision) ++nearDecisions;
          if (r.band !== e.band && !nearAny(p, model.info.bandCuts)) bad.push(`band ${r.band} vs ${e.band}`);
          const attention = e.attention === '' ? [] : e.attention.split(';').map(Number);
          if (attention.length !== r.attention.length) bad.push(`attention length ${r.attention.length} vs ${attention.length}`);
          attention.forEach((a, t) => { worstAttention = Math.max(worstAttention, Math.abs(r.attention[t] - a)); });
          if (attention.some((a, t) => !(Math.abs(r.attention[t] - a) <= TOLERANCE))) bad.push('attention');
          const dr = reasonDifference(parseReasons(e.reasons), r.reasons);
          worstReason = Math.max(worstReason, dr);
          if (!(dr <= TOLERANCE)) bad.push(`reasons ${r.reasons.map((x) => `${x.code}=${x.contribution}`).join(';')} vs ${e.reasons}`);
          // The CLI prints each named output in a column of its name: a probability's value, a label.
          for (const o of model.info.outputs) {
            if (!(o.name in e)) bad.push(`${o.name} the CLI does not print`);
            else if (o.kind === 'label' ? r.outputs[o.name] !== e[o.name]
              : !(Math.abs(r.outputs[o.name] - Number(e[o.name])) <= TOLERANCE)) bad.push(`${o.name} ${r.outputs[o.name]} vs ${e[o.name]}`);
          }
          if (bad.length) failures.push(`row ${i}: ${bad.join(', ')}`);
        });
        console.log(`${label} (${flavour.name}): ${rows.length} rows; max |d| probability ` +
          `${worstP.toExponential(2)}, attention ${worstAttention.toExponential(2)}, reasons ${worstReason.toExponential(2)}; ` +
          `${nearDecisions} decisions differ within 1e-5 of a threshold; ${outOfRange} rows out of range`);
        assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${rows.length} rows differ from the CLI`);
      });
    }
  });
}
