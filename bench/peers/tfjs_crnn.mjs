// TensorFlow.js (@tensorflow/tfjs + @tensorflow/tfjs-backend-wasm, one thread)
// running the crnn network rebuilt from tfjs layers with the model file's
// weights, in node: the PyTorch reference check, cold start, batch-1 latency
// (p50/p99 after a warm-up long enough for V8 tier-up), batch-256 throughput,
// and what a web page downloads for this configuration. Prints one JSON object.
//
//   node tfjs_crnn.mjs WEIGHTS.json [--check CHECK.json] [--warmup-s 3] [--measure-s 5]
//
// WEIGHTS.json: `bench/export_onnx.py MODEL.fsmodel OUT.onnx --weights-json WEIGHTS.json`
// (dims + the model file's tensors, PyTorch names/layouts, base64 float32).
//
// The network, the same computation as the trainer's Crnn / core's crnn.cpp / the ONNX graph:
//   causal Conv1D(C, K) + ReLU: K-1 zero steps in front, Conv1D(padding 'valid', ReLU)
//       <- conv.weight [C,F,K] as [K,F,C]
//   Bidirectional(LSTM(H, returnSequences, recurrentActivation 'sigmoid'), concat)
//       kernel = W_ih^T [C,4H], recurrentKernel = W_hh^T [H,4H], bias = b_ih + b_hh
//       (PyTorch's gate order i, f, g, o is Keras/tfjs's i, f, c, o: no reordering)
//   attention: Dense(A, tanh) -> Dense(1, no bias) = v . tanh(W h_t + b); steps with
//       index < T - valid_steps set to -1e9 before the softmax over T; context = sum_t a_t h_t
//   Dense(D, ReLU) -> Dense(1) -> logit
// Layers are applied eagerly (layer.apply on tensors) inside tf.tidy; outputs are read with dataSync.
//
// The wasm backend is forced single-threaded (WASM_HAS_MULTITHREAD_SUPPORT = false: its
// threaded build starts workers from blob: URLs, which node cannot run), so it loads
// tfjs-backend-wasm-simd.wasm where SIMD is available. setWasmPaths points at the package's dist/.
//
// cold_start_ms: from just before `await import('@tensorflow/tfjs')` (then the wasm backend)
// to the first window's logit (the weights file's bytes are read before the clock starts;
// includes wasm compile, backend init, parsing the weights, building the layers and the first run).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LARGE_BATCH, batch1Report, compareWithCheck, filesSummary, finish, identifyWasmFiles, loadCheck,
  makeWindowBatches, nowMs, packageInfo, parseArgs, round, throughputReport, timeLoop, watchWasmCompiles,
} from './wasm_bench_common.mjs';

const NAME = 'tfjs_crnn';
const USAGE = 'usage: node tfjs_crnn.mjs WEIGHTS.json [--check CHECK.json] [--warmup-s S] [--measure-s S]';
const MASKED_SCORE = -1e9;

function decodeTensor(t) {
  if (t.dtype !== 'float32') throw new Error(`unsupported dtype ${t.dtype}`);
  const bytes = Buffer.from(t.base64, 'base64');
  // copy into an aligned buffer (Buffer.from may return a slice of a shared pool)
  const values = new Float32Array(bytes.length / 4);
  new Uint8Array(values.buffer).set(bytes);
  const expected = t.shape.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new Error(`tensor has ${values.length} values, shape ${t.shape}`);
  return { shape: t.shape, values };
}

