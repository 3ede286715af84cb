// ONNX Runtime's native CPU build (onnxruntime-node) on the crnn graph that
// bench/export_onnx.py writes, single-threaded: batch-1 latency per call
// (p50/p99 after a warm-up) and batch-256 throughput. Prints one JSON object.
//
//   node ort_crnn.mjs MODEL.onnx [--check CHECK.json] [--warmup-s 3] [--measure-s 5]
//
// --check compares ONNX Runtime's logits and attention with the expected ones
// in CHECK.json (export_onnx.py --check) and exits 1 if they differ by more
// than 1e-4.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

import { normalGenerator } from './wasm_bench_common.mjs';  // seeded, so runs see the same windows
import { cpuSeconds, nowSeconds, percentile, runFor, singleThreadSession } from './timing.mjs';

const TOLERANCE = 1e-4;
const LARGE_BATCH = 256;
const POOL_WINDOWS = 4 * LARGE_BATCH;

function parseArgs(argv) {
  const args = { model: null, check: null, warmupS: 3, measureS: 5 };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--check') args.check = argv[++i];
    else if (a === '--warmup-s') args.warmupS = Number(argv[++i]);
    else if (a === '--measure-s') args.measureS = Number(argv[++i]);
    else if (!args.model) args.model = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!args.model) throw new Error('usage: node ort_crnn.mjs MODEL.onnx [--check CHECK.json] [--warmup-s S] [--measure-s S]');
  return args;
}

function feedsFor(windows, validSteps, batch, steps, features) {
  return {
    windows: new ort.Tensor('float32', windows, [batch, steps, features]),
    valid_steps: new ort.Tensor('int64', BigInt64Array.from(validSteps, BigInt), [batch]),
  };
}

// Batches of full windows of random z-scored-like values, cut from one pool.
function makeFeeds(batch, steps, features) {
  const next = normalGenerator(20240601);
  const pool = Float32Array.from({ length: POOL_WINDOWS * steps * features }, next);
  const feeds = [];
  for (let first = 0; first < POOL_WINDOWS; first += batch) {
    const windows = pool.subarray(first * steps * features, (first + batch) * steps * features);
    feeds.push(feedsFor(windows, new Array(batch).fill(steps), batch, steps, features));
  }
  return feeds;
}


async function measureBatch1(session, steps, features, args) {
  const feeds = makeFeeds(1, steps, features);
  await runFor(session, feeds, args.warmupS);
  const callUs = [];
  const wall0 = nowSeconds(), cpu0 = cpuSeconds();
  const calls = await runFor(session, feeds, args.measureS, (us) => callUs.push(us));
  const wall = nowSeconds() - wall0, cpu = cpuSeconds() - cpu0;
  callUs.sort((a, b) => a - b);
  return {
    calls,
    p50_us: percentile(callUs, 0.5),
    p99_us: percentile(callUs, 0.99),
    mean_us: (wall / calls) * 1e6,
    cpu_us_per_call: (cpu / calls) * 1e6,
  };
}

async function measureBatch256(session, steps, features, args) {
  const feeds = makeFeeds(LARGE_BATCH, steps, features);
  await runFor(session, feeds, args.warmupS);
  const wall0 = nowSeconds(), cpu0 = cpuSeconds();
  const calls = await runFor(session, feeds, args.measureS);
  const wall = nowSeconds() - wall0, cpu = cpuSeconds() - cpu0;
  const windows = calls * LARGE_BATCH;
  return { calls, windows, windows_per_s: windows / wall, windows_per_cpu_s: windows / cpu };
}

async function check(session, path) {
  const c = JSON.parse(readFileSync(path, 'utf8'));
  const [batch, steps, features] = c.shape;
  const out = await session.run(feedsFor(Float32Array.from(c.windows), c.valid_steps, batch, steps, features));
  const maxDiff = (got, want) => want.reduce((m, w, i) => Math.max(m, Math.abs(got[i] - w)), 0);
  const result = {
    windows: batch,
    max_abs_diff_logit: maxDiff(out.logit.data, c.logit),
    max_abs_diff_attention: maxDiff(out.attention.data, c.attention),
  };
  result.ok = result.max_abs_diff_logit <= TOLERANCE && result.max_abs_diff_attention <= TOLERANCE;
  return result;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const session = await singleThreadSession(ort, args.model);
  const windowsInput = session.inputMetadata.find((m) => m.name === 'windows');
  const [, steps, features] = windowsInput.shape;
  const ortVersion = JSON.parse(readFileSync(new URL('./node_modules/onnxruntime-node/package.json', import.meta.url))).version;

  const report = { runtime: `onnxruntime-node ${ortVersion}`, node: process.version, threads: 1, steps, features };
  if (args.check) report.check = await check(session, args.check);
  report.batch1 = await measureBatch1(session, steps, features, args);
  report.batch256 = await measureBatch256(session, steps, features, args);
  console.log(JSON.stringify(report, null, 2));
  if (report.check && !report.check.ok) {
    console.error(`ort_crnn: ONNX Runtime differs from the expected outputs by more than ${TOLERANCE}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`ort_crnn: ${e.stack || e}`);
  process.exit(1);
});
