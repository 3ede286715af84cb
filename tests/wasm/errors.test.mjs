// Errors: each a FraudscoreError (an Error) with the core's message and a status; a refused call changes
// nothing and the module keeps working afterwards. Both builds.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAVOURS, MODELS, EXAMPLE, loadModel, loadNamed, modelBytes, unsignedModelBytes, readCsv, assertFraudscoreError,
  assertRejects,
} from './helpers.mjs';

const tx = () => readCsv(EXAMPLE.crnn).rows;
const sme = () => readCsv(EXAMPLE.lstm_attn).rows;
const exampleRows = (info) => readCsv(EXAMPLE[info.kind]).rows;
/** The row with only the model's columns. */
const only = (row, info) => Object.fromEntries(info.columns.map((c) => [c.name, row[c.name]]));
/** The row without `name`. */
const without = (row, name) => { const { [name]: _, ...rest } = row; return rest; };
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const flavour of FLAVOURS) {
  describe(`errors (${flavour.name})`, () => {
    let model, reference, paper;
    const probe = () => tx().slice(0, 12);
    // The module still works: a model loaded before scores as before, and a new one loads and scores alike.
    async function stillWorks() {
      assert.deepEqual(model.score(probe()), reference);
      const again = await loadNamed('crnn-on-device', flavour);
      assert.deepEqual(again.score(probe()), reference);
      again.dispose();
    }
    before(async () => {
      model = await loadNamed('crnn-on-device', flavour);
      paper = await loadNamed('crnn-paper', flavour);
      reference = model.score(probe());
    });
    after(() => { model.dispose(); paper.dispose(); });

    describe('loadModel', () => {
      // The model file itself (the shipped one is signed: envelopes are tested in signing.test.mjs).
      const good = () => unsignedModelBytes('crnn-paper');
      const load = (bytes) => loadModel(bytes, { simd: flavour.simd });

      test('empty bytes', async () => {
        await assertRejects(load(new Uint8Array(0)), 'invalid_argument', /empty model buffer/);
        await assertRejects(load(new ArrayBuffer(0)), 'invalid_argument', /empty model buffer/);
        await stillWorks();
      });

      test('random bytes', async () => {
        let seed = 12345;
        const random = new Uint8Array(4096).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
        await assertRejects(load(random), 'identifier', /not a fraudscore model file/);
        await stillWorks();
      });

      test('a truncated model', async () => {
        const bytes = good();
        for (const n of [8, 64, bytes.length >> 1, bytes.length - 1]) {
          const e = await assertRejects(load(bytes.subarray(0, n)));
          assert.ok(['corrupt', 'checksum', 'identifier'].includes(e.status), `${n} bytes: ${e.status} ${e.message}`);
        }
        await assertRejects(load(bytes.subarray(0, bytes.length >> 1)), 'corrupt', /truncated or malformed/);
        await stillWorks();
      });

      test('one byte flipped: checksum mismatch', async () => {
        const bytes = good();
        const version = paper.info.version;
        for (const at of [bytes.length >> 1, bytes.length - 100, (bytes.length * 3) >> 2]) {
          const flipped = Uint8Array.from(bytes);
          flipped[at] ^= 0x01;
          await assertRejects(load(flipped), 'checksum', new RegExp(`checksum mismatch: the file says ${version}`));
        }
        await stillWorks();
      });

      test('not a Uint8Array or ArrayBuffer', async () => {
        for (const bad of ['model.bin', 42, null, undefined, [0, 1, 2], { length: 3 }, new Blob(['x'])]) {
          await assertRejects(load(bad), 'invalid_argument', /Uint8Array or ArrayBuffer/);
        }
        await stillWorks();
      });
    });

    describe('rows', () => {
      test('rows that are not objects', async () => {
        const s = model.session();
        for (const bad of [null, undefined, 5, 'step,type', true]) {
          assertFraudscoreError(() => s.push(bad), 'input', /^row 0: a row must be an object keyed by column name/);
        }
        assertFraudscoreError(() => s.pushBatch([tx()[0], 7]), 'input', /^row 1: a row must be an object/);
        assertFraudscoreError(() => model.score([tx()[0], tx()[1], null]), 'input', /^row 2: a row must be an object/);
        assertFraudscoreError(() => s.pushBatch('rows'), 'invalid_argument', /array of rows/);
        assertFraudscoreError(() => model.score({ 0: tx()[0] }), 'invalid_argument', /array of rows/);
        assert.equal(s.keyCount, 0);
        s.dispose();
        await stillWorks();
      });

      test('a non-numeric amount: the error names the row within the call', async () => {
        const rows = tx();
        const bad = { ...rows[3], amount: 'abc' };
        assertFraudscoreError(() => model.session().push(bad), 'input', /column 'amount': 'abc' is not a finite number/);
        const s = model.session({ maxBatch: 16 });
        assertFraudscoreError(() => s.pushBatch([rows[0], rows[1], bad, rows[4]]), 'input',
          /^row 2: column 'amount': 'abc' is not a finite number$/);
        // score() works in chunks of 256: the index counts from the start of the call.
        const many = rows.slice(0, 320);
        many[300] = bad;
        assertFraudscoreError(() => model.score(many), 'input', /^row 300: column 'amount': 'abc' is not a finite number$/);
        many[300] = rows[300];
        many[5] = { ...rows[5], amount: '' };
        assert.equal(model.score(many).length, 320, 'a missing (empty) amount is allowed by this model');
        assertFraudscoreError(() => s.pushBatch([rows[0], { ...rows[1], amount: '12abc' }]), 'input', /^row 1: .*'12abc' is not a finite number/);
        s.dispose();
        await stillWorks();
      });

      test('NaN and Infinity', async () => {
        const s = model.session();
        for (const v of [NaN, Infinity, -Infinity]) {
          assertFraudscoreError(() => s.push({ ...tx()[0], amount: v }), 'input', /column 'amount': value is not finite \(NaN or infinity\)/);
        }
        for (const v of ['NaN', 'inf', 'Infinity', '1e999']) {
          assertFraudscoreError(() => s.push({ ...tx()[0], amount: v }), 'input', /column 'amount': .* is not a finite number/);
        }
        assertFraudscoreError(() => s.push({ ...tx()[0], amount: -5 }), 'input', /column 'amount': -5 is below the allowed minimum 0/);
        assert.equal(s.keyCount, 0, 'refused rows changed nothing');
        s.dispose();
        await stillWorks();
      });

      test('an unknown category', async () => {
        const s = model.session();
        assertFraudscoreError(() => s.push({ ...tx()[0], type: 'WIRE' }), 'input', /column 'type': unknown category 'WIRE'/);
        assertFraudscoreError(() => s.push({ ...tx()[0], type: 7 }), 'input', /column 'type': unknown category '7'/);
        s.dispose();
        await stillWorks();
      });

      test('a missing required value (null or empty) in a required column', async () => {
        const noKey = without(tx()[0], 'nameOrig');
        assertFraudscoreError(() => model.session().push({ ...noKey, nameOrig: null }), 'input', /column 'nameOrig': an identifier is required/);
        assertFraudscoreError(() => model.session().push({ ...noKey, nameOrig: '' }), 'input', /column 'nameOrig': an identifier is required/);
        const lstm = await loadNamed('lstm_attn-sme', flavour);
        assertFraudscoreError(() => lstm.score([sme()[0], { ...sme()[0], enterprise_id: null }]), 'input',
          /^row 1: column 'enterprise_id': an identifier is required/);
        lstm.dispose();
        await stillWorks();
      });

      test('a row that lacks a model column is refused, naming the row and the column (issue 13)', async () => {
        const rows = tx();
        // A misspelt key: the error names the column, the row and the key that is not a model column.
        const typo = { ...without(only(rows[3], model.info), 'amount'), amout: rows[3].amount };
        const s = model.session({ maxBatch: 16 });
        assertFraudscoreError(() => s.push(typo), 'input',
          /^row 0: lacks the model column 'amount' \(give null for a missing value\); keys that are not model columns: 'amout'$/);
        assertFraudscoreError(() => s.pushBatch([rows[0], rows[1], typo]), 'input', /^row 2: lacks the model column 'amount'/);
        const many = rows.slice(0, 320);
        many[300] = typo;
        assertFraudscoreError(() => model.score(many), 'input', /^row 300: lacks the model column 'amount'/);
        // Every key that is not a model column is listed (the first 10, then how many more).
        const extra = Object.keys(rows[0]).filter((k) => !model.info.columns.some((c) => c.name === k));
        assert.ok(extra.includes('isFraud'));
        assertFraudscoreError(() => s.push(without(rows[0], 'amount')), 'input', new RegExp(
          `^row 0: lacks the model column 'amount' \\(give null for a missing value\\); keys that are not model columns: ${extra.map((k) => `'${k}'`).join(', ')}$`));
        const wide = { ...typo };
        for (let i = 0; i < 12; ++i) wide[`x${i}`] = i;
        assertFraudscoreError(() => s.push(wide), 'input', /: 'amout', 'x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8' and 3 more$/);
        // Without other keys the message says only what is lacking; undefined counts as lacking.
        assertFraudscoreError(() => s.push(without(only(rows[0], model.info), 'amount')), 'input',
          /^row 0: lacks the model column 'amount' \(give null for a missing value\)$/);
        assertFraudscoreError(() => s.push({ ...rows[0], amount: undefined }), 'input', /^row 0: lacks the model column 'amount'/);
        assertFraudscoreError(() => s.push({}), 'input', /^row 0: lacks the model column 'step'/);
        assertFraudscoreError(() => s.push([]), 'input', /^row 0: lacks the model column 'step'/);
        // Refused rows changed nothing.
        assert.equal(s.keyCount, 0);
        // null (and '') is the way to say "missing": scored as the model's missing value, as before.
        const isNull = model.score([rows[0], { ...rows[1], amount: null }]);
        assert.deepEqual(model.score([rows[0], { ...rows[1], amount: '' }]), isNull);
        assert.notDeepEqual(isNull[1].probability, model.score([rows[0], rows[1]])[1].probability);
        s.dispose();
        await stillWorks();
      });

      test('every model: each column, when lacking, is named (push, pushBatch, score, feedback)', async () => {
        for (const name of MODELS) {
          const m = await loadNamed(name, flavour);
          const rows = exampleRows(m.info).slice(0, 3);
          const s = m.session();
          for (const { name: column } of m.info.columns) {
            const lacking = without(rows[2], column);
            const message = new RegExp(`lacks the model column '${escape(column)}'`);
            assertFraudscoreError(() => s.push(lacking), 'input', message);
            assertFraudscoreError(() => s.pushBatch([rows[0], rows[1], lacking]), 'input', /^row 2: lacks the model column/);
            assertFraudscoreError(() => m.score([rows[0], lacking]), 'input', new RegExp(`^row 1: ${message.source}`));
            if (m.info.dynamicThresholds) {
              assertFraudscoreError(() => s.feedback(lacking, 0.5, 'confirmed_fraud'), 'input', message);
            }
          }
          assert.equal(s.keyCount, 0, `${name}: refused rows changed nothing`);
          assert.equal(m.score(rows).length, rows.length, `${name}: complete rows score`);
          s.dispose();
          m.dispose();
        }
        await stillWorks();
      });

      test('a boolean (or other non-number, non-string) value', async () => {
        const s = model.session();
        assertFraudscoreError(() => s.push({ ...tx()[0], amount: true }), 'input', /^row 0: column 'amount' holds a boolean; give a number or a string/);
        assertFraudscoreError(() => s.push({ ...tx()[0], amount: 10n }), 'input', /holds a bigint/);
        assertFraudscoreError(() => s.push({ ...tx()[0], type: { name: 'CASH_IN' } }), 'input', /column 'type' holds a object/);
        assertFraudscoreError(() => s.pushBatch([tx()[0], tx()[1], { ...tx()[2], amount: false }]), 'input', /^row 2: column 'amount' holds a boolean/);
        assert.equal(s.keyCount, 0);
        s.dispose();
        await stillWorks();
      });

      test('a batch with one bad row changes nothing in the session', async () => {
        for (const [m, rows] of [[paper, tx()], [await loadNamed('lstm_attn-sme', flavour), sme()]]) {
          const a = m.session(), b = m.session();
          rows.slice(0, 30).forEach((r) => { a.push(r); b.push(r); });
          const keys = a.keyCount;
          const state = m.info.dynamicThresholds ? a.saveThresholds() : null;
          for (const bad of [{ ...rows[30], amount: 'x' }, { ...rows[30], amount: true }, { ...rows[30], amount: NaN }]) {
            assertFraudscoreError(() => a.pushBatch([rows[30], rows[31], bad, rows[33]]), 'input', /^row 2: /);
            assertFraudscoreError(() => a.push(bad), 'input');
          }
          assert.equal(a.keyCount, keys);
          if (state) assert.deepEqual(a.saveThresholds(), state);
          const next = rows.slice(30, 60);
          assert.deepEqual(a.pushBatch(next), b.pushBatch(next), `${m.info.name}: the same results as a session that never saw the batch`);
          a.dispose();
          b.dispose();
          if (m !== paper) m.dispose();
        }
        await stillWorks();
      });
    });

    describe('strict mode: keys that are not model columns', () => {
      test('ignored by default (a label column, say); refused with strict: true, naming them', async () => {
        const rows = tx().slice(0, 40);
        assert.ok('isFraud' in rows[0] && 'isFlaggedFraud' in rows[0], 'the example has label columns');
        const clean = rows.map((r) => only(r, model.info));
        const expected = model.score(clean);
        assert.deepEqual(model.score(rows), expected, 'extra keys are ignored by default');
        assert.deepEqual(model.score(rows, { strict: false }), expected);
        assert.deepEqual(model.score(clean, { strict: true }), expected, 'rows of model columns only pass strict mode');
        const columns = escape(model.info.columns.map((c) => c.name).join(', '));
        const extra = escape(Object.keys(rows[0]).filter((k) => !(k in clean[0])).map((k) => `'${k}'`).join(', '));
        assert.match(extra, /'isFraud', 'isFlaggedFraud'/);
        assertFraudscoreError(() => model.score(rows, { strict: true }), 'input',
          new RegExp(`^row 0: keys ${extra} are not model columns \\(strict mode; the model's columns: ${columns}\\)$`));
        const mixed = clean.slice();
        mixed[20] = { ...clean[20], note: 'x' };
        assertFraudscoreError(() => model.score(mixed, { strict: true }), 'input',
          /^row 20: key 'note' is not a model column \(strict mode/);
        // Rows beyond score()'s first chunk of 256 are named within the whole call.
        const long = Array.from({ length: 300 }, (_, i) => clean[i % clean.length]);
        long[290] = { ...long[290], note: 'x' };
        assertFraudscoreError(() => model.score(long, { strict: true }), 'input', /^row 290: key 'note' is not a model column/);
        // Strict mode checks the columns first: a lacking column is still named as such.
        assertFraudscoreError(() => model.score([{ ...without(clean[0], 'amount'), amout: 1 }], { strict: true }), 'input',
          /^row 0: lacks the model column 'amount'.*'amout'/);
        await stillWorks();
      });

      test('a strict session refuses the row and changes nothing; session({ strict: false }) ignores extra keys', async () => {
        const rows = tx().slice(0, 20);
        const clean = rows.map((r) => only(r, model.info));
        const strict = model.session({ strict: true }), lax = model.session(), reference = model.session();
        assertFraudscoreError(() => strict.push(rows[0]), 'input', /^row 0: keys .*'isFraud', 'isFlaggedFraud' are not model columns/);
        assertFraudscoreError(() => strict.pushBatch([clean[0], clean[1], rows[2]]), 'input', /^row 2: keys .*'isFraud'/);
        assert.equal(strict.keyCount, 0, 'refused rows changed nothing');
        const want = reference.pushBatch(clean);
        assert.deepEqual(strict.pushBatch(clean), want);
        assert.deepEqual(lax.pushBatch(rows), want);
        [strict, lax, reference].forEach((x) => x.dispose());
        await stillWorks();
      });

      test('loadModel(bytes, { strict: true }) makes strict the default for the model; options override it', async () => {
        const rows = tx().slice(0, 12);
        const clean = rows.map((r) => only(r, model.info));
        const m = await loadModel(modelBytes('crnn-on-device'), { simd: flavour.simd, strict: true });
        assertFraudscoreError(() => m.score(rows), 'input', /^row 0: keys .*'isFraud', 'isFlaggedFraud' are not model columns/);
        assertFraudscoreError(() => m.session().push(rows[0]), 'input', /are not model columns \(strict mode/);
        assert.deepEqual(m.score(clean), reference);
        assert.deepEqual(m.score(rows, { strict: false }), reference);
        const s = m.session({ strict: false });
        assert.deepEqual(s.pushBatch(rows), reference);
        s.dispose();
        m.dispose();
        const lax = await loadModel(modelBytes('crnn-on-device'), { simd: flavour.simd, strict: false });
        assert.deepEqual(lax.score(rows), reference);
        lax.dispose();
        await stillWorks();
      });

      test('strict must be a boolean (loadModel, session, score)', async () => {
        for (const bad of ['yes', 1, 0, null, {}]) {
          await assertRejects(loadModel(modelBytes('crnn-paper'), { simd: flavour.simd, strict: bad }), 'invalid_argument',
            /option strict must be true or false/);
          assertFraudscoreError(() => model.session({ strict: bad }), 'invalid_argument', /option strict must be true or false/);
          assertFraudscoreError(() => model.score(probe(), { strict: bad }), 'invalid_argument', /option strict/);
        }
        await stillWorks();
      });
    });

    describe('dispose', () => {
      test('use after dispose (session and model); model.dispose() disposes its sessions; double dispose is harmless', async () => {
        const m = await loadNamed('crnn-on-device', flavour);
        const s = m.session();
        s.push(tx()[0]);
        s.dispose();
        s.dispose();
        assertFraudscoreError(() => s.push(tx()[0]), 'disposed', /this session has been disposed/);
        assertFraudscoreError(() => s.pushBatch([tx()[0]]), 'disposed');
        assertFraudscoreError(() => s.keyCount, 'disposed');
        assertFraudscoreError(() => s.reset(), 'disposed');
        assertFraudscoreError(() => s.saveThresholds(), 'disposed');

        const open = [m.session(), m.session({ maxBatch: 8 })];
        open[0].push(tx()[0]);
        m.dispose();
        m.dispose();
        for (const x of open) {
          assertFraudscoreError(() => x.push(tx()[1]), 'disposed', /disposed/);
          x.dispose(); // harmless after the model disposed it
        }
        assertFraudscoreError(() => m.session(), 'disposed', /this model has been disposed/);
        assertFraudscoreError(() => m.score(tx().slice(0, 2)), 'disposed', /this model has been disposed/);
        assert.equal(m.info.name, 'crnn-on-device');
        await stillWorks();
      });
    });

    describe('options', () => {
      test('invalid session and score options', async () => {
        const bad = [
          [{ maxBatch: 0 }, /option maxBatch must be an integer in 1\.\.65536/],
          [{ maxBatch: 65537 }, /option maxBatch/],
          [{ maxBatch: 2.5 }, /option maxBatch/],
          [{ maxBatch: '8' }, /option maxBatch/],
          [{ maxKeys: 0 }, /option maxKeys/],
          [{ maxKeys: -1 }, /option maxKeys/],
          [{ reasons: -1 }, /option reasons must be an integer in 0\.\.64/],
          [{ reasons: 65 }, /option reasons/],
          [{ reasons: NaN }, /option reasons/],
          [{ reasonsFor: 'approved' }, /option reasonsFor must be one of all, flagged/],
          [{ thresholds: 'dynamic' }, /option thresholds must be one of model, fixed/],
        ];
        for (const [options, message] of bad) {
          assertFraudscoreError(() => model.session(options), 'invalid_argument', message);
          if (!('thresholds' in options) && !('maxBatch' in options)) {
            assertFraudscoreError(() => model.score(probe(), options), 'invalid_argument', message);
          }
        }
        // Accepted: defaults, bounds.
        for (const options of [undefined, {}, { maxBatch: 1 }, { maxBatch: 4096, maxKeys: 1 }, { reasons: 0 },
          { reasons: 64, reasonsFor: 'flagged', thresholds: 'fixed' }]) {
          model.session(options).dispose();
        }
        await stillWorks();
      });
    });
  });
}