/** Builds the crnn from tfjs layers with the weights; returns score(windows, batch, valid) -> [logit, attention] tensors. */
function buildCrnn(tf, weightsJson) {
  const { dims, tensors: raw } = weightsJson;
  const T = dims.steps, F = dims.features, C = dims.conv_filters, K = dims.conv_kernel;
  const H = dims.lstm_hidden, A = dims.attention_dim, D = dims.dense_units;
  const w = {};
  for (const [name, t] of Object.entries(raw)) { const d = decodeTensor(t); w[name] = tf.tensor(d.values, d.shape, 'float32'); }
  const tr = (x) => tf.transpose(x); // 2-D transpose: PyTorch's [out, in] -> tfjs's [in, out]
  // every weight is set from the file: skip the default (random, orthogonal: slow) initialisers
  const zeros = { kernelInitializer: 'zeros', biasInitializer: 'zeros' };

  const layers = tf.tidy(() => {
    // tfjs-layers 4.22's conv1d rejects padding 'causal' ("not implemented yet"), so the causal
    // padding is done as the ONNX graph does it: K-1 zero steps in front, then a 'valid' conv.
    const conv = tf.layers.conv1d({ filters: C, kernelSize: K, padding: 'valid', activation: 'relu', ...zeros });
    conv.build([null, T + K - 1, F]);
    conv.setWeights([tf.transpose(w['conv.weight'], [2, 1, 0]), w['conv.bias']]);

    const bilstm = tf.layers.bidirectional({
      layer: tf.layers.lstm({ units: H, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid',
                              recurrentInitializer: 'zeros', ...zeros }),
      mergeMode: 'concat',
    });
    bilstm.build([null, T, C]);
    const lstmWeights = (suffix) => [tr(w[`lstm.weight_ih_l0${suffix}`]), tr(w[`lstm.weight_hh_l0${suffix}`]),
                                     tf.add(w[`lstm.bias_ih_l0${suffix}`], w[`lstm.bias_hh_l0${suffix}`])];
    bilstm.setWeights([...lstmWeights(''), ...lstmWeights('_reverse')]);

    const proj = tf.layers.dense({ units: A, activation: 'tanh', ...zeros });
    proj.build([null, T, 2 * H]);
    proj.setWeights([tr(w['attention.proj.weight']), w['attention.proj.bias']]);
    const score = tf.layers.dense({ units: 1, useBias: false, kernelInitializer: 'zeros' });
    score.build([null, T, A]);
    score.setWeights([tr(w['attention.score.weight'])]);

    const fc1 = tf.layers.dense({ units: D, activation: 'relu', ...zeros });
    fc1.build([null, 2 * H]);
    fc1.setWeights([tr(w['head.fc1.weight']), w['head.fc1.bias']]);
    const fc2 = tf.layers.dense({ units: 1, ...zeros });
    fc2.build([null, D]);
    fc2.setWeights([tr(w['head.fc2.weight']), w['head.fc2.bias']]);
    return { conv, bilstm, proj, score, fc1, fc2 };
  });
  Object.values(w).forEach((t) => t.dispose());
  const stepIndex = tf.keep(tf.range(0, T, 1, 'int32').reshape([1, T]));
  const masked = tf.keep(tf.scalar(MASKED_SCORE, 'float32'));
  const { conv, bilstm, proj, score, fc1, fc2 } = layers;

  // windows: Float32Array [batch*T*F]; valid: Int32Array [batch] (real steps at the end of each window)
  function run(windows, batch, valid) {
    return tf.tidy(() => {
      const x = tf.tensor3d(windows, [batch, T, F]);
      const v = tf.tensor1d(valid, 'int32');
      const causal = tf.pad(x, [[0, 0], [K - 1, 0], [0, 0]]);                  // [B, T+K-1, F]
      const h = bilstm.apply(conv.apply(causal));                              // [B, T, 2H]
      const scores = tf.reshape(score.apply(proj.apply(h)), [batch, T]);       // [B, T]
      const padded = tf.less(stepIndex, tf.reshape(tf.sub(tf.scalar(T, 'int32'), v), [batch, 1]));
      const attention = tf.softmax(tf.where(padded, tf.broadcastTo(masked, [batch, T]), scores));
      const context = tf.reshape(tf.matMul(tf.reshape(attention, [batch, 1, T]), h), [batch, 2 * H]);
      const logit = tf.reshape(fc2.apply(fc1.apply(context)), [batch]);
      return [logit, attention];
    });
  }
  // The scoring call a page would make: tensors in, both outputs read back, tensors freed.
  function score1(windows, batch, valid) {
    const [logit, attention] = run(windows, batch, valid);
    const out = { logit: logit.dataSync(), attention: attention.dataSync() };
    logit.dispose(); attention.dispose();
    return out;
  }
  return { steps: T, features: F, score: score1 };
}

