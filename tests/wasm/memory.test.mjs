// Memory: scoring never grows the WebAssembly heap or memory; creating and disposing sessions and models
// (and refused loads and rows) returns the heap to where it was. Both builds.
// FRAUDSCORE_MEMORY_PUSHES sets the number of push calls (default: 20000 simd, 5000 baseline; see helpers.mjs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAVOURS, EXAMPLE, loadModel, loadNamed, modelBytes, readCsv, requirePaysim, runtimeInfo, FraudscoreError,
} from './helpers.mjs';
import v8 from 'node:v8';
import vm from 'node:vm';

for (const flavour of FLAVOURS) {
  const PUSHES = Number(process.env.FRAUDSCORE_MEMORY_PUSHES || flavour.memoryPushes);
  describe(`memory (${flavour.name})`, () => {
    const heap = async () => {
      const { heapBytes, memoryBytes } = await runtimeInfo({ simd: flavour.simd });
      return { heapBytes, memoryBytes };
    };

    test(`${PUSHES} push calls, then batches, reasons and refused rows: heap and memory unchanged`, async () => {
      const rows = readCsv(requirePaysim()).rows; // first: a missing sample must not leave models loaded
      const model = await loadNamed('crnn-paper', flavour);
      const keyed = await loadNamed('crnn-on-device', flavour);
      const lstm = await loadNamed('lstm_attn-sme', flavour);
      const sme = readCsv(EXAMPLE.lstm_attn).rows;
      const s = model.session({ reasons: 0 });
      const strict = model.session({ reasons: 0, strict: true });
      const k = keyed.session({ reasons: 0, maxKeys: 256 });
      const d = lstm.session({ maxBatch: 64 });
      // Warm up: every session has seen rows, every key table has filled (and evicted), every code path has run.
      rows.slice(0, 600).forEach((r) => k.push(r));
      rows.slice(0, 100).forEach((r) => s.push(r));
      d.pushBatch(sme.slice(0, 64));
      const start = await heap();
      console.log(`memory (${flavour.name}) after loading 3 models and warming up: ${JSON.stringify(start)}`);
      for (let i = 0; i < PUSHES; ++i) s.push(rows[i % rows.length]);
      assert.deepEqual(await heap(), start, 'after the push calls');
      for (let i = 600; i < 1200; ++i) k.push(rows[i % rows.length]); // new keys: evictions
      for (let i = 0; i + 64 <= sme.length; i += 64) d.pushBatch(sme.slice(i, i + 64));
      for (let i = 0; i < 50; ++i) d.feedback(sme[i], 0.5, i % 2 ? 'false_alarm' : 'confirmed_fraud');
      d.saveThresholds();
      const { amount, ...noAmount } = rows[0];
      const refused = [
        () => s.push({ ...rows[0], amount: 'x' }),
        () => d.pushBatch([sme[0], { ...sme[1], sector: 'unknown sector' }]),
        () => s.push({ ...noAmount, amout: amount }), // lacks a model column
        () => strict.push(rows[0]), // keys that are not model columns (isFraud, ...)
      ];
      for (let i = 0; i < 500; ++i) for (const f of refused) assert.throws(f, FraudscoreError);
      assert.deepEqual(await heap(), start, 'after batches, feedback and refused rows');
      [model, keyed, lstm].forEach((m) => m.dispose());
    });

    test('200 sessions and 200 models created and disposed: the heap returns to where it was', async () => {
      const bytes = modelBytes('lstm_attn-sme');
      const model = await loadModel(bytes, { simd: flavour.simd });
      const row = readCsv(EXAMPLE.lstm_attn).rows[0];
      model.session().dispose(); // first use
      const start = await heap();
      for (let i = 0; i < 200; ++i) {
        const s = model.session({ maxBatch: 1 + (i % 64) });
        s.push(row);
        s.dispose();
      }
      const afterSessions = await heap();
      assert.equal(afterSessions.heapBytes, start.heapBytes, 'after 200 sessions');
      for (let i = 0; i < 200; ++i) {
        const m = await loadModel(bytes, { simd: flavour.simd });
        m.session().push(row);
        m.dispose(); // disposes its session too
      }
      const afterModels = await heap();
      assert.equal(afterModels.heapBytes, start.heapBytes, 'after 200 models');
      for (let i = 0; i < 50; ++i) model.score([row, row, row]);
      for (let i = 0; i < 50; ++i) {
        const flipped = Uint8Array.from(bytes);
        flipped[bytes.length >> 1] ^= 1;
        await loadModel(flipped, { simd: flavour.simd }).catch(() => {});
        await loadModel(bytes.subarray(0, 1000), { simd: flavour.simd }).catch(() => {});
      }
      const end = await heap();
      assert.equal(end.heapBytes, start.heapBytes, 'after score() calls and refused loads');
      console.log(`memory (${flavour.name}): heapBytes ${start.heapBytes} before, ${afterSessions.heapBytes} after 200 sessions, ` +
        `${afterModels.heapBytes} after 200 models, ${end.heapBytes} after 50 score() and 100 refused loads; ` +
        `memoryBytes ${start.memoryBytes} -> ${end.memoryBytes}`);
      model.dispose();
    });

    test('sessions and models that were never disposed are freed once collected (FinalizationRegistry)', async () => {
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc');
      const model = await loadNamed('crnn-paper', flavour);
      const row = readCsv(EXAMPLE.crnn).rows[0];
      const start = await heap();
      await (async () => {
        for (let i = 0; i < 10; ++i) model.session().push(row);
        for (let i = 0; i < 5; ++i) (await loadNamed('lstm_attn-sme', flavour)).session().push(readCsv(EXAMPLE.lstm_attn).rows[0]);
      })();
      const forgotten = await heap();
      assert.ok(forgotten.heapBytes > start.heapBytes);
      let now = forgotten;
      for (let i = 0; i < 100 && now.heapBytes !== start.heapBytes; ++i) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
        now = await heap();
      }
      console.log(`memory (${flavour.name}): 10 sessions and 5 models (with a session each) never disposed: heapBytes ` +
        `${start.heapBytes} -> ${forgotten.heapBytes} -> ${now.heapBytes} after collection`);
      assert.equal(now.heapBytes, start.heapBytes);
      model.dispose();
    });
  });
}
