// Sessions: push vs pushBatch, per-key and global windows, eviction, reset, keyCount, reason options,
// dynamic thresholds with feedback and their saved state, maxBatch. Both builds.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAVOURS, EXAMPLE, MODELS, examplePath, goldenPath, loadNamed, readCsv, numericRows, scoreInBatches, assertFraudscoreError,
} from './helpers.mjs';

const tx = () => readCsv(EXAMPLE.crnn).rows;
const sme = () => readCsv(EXAMPLE.lstm_attn).rows;
const companies = () => readCsv(EXAMPLE.lle_svm).rows;

for (const flavour of FLAVOURS) {
  describe(`sessions (${flavour.name})`, () => {
    const models = {};
    before(async () => {
      for (const name of MODELS) {
        models[name] = await loadNamed(name, flavour);
      }
    });
    after(() => Object.values(models).forEach((m) => m.dispose()));

    // Every shipped model (models/manifest.json) with its example rows.
    const cases = () => MODELS.map((name) => [name, readCsv(examplePath(name)).rows]);

    test('push and pushBatch give the same results (batches of 1, 7 and 64)', () => {
      for (const [name, rows] of cases()) {
        const model = models[name];
        const some = rows.slice(0, 48);
        const s = model.session();
        const pushed = some.map((r) => s.push(r));
        for (const batch of [1, 7, 64]) {
          const b = model.session({ maxBatch: batch });
          assert.deepEqual(scoreInBatches(b, some, batch), pushed, `${name}, batches of ${batch}`);
          assert.equal(b.keyCount, s.keyCount);
          b.dispose();
        }
        s.dispose();
      }
    });

    test('model.score is a fresh session with the fixed thresholds, in row order', () => {
      for (const [name, rows] of cases()) {
        const model = models[name];
        const some = rows.slice(0, 40);
        const s = model.session({ thresholds: 'fixed' });
        const expected = some.map((r) => s.push(r));
        s.dispose();
        assert.deepEqual(model.score(some), expected, name);
        expected.forEach((r) => assert.equal(r.blockThreshold, model.info.threshold));
        assert.deepEqual(model.score([]), []);
      }
    });

    test('numbers and numeric strings give the same results', () => {
      for (const [name, rows] of cases()) {
        const model = models[name];
        const some = rows.slice(0, 40);
        assert.deepEqual(model.score(numericRows(some, model.info)), model.score(some), name);
      }
    });

    test('results have the documented shape', () => {
      for (const [name, rows] of cases()) {
        const model = models[name], info = model.info;
        // A model with attention: its golden rows expect weights (crnn, lstm_attn; not lle_svm, gbdt).
        const attends = readCsv(goldenPath(name)).rows[0].expected_attention !== '';
        for (const r of model.score(rows.slice(0, 30))) {
          assert.ok(r.probability >= 0 && r.probability <= 1);
          assert.ok(r.rawProbability >= 0 && r.rawProbability <= 1);
          assert.ok(['low', 'medium', 'high', 'critical'].includes(r.band));
          assert.ok(['approve', 'step_up', 'block'].includes(r.decision));
          assert.equal(r.decision, r.probability >= r.blockThreshold ? 'block' : r.probability >= r.reviewThreshold ? 'step_up' : 'approve');
          assert.ok(r.attention instanceof Float32Array);
          if (!attends) assert.equal(r.attention.length, 0);
          else {
            assert.equal(r.attention.length, info.window);
            const sum = r.attention.reduce((a, b) => a + b, 0);
            assert.ok(Math.abs(sum - 1) < 1e-4, `attention sums to ${sum}`);
            for (let t = 0; t < info.window - r.validSteps; ++t) assert.equal(r.attention[t], 0, 'padded steps weigh 0');
          }
          assert.ok(r.reasons.length <= 3);
          r.reasons.forEach((x, i) => {
            assert.ok(info.reasonCodes.some((c) => c.code === x.code && c.text === x.text));
            assert.ok(x.contribution > 0);
            if (i) assert.ok(x.contribution <= r.reasons[i - 1].contribution, 'largest first');
          });
          assert.equal('outputs' in r, info.outputs.length > 0);
          for (const o of info.outputs) {
            if (o.kind === 'label') assert.equal(r.outputs[o.name], o.labels[r.outputs[`${o.name}_index`]]);
            else assert.ok(r.outputs[o.name] >= 0 && r.outputs[o.name] <= 1);
          }
        }
      }
    });

    test('per-key windows: validSteps grows per key, up to the window; keyCount counts the keys', () => {
      for (const name of ['lstm_attn-sme', 'lle_svm-listed', 'crnn-on-device']) {
        const model = models[name], { keyColumn, window } = model.info;
        const rows = name === 'lstm_attn-sme' ? sme() : name === 'lle_svm-listed' ? companies() : tx();
        const s = model.session();
        const seen = new Map();
        for (const row of rows) {
          const key = row[keyColumn];
          seen.set(key, (seen.get(key) || 0) + 1);
          assert.equal(s.push(row).validSteps, Math.min(seen.get(key), window), `${name}, key ${key}`);
        }
        assert.equal(s.keyCount, seen.size, name);
        assert.ok([...seen.values()].some((n) => n > 1), `${name}: some key has several rows`);
        s.dispose();
      }
    });

    test('a global window (crnn-paper): validSteps counts every row up to the window; no keys', () => {
      const model = models['crnn-paper'];
      assert.equal(model.info.keyColumn, null);
      const s = model.session();
      tx().slice(0, 25).forEach((row, i) => assert.equal(s.push(row).validSteps, Math.min(i + 1, model.info.window)));
      assert.equal(s.keyCount, 0);
      s.dispose();
    });

    test('maxKeys evicts the least recently used key', () => {
      const model = models['lstm_attn-sme'];
      const base = sme()[0];
      const s = model.session({ maxKeys: 2 });
      const push = (id) => s.push({ ...base, enterprise_id: id }).validSteps;
      assert.deepEqual([push('A'), push('B'), push('A'), push('C')], [1, 1, 2, 1]); // C evicts B
      assert.equal(s.keyCount, 2);
      assert.equal(push('A'), 3);
      assert.equal(push('B'), 1, 'B was evicted');
      s.dispose();
    });

    test('reset forgets every window', () => {
      for (const [name, rows] of cases()) {
        const model = models[name];
        const fresh = model.session();
        const first = rows.slice(0, 20).map((r) => fresh.push(r));
        const s = model.session();
        rows.slice(20, 60).forEach((r) => s.push(r));
        s.reset();
        assert.equal(s.keyCount, 0);
        assert.deepEqual(rows.slice(0, 20).map((r) => s.push(r)), first, name);
        s.dispose();
        fresh.dispose();
      }
    });

    test('reason options: reasons count, 0 turns them off, reasonsFor flagged', () => {
      const model = models['lstm_attn-sme'], rows = sme().slice(0, 60);
      const all = model.score(rows);
      const one = model.score(rows, { reasons: 1 });
      const none = model.score(rows, { reasons: 0 });
      const flagged = model.score(rows, { reasonsFor: 'flagged' });
      all.forEach((r, i) => {
        assert.deepEqual(one[i].reasons, r.reasons.slice(0, 1));
        assert.deepEqual(none[i].reasons, []);
        assert.equal(none[i].probability, r.probability);
        assert.deepEqual(flagged[i].reasons, r.decision === 'approve' ? [] : r.reasons);
      });
      assert.ok(all.some((r) => r.reasons.length === 3));
      const many = model.score(rows.slice(0, 5), { reasons: 64 });
      many.forEach((r) => assert.ok(r.reasons.length <= model.info.reasonCodes.length));
    });

    test('long and non-ASCII text values (the text buffer grows)', () => {
      const model = models['crnn-on-device'], row = tx()[0];
      const s = model.session({ maxBatch: 1 });
      const id = '\u20ac\u00e9\u{1F4B3}'.repeat(400) + '-x';
      assert.equal(s.push({ ...row, nameOrig: id }).validSteps, 1);
      assert.equal(s.push({ ...row, nameOrig: id }).validSteps, 2);
      assert.equal(s.push({ ...row, nameOrig: id.slice(0, -1) + 'y' }).validSteps, 1);
      assert.equal(s.keyCount, 2);
      const b = model.session({ maxBatch: 8 });
      const batch = Array.from({ length: 8 }, (_, i) => ({ ...row, nameOrig: `${id}${i % 2}`, nameDest: id }));
      assert.deepEqual(b.pushBatch(batch).map((r) => r.validSteps), [1, 1, 2, 2, 3, 3, 4, 4]);
      s.dispose();
      b.dispose();
    });

    test('maxBatch: a larger batch is refused and changes nothing; an empty batch is fine', () => {
      const model = models['crnn-paper'], rows = tx();
      const s = model.session({ maxBatch: 4 }), ref = model.session({ maxBatch: 4 });
      ref.pushBatch(rows.slice(0, 2));
      s.pushBatch(rows.slice(0, 2));
      assertFraudscoreError(() => s.pushBatch(rows.slice(2, 7)), 'invalid_argument', /5 rows exceed the session's maxBatch of 4/);
      assert.deepEqual(s.pushBatch([]), []);
      assert.deepEqual(s.pushBatch(rows.slice(2, 6)), ref.pushBatch(rows.slice(2, 6)));
      const big = model.session({ maxBatch: 300 });
      assert.equal(big.pushBatch(rows.slice(0, 300)).length, 300);
      [s, ref, big].forEach((x) => x.dispose());
    });

    describe('dynamic thresholds (lstm_attn-sme)', () => {
      const rows = () => sme();
      const info = () => models['lstm_attn-sme'].info;

      test('thresholds are dynamic by default and stay within their bounds; fixed sessions use the model\'s', () => {
        const model = models['lstm_attn-sme'], d = info().dynamicThresholds;
        assert.ok(d);
        const dyn = model.score(rows(), { reasons: 0 }); // score() uses the fixed thresholds
        dyn.forEach((r) => assert.equal(r.blockThreshold, info().threshold));
        const s = model.session({ reasons: 0 });
        const results = rows().map((r) => s.push(r));
        results.forEach((r) => {
          assert.ok(r.blockThreshold >= d.minThreshold - 1e-12 && r.blockThreshold <= d.maxThreshold + 1e-12);
          assert.ok(Number.isInteger(r.segment) && r.segment >= 0 && r.segment < d.segmentCount);
        });
        assert.ok(new Set(results.map((r) => r.segment)).size > 1, 'several segments');
        // The adjuster works in logit space: sigmoid(logit(t)) is t to the last bit or one off.
        assert.ok(Math.abs(results[0].blockThreshold - info().threshold) <= 1e-15,
          `the first row is decided with the model's threshold (${results[0].blockThreshold} vs ${info().threshold})`);
        s.dispose();
      });

      // Two sessions see the same rows; one gets feedback. The row after shows the difference.
      function withFeedback(label, pick) {
        const model = models['lstm_attn-sme'];
        const all = rows();
        const a = model.session(), b = model.session();
        let i = 0, r;
        for (; i < all.length; ++i) {
          r = a.push(all[i]);
          b.push(all[i]);
          if (pick(r)) break;
        }
        assert.ok(i < all.length, `no row fits ${label}`);
        a.feedback(all[i], r.probability, label);
        const sameSegment = all.slice(i + 1).find((x) => x.sector === all[i].sector);
        const ta = a.push(sameSegment).blockThreshold, tb = b.push(sameSegment).blockThreshold;
        return { a, b, ta, tb };
      }

      test('confirmed_fraud below the block threshold lowers it; false_alarm raises it', () => {
        const low = withFeedback('confirmed_fraud', (r) => r.probability < r.blockThreshold);
        assert.ok(low.ta < low.tb, `lowered: ${low.ta} < ${low.tb}`);
        const high = withFeedback('false_alarm', (r) => r.probability >= r.reviewThreshold);
        assert.ok(high.ta > high.tb, `raised: ${high.ta} > ${high.tb}`);
        [low.a, low.b, high.a, high.b].forEach((s) => s.dispose());
      });

      test('repeated feedback stops at the bounds', () => {
        const model = models['lstm_attn-sme'], d = info().dynamicThresholds, row = rows()[0];
        const s = model.session();
        s.push(row);
        for (let k = 0; k < 500; ++k) s.feedback(row, 0, 'confirmed_fraud');
        assert.ok(Math.abs(s.push(row).blockThreshold - d.minThreshold) < 1e-9);
        let last = d.minThreshold;
        for (let k = 0; k < 50; ++k) {
          for (let j = 0; j < 20; ++j) s.feedback(row, 1, 'false_alarm');
          const t = s.push(row).blockThreshold;
          assert.ok(t >= d.minThreshold - 1e-12 && t <= d.maxThreshold + 1e-12, `within bounds: ${t}`);
          last = t;
        }
        assert.ok(last > info().threshold, `false alarms raised the threshold above the model's (${last})`);
        s.dispose();
      });

      test('saveThresholds / loadThresholds round trip; a bad state is refused and changes nothing; reset', () => {
        const model = models['lstm_attn-sme'], all = rows();
        const { a, b } = withFeedback('confirmed_fraud', (r) => r.probability < r.blockThreshold);
        for (let k = 0; k < 5; ++k) a.feedback(all[0], 0, 'confirmed_fraud');
        const state = a.saveThresholds();
        assert.ok(state instanceof Uint8Array && state.length > 0);
        const c = model.session();
        const before = c.saveThresholds();
        assert.notDeepEqual(before, state);
        c.loadThresholds(state);
        assert.deepEqual(c.saveThresholds(), state);
        const next = all[all.length - 1];
        assert.equal(c.push(next).blockThreshold, a.push(next).blockThreshold);

        const d = model.session(), fresh = d.saveThresholds();
        const otherModel = Uint8Array.from(state);
        otherModel[8] ^= 0xff; // the model checksum the state is tied to
        const extra = new Uint8Array(state.length + 1);
        extra.set(state);
        for (const bad of [state.subarray(0, state.length - 1), extra, new Uint8Array(0), otherModel, new Uint8Array(state.length)]) {
          assertFraudscoreError(() => d.loadThresholds(bad));
          assert.deepEqual(d.saveThresholds(), fresh, 'a refused state changes nothing');
        }
        assertFraudscoreError(() => d.loadThresholds([1, 2, 3]), 'invalid_argument', /Uint8Array/);

        c.reset();
        assert.deepEqual(c.saveThresholds(), fresh, 'reset returns to the model\'s thresholds');
        [a, b, c, d].forEach((s) => s.dispose());
      });

      test('fixed sessions and models without dynamic thresholds refuse feedback and state', () => {
        const fixed = models['lstm_attn-sme'].session({ thresholds: 'fixed' });
        const row = rows()[0];
        fixed.push(row);
        assertFraudscoreError(() => fixed.feedback(row, 0.5, 'confirmed_fraud'), 'unsupported');
        assertFraudscoreError(() => fixed.saveThresholds(), 'unsupported');
        fixed.dispose();
        const crnn = models['crnn-on-device'].session();
        assertFraudscoreError(() => crnn.saveThresholds(), 'unsupported');
        assertFraudscoreError(() => crnn.feedback(tx()[0], 0.5, 'false_alarm'), 'unsupported');
        crnn.dispose();
        const s = models['lstm_attn-sme'].session();
        assertFraudscoreError(() => s.feedback(row, 0.5, 'maybe'), 'invalid_argument', /confirmed_fraud/);
        assertFraudscoreError(() => s.feedback(row, 0.5, 'toString'), 'invalid_argument', /confirmed_fraud/);
        assertFraudscoreError(() => s.feedback(row, '0.5', 'false_alarm'), 'invalid_argument');
        s.dispose();
      });
    });
  });
}
