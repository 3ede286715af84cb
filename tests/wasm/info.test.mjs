// model.info for each model kind, runtimeInfo() and simdSupported(), in both builds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FLAVOURS, MANIFEST, MODELS, REPO, goldenPath, loadNamed, runtimeInfo, simdSupported, readCsv, modelBytes, loadModel } from './helpers.mjs';

// What is known of some shipped models beyond the manifest; any other model gets the generic checks.
const EXPECTED = {
  'crnn-on-device': { window: 10, keyColumn: 'nameOrig', outputs: [],
    columns: ['step', 'type', 'amount', 'nameOrig', 'oldbalanceOrg', 'nameDest'] },
  'crnn-paper': { window: 10, keyColumn: null, outputs: [],
    columns: ['step', 'type', 'amount', 'oldbalanceOrg', 'newbalanceOrig', 'oldbalanceDest', 'newbalanceDest', 'isFlaggedFraud'] },
  'lstm_attn-sme': { window: 16, keyColumn: 'enterprise_id', outputs: [{ name: 'enterprise_risk', kind: 'probability' }],
    dynamic: { segmentColumn: 'sector' } },
  'lle_svm-listed': { window: 2, keyColumn: 'company_id', outputs: [{ name: 'grade', kind: 'label', labels: 6 }] },
};
const COLUMN_TYPES = ['numeric', 'categorical', 'identifier', 'time'];
const PACKAGE_VERSION = JSON.parse(readFileSync(path.join(REPO, 'wasm', 'package.json'), 'utf8')).version;

test('simdSupported() is true on node 18 and later (V8 runs SIMD128)', () => {
  assert.equal(simdSupported(), true);
});

test('the default build is the SIMD one where SIMD is supported', async () => {
  const rt = await runtimeInfo();
  assert.equal(rt.simd, true);
  assert.equal(rt.kernels, 'vec128');
});

const infos = new Map();
for (const flavour of FLAVOURS) {
  describe(`model.info (${flavour.name})`, () => {
    test('runtimeInfo()', async () => {
      const rt = await runtimeInfo({ simd: flavour.simd });
      assert.equal(rt.simd, flavour.simd);
      assert.equal(rt.kernels, flavour.simd ? 'vec128' : 'reference');
      assert.equal(rt.version, PACKAGE_VERSION, 'the core and package.json carry the same version');
      assert.ok(Number.isInteger(rt.heapBytes) && rt.heapBytes > 0);
      assert.ok(Number.isInteger(rt.memoryBytes) && rt.memoryBytes % 65536 === 0 && rt.memoryBytes >= rt.heapBytes);
    });

    for (const name of MODELS) {
      test(name, async () => {
        const model = await loadNamed(name, flavour);
        const info = model.info, want = EXPECTED[name] || {};
        assert.equal(info.name, name);
        assert.equal(info.kind, MANIFEST.find((m) => m.name === name).kind);
        assert.ok(['occlusion', 'attribution'].includes(info.reasonMethod));
        assert.equal(info.weightPrecision, 'float32');  // the shipped files (quantize narrows a copy)
        assert.match(info.version, /^[0-9a-f]{16}$/);
        assert.match(info.schemaVersion, /^\d+\.\d+$/);
        assert.equal(typeof info.trainerVersion, 'string');
        if ('window' in want) assert.equal(info.window, want.window);
        if ('keyColumn' in want) assert.equal(info.keyColumn, want.keyColumn);
        if (want.outputs) {
          assert.deepEqual(info.outputs.map((o) => [o.name, o.kind]), want.outputs.map((o) => [o.name, o.kind]));
          want.outputs.forEach((o, i) => { if (o.labels) assert.equal(info.outputs[i].labels.length, o.labels); });
        }
        for (const o of info.outputs) {
          assert.match(o.name, /^[a-z][a-z0-9_]*$/);
          if (o.kind === 'label') o.labels.forEach((g) => assert.match(g, /^[A-Z]+$/));
          else assert.equal(o.labels, undefined);
        }
        // Columns: as listed, or (where not listed) the golden file's leading columns, in order.
        const golden = readCsv(goldenPath(name)).header;
        const names = info.columns.map((c) => c.name);
        assert.deepEqual(names, want.columns || golden.slice(0, names.length));
        assert.ok(golden[names.length].startsWith('expected_'), 'every golden input column is a model column');
        info.columns.forEach((c) => assert.ok(COLUMN_TYPES.includes(c.type), `${c.name}: ${c.type}`));
        if (info.keyColumn) assert.equal(info.columns.find((c) => c.name === info.keyColumn).type, 'identifier');
        assert.ok(info.featureCount >= info.columns.filter((c) => c.type === 'numeric').length);
        // Thresholds and bands.
        assert.ok(info.threshold > 0 && info.threshold < 1);
        assert.ok(info.reviewThreshold > 0 && info.reviewThreshold <= info.threshold);
        assert.equal(info.bandCuts.length, 3);
        assert.ok(info.bandCuts[0] > 0 && info.bandCuts[0] <= info.bandCuts[1] && info.bandCuts[1] <= info.bandCuts[2] &&
          info.bandCuts[2] < 1, `band cuts ${info.bandCuts}`);
        assert.ok(info.bandCuts.includes(info.threshold), 'the block threshold is a band cut');
        // Metrics and reason codes.
        const metrics = Object.entries(info.metrics);
        assert.ok(metrics.length >= 10, `${metrics.length} metrics`);
        metrics.forEach(([k, v]) => assert.ok(typeof k === 'string' && Number.isFinite(v), k));
        assert.ok(Object.keys(info.metrics).some((k) => /roc_auc$/.test(k)));
        assert.ok(info.reasonCodes.length > 0);
        info.reasonCodes.forEach((r) => assert.ok(r.code && typeof r.text === 'string' && r.text.length > 0));
        // Dynamic thresholds.
        if (want.dynamic) {
          const d = info.dynamicThresholds;
          assert.ok(d, 'lstm_attn-sme enables dynamic thresholds');
          assert.equal(d.segmentColumn, want.dynamic.segmentColumn);
          assert.ok(Number.isInteger(d.segmentCount) && d.segmentCount >= 2);
          assert.ok(d.targetAlertRate > 0 && d.targetAlertRate < 1);
          assert.ok(d.minThreshold > 0 && d.minThreshold <= info.threshold && info.threshold <= d.maxThreshold && d.maxThreshold <= 1);
        } else {
          assert.equal(info.dynamicThresholds, null);
        }
        // Signature: the shipped files are signed (the project's TEST key); without trustedKeys nothing checks it.
        assert.equal(info.signed, String.fromCharCode(...modelBytes(name).subarray(4, 8)) === 'FSSG');
        assert.equal(info.signatureVerified, false);
        assert.equal(info.signedKeyId, '');
        // The info object is the same in both builds.
        if (infos.has(name)) assert.deepEqual(info, infos.get(name));
        else infos.set(name, info);
        model.dispose();
        assert.deepEqual(model.info, info, 'info stays readable after dispose');
      });
    }

    test('versions identify the files; loading from an ArrayBuffer gives the same model', async () => {
      const versions = new Set();
      for (const name of MODELS) {
        const bytes = modelBytes(name);
        const a = await loadModel(bytes, { simd: flavour.simd });
        const b = await loadModel(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), { simd: flavour.simd });
        assert.deepEqual(a.info, b.info);
        versions.add(a.info.version);
        a.dispose();
        b.dispose();
      }
      assert.equal(versions.size, MODELS.length);
    });
  });
}