async function main() {
  const args = parseArgs(process.argv.slice(2), USAGE);
  const modelBytes = readFileSync(args.model);
  const check = args.check ? loadCheck(args.check) : null;

  // ---- cold start: nothing has imported the runtime yet
  const wasmWatch = watchWasmCompiles();
  const t0 = nowMs();
  const tf = await import('@tensorflow/tfjs');
  const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
  const wasmDir = dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm')));
  tfwasm.setWasmPaths(`${wasmDir}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('could not initialise the wasm backend');
  await tf.ready();
  const net = buildCrnn(tf, JSON.parse(modelBytes.toString('utf8')));
  const { steps, features } = net;
  const fullWindow = (batch) => new Int32Array(batch).fill(steps);
  const [firstWindow] = makeWindowBatches(1, steps, features, 1);
  const firstLogit = net.score(firstWindow, 1, fullWindow(1)).logit[0];
  const coldStartMs = nowMs() - t0;
  wasmWatch.stop();
  if (!Number.isFinite(firstLogit)) throw new Error(`first logit is ${firstLogit}`);

  const wasmFiles = identifyWasmFiles(wasmWatch.seen, [wasmDir]);
  if (wasmFiles.length === 0) throw new Error('saw no WebAssembly compile');
  const report = {
    runtime: 'tfjs-backend-wasm',
    version: tfwasm.version_wasm,
    tfjs_version: tf.version.tfjs,
    node: process.version,
    threads: tfwasm.getThreadsCount(),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) && wasmFiles.every((f) => /simd/.test(f)),
    steps, features,
  };

  if (check) {
    if (check.steps !== steps || check.features !== features) throw new Error('check file shape differs from the model');
    const out = net.score(check.windows, check.batch, Int32Array.from(check.validSteps));
    report.check = compareWithCheck(check, out.logit, out.attention);
  }
  report.cold_start_ms = round(coldStartMs);
  if (report.check && !report.check.ok) return finish(report, NAME);

  // ---- batch 1: one full window per call; tensors created and outputs read inside the timed call
  let sink = 0;
  const b1 = makeWindowBatches(1, steps, features);
  const loop1 = await timeLoop((i) => {
    const out = net.score(b1[i % b1.length], 1, fullWindow(1));
    sink += out.logit[0] + out.attention[steps - 1];
  }, args.warmupS, args.measureS);
  report.batch1 = batch1Report(loop1);

  // ---- batch 256
  const b256 = makeWindowBatches(LARGE_BATCH, steps, features);
  const loop256 = await timeLoop((i) => {
    const out = net.score(b256[i % b256.length], LARGE_BATCH, fullWindow(LARGE_BATCH));
    sink += out.logit[LARGE_BATCH - 1] + out.attention[0];
  }, args.warmupS, args.measureS, { minWarmupCalls: 20 });
  report.batch256 = throughputReport(loop256);
  if (!Number.isFinite(sink)) throw new Error('non-finite outputs while timing');
  report.tensors_alive = tf.memory().numTensors; // constant across calls: nothing leaks per call

  // ---- what a page downloads: the packages' browser bundles (their "jsdelivr" files; node runs
  // the node builds of the same sources) and the .wasm the backend compiled
  const bundle = (name) => { const p = packageInfo(name); return join(p.dir, p.json.jsdelivr); };
  report.bytes = filesSummary([bundle('@tensorflow/tfjs'), bundle('@tensorflow/tfjs-backend-wasm'), ...wasmFiles]);
  report.bytes_note = 'browser <script> bundles (package "jsdelivr" files); node ran tf.node.js + tf-backend-wasm.node.js';
  report.model_bytes = modelBytes.length;
  report.model_file = args.model;
  finish(report, NAME);
}

main().catch((e) => {
  console.error(`${NAME}: ${e.stack || e}`);
  process.exit(1);
});
