// ONNX Runtime's native CPU build (onnxruntime-node) on the gbdt ensemble that
// bench/gbdt_peers.py writes (ai.onnx.ml TreeEnsembleRegressor, output: the
// margin), single-threaded, on the flattened windows it writes (padded steps
// NaN): a check against fraudscore's margins, batch-1 latency per call (p50/p99
// after a warm-up) and batch-256 throughput. Prints one JSON object.
//
//   node ort_gbdt.mjs GBDT.onnx --inputs inputs.f32 --expected margins.f32
//        [--tolerance tolerance.f64] [--check-only] [--warmup-s 3] [--measure-s 3]
//
// inputs.f32: [n, T*F] float32; margins.f32: fraudscore's [n] margins;
// tolerance.f64: the largest difference allowed per window (default 1e-5 for
// every window). Exits 1 if any window differs by more, before timing anything.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { cpuSeconds, nowSeconds, percentile, runFor, singleThreadSession } from './timing.mjs';

const LARGE_BATCH = 256;

function parseArgs(argv) {
  const args = { model: null, inputs: null, expected: null, tolerance: null, checkOnly: false, warmupS: 3, measureS: 3 };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--inputs') args.inputs = argv[++i];
    else if (a === '--expected') args.expected = argv[++i];
    else if (a === '--tolerance') args.tolerance = argv[++i];
    else if (a === '--check-only') args.checkOnly = true;
    else if (a === '--warmup-s') args.warmupS = Number(argv[++i]);
    else if (a === '--measure-s') args.measureS = Number(argv[++i]);
    else if (!args.model) args.model = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!args.model || !args.inputs || !args.expected) {
    throw new Error('usage: node ort_gbdt.mjs GBDT.onnx --inputs inputs.f32 --expected margins.f32 '
      + '[--tolerance tolerance.f64] [--check-only] [--warmup-s S] [--measure-s S]');
  }
  return args;
}

function readArray(path, Type) {
  const b = readFileSync(path);
  return new Type(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}


// Feeds of `batch` consecutive windows each (tensors made before timing).
function makeFeeds(inputs, count, width, batch) {
  const feeds = [];
  for (let first = 0; first + batch <= count; first += batch) {
    feeds.push({ inputs: new ort.Tensor('float32', inputs.subarray(first * width, (first + batch) * width), [batch, width]) });
  }
  return feeds;
}

async function measure(session, feeds, batch, args) {
  await runFor(session, feeds, args.warmupS);
  const callUs = [];
  const wall0 = nowSeconds(), cpu0 = cpuSeconds();
  const calls = await runFor(session, feeds, args.measureS, batch === 1 ? (us) => callUs.push(us) : null);
  const wall = nowSeconds() - wall0, cpu = cpuSeconds() - cpu0;
  const out = { calls, windows: calls * batch, windows_per_s: (calls * batch) / wall, windows_per_cpu_s: (calls * batch) / cpu };
  if (batch === 1) {
    callUs.sort((a, b) => a - b);
    Object.assign(out, { p50_us: percentile(callUs, 0.5), p99_us: percentile(callUs, 0.99) });
  }
  return out;
}

async function check(session, inputs, expected, tolerance, width) {
  const n = expected.length;
  const out = await session.run({ inputs: new ort.Tensor('float32', inputs.subarray(0, n * width), [n, width]) });
  const got = out.margin.data;
  let maxDiff = 0, worst = 0, failed = 0;
  for (let i = 0; i < n; ++i) {
    const d = Math.abs(got[i] - expected[i]);
    if (d > maxDiff) { maxDiff = d; worst = i; }
    if (!(d <= (tolerance ? tolerance[i] : 1e-5))) ++failed;
  }
  return {
    windows: n, max_abs_diff: maxDiff, worst_window: worst, ort: got[worst], fraudscore: expected[worst],
    windows_over_1e5: Array.from(got).filter((g, i) => Math.abs(g - expected[i]) > 1e-5).length,
    failed, ok: failed === 0,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const session = await singleThreadSession(ort, args.model);
  const width = session.inputMetadata.find((m) => m.name === 'inputs').shape[1];
  const inputs = readArray(args.inputs, Float32Array);
  const expected = readArray(args.expected, Float32Array);
  const tolerance = args.tolerance ? readArray(args.tolerance, Float64Array) : null;
  const count = inputs.length / width;
  const ortVersion = JSON.parse(readFileSync(new URL('./node_modules/onnxruntime-node/package.json', import.meta.url))).version;

  const report = { runtime: `onnxruntime-node ${ortVersion}`, node: process.version, threads: 1, inputs: width, windows: count };
  report.check = await check(session, inputs, expected, tolerance, width);
  if (!report.check.ok) {
    console.log(JSON.stringify(report, null, 2));
    const c = report.check;
    console.error(`ort_gbdt: ONNX Runtime's margins differ from fraudscore's in ${c.failed} of ${c.windows} windows `
      + `(worst: window ${c.worst_window}, ORT ${c.ort}, fraudscore ${c.fraudscore})`);
    process.exit(1);
  }
  if (!args.checkOnly) {
    report.batch1 = await measure(session, makeFeeds(inputs, count, width, 1), 1, args);
    report.batch256 = await measure(session, makeFeeds(inputs, count, width, LARGE_BATCH), LARGE_BATCH, args);
  }
  console.log(JSON.stringify(report, null, 2));
}

main().catch((e) => {
  console.error(`ort_gbdt: ${e.stack || e}`);
  process.exit(1);
});
