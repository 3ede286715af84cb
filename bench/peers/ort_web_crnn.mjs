// ONNX Runtime Web (onnxruntime-web, WebAssembly execution provider, one
// thread) on the crnn graph that bench/export_onnx.py writes, run in node:
// the PyTorch reference check, cold start, batch-1 latency (p50/p99 after a
// warm-up long enough for V8 tier-up), batch-256 throughput, and what a web
// page downloads for this configuration. Prints one JSON object.
//
//   node ort_web_crnn.mjs MODEL.onnx [--check CHECK.json] [--warmup-s 3] [--measure-s 5]
//
// It imports `onnxruntime-web/wasm`: the WebAssembly-only ES module bundle, the
// same JS file a page importing that entry downloads (the package's plain
// `onnxruntime-web` entry resolves to a node-only build under node). The
// .wasm it instantiates is identified from the bytes it compiles;
// onnxruntime-web 1.30 ships only the SIMD+threads build, run here with
// env.wasm.numThreads = 1 (no workers).
//
// cold_start_ms: from just before `await import('onnxruntime-web/wasm')` to the
// first window's logit (the .onnx bytes are read before the clock starts;
// includes wasm compile/instantiate, session creation and the first run).
// Run the script in a fresh process for a cold start (it is the first thing done).
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LARGE_BATCH, batch1Report, compareWithCheck, filesSummary, finish, identifyWasmFiles, loadCheck,
  makeWindowBatches, nowMs, packageInfo, parseArgs, round, throughputReport, timeLoop, watchWasmCompiles,
} from './wasm_bench_common.mjs';

const NAME = 'ort_web_crnn';
const RUNTIME = 'onnxruntime-web/wasm';
const USAGE = 'usage: node ort_web_crnn.mjs MODEL.onnx [--check CHECK.json] [--warmup-s S] [--measure-s S]';

function feeds(ort, windows, batch, steps, features, valid = steps) {
  const validSteps = new BigInt64Array(batch);
  if (typeof valid === 'number') validSteps.fill(BigInt(valid));
  else for (let i = 0; i < batch; ++i) validSteps[i] = BigInt(valid[i]);
  return {
    windows: new ort.Tensor('float32', windows, [batch, steps, features]),
    valid_steps: new ort.Tensor('int64', validSteps, [batch]),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2), USAGE);
  const modelBytes = new Uint8Array(readFileSync(args.model));
  const check = args.check ? loadCheck(args.check) : null;

  // ---- cold start: nothing has imported the runtime yet
  const wasmWatch = watchWasmCompiles();
  const t0 = nowMs();
  const ort = await import(RUNTIME);
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const windowsMeta = session.inputMetadata.find((m) => m.name === 'windows');
  const [, steps, features] = windowsMeta.shape;
  const [firstWindow] = makeWindowBatches(1, steps, features, 1);
  const first = await session.run(feeds(ort, firstWindow, 1, steps, features));
  const firstLogit = first.logit.data[0];
  const coldStartMs = nowMs() - t0;
  wasmWatch.stop();
  if (!Number.isFinite(firstLogit)) throw new Error(`first logit is ${firstLogit}`);

  const wasmFiles = identifyWasmFiles(wasmWatch.seen, [dirname(fileURLToPath(import.meta.resolve(RUNTIME)))]);
  const report = {
    runtime: 'onnxruntime-web',
    version: ort.env.versions.web,
    entry: RUNTIME,
    node: process.version,
    threads: ort.env.wasm.numThreads,
    simd: wasmFiles.every((f) => /simd/.test(f)),
    steps, features,
  };

  if (check) {
    if (check.steps !== steps || check.features !== features) throw new Error('check file shape differs from the model');
    const out = await session.run(feeds(ort, check.windows, check.batch, steps, features, check.validSteps));
    report.check = compareWithCheck(check, out.logit.data, out.attention.data);
  }
  report.cold_start_ms = round(coldStartMs);
  if (report.check && !report.check.ok) return finish(report, NAME);

  // ---- batch 1: one full window per call; tensors created and outputs read inside the timed call
  let sink = 0;
  const b1 = makeWindowBatches(1, steps, features);
  const loop1 = await timeLoop(async (i) => {
    const out = await session.run(feeds(ort, b1[i % b1.length], 1, steps, features));
    sink += out.logit.data[0] + out.attention.data[steps - 1];
  }, args.warmupS, args.measureS);
  report.batch1 = batch1Report(loop1);

  // ---- batch 256
  const b256 = makeWindowBatches(LARGE_BATCH, steps, features);
  const loop256 = await timeLoop(async (i) => {
    const out = await session.run(feeds(ort, b256[i % b256.length], LARGE_BATCH, steps, features));
    sink += out.logit.data[LARGE_BATCH - 1] + out.attention.data[0];
  }, args.warmupS, args.measureS, { minWarmupCalls: 20 });
  report.batch256 = throughputReport(loop256);
  if (!Number.isFinite(sink)) throw new Error('non-finite outputs while timing');

  // ---- what a page downloads: the ES module bundle (it embeds the emscripten glue that, under
  // node, it imports from the separate ort-wasm-simd-threaded.mjs instead) and the .wasm it compiled
  report.bytes = filesSummary([fileURLToPath(import.meta.resolve(RUNTIME)), ...wasmFiles]);
  report.bytes_note = 'browser: the bundle uses its embedded glue; node also reads dist/ort-wasm-simd-threaded.mjs';
  report.model_bytes = modelBytes.length;
  report.model_file = args.model;
  report.package_version = packageInfo('onnxruntime-web').json.version;
  await session.release();
  finish(report, NAME);
}

main().catch((e) => {
  console.error(`${NAME}: ${e.stack || e}`);
  process.exit(1);
});
