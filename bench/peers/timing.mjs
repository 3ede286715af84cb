// What the onnxruntime-node peers share (ort_crnn.mjs, ort_gbdt.mjs): their session and timing helpers.
export const nowSeconds = () => Number(process.hrtime.bigint()) / 1e9;
export const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

// Run `session` on the feeds in turn for `seconds`; onCall(µs) after each call. Returns the calls made.
export async function runFor(session, feeds, seconds, onCall) {
  const end = nowSeconds() + seconds;
  let calls = 0;
  while (nowSeconds() < end) {
    const start = process.hrtime.bigint();
    await session.run(feeds[calls % feeds.length]);
    if (onCall) onCall(Number(process.hrtime.bigint() - start) / 1e3);
    ++calls;
  }
  return calls;
}

export function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// An ONNX Runtime session on one thread, as every runtime in the side-by-side benches runs.
export function singleThreadSession(ort, modelPath) {
  return ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}
