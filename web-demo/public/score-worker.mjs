// The same package in a module Web Worker: a page can keep the model and its
// session off the main thread, so scoring a large file never blocks the page.
// Messages: {model: ArrayBuffer, options?} loads the model (answers {info}),
// {rows} scores them with model.score (answers {results}); failures answer
// {error}. Results cross back by structured clone (attention as Float32Array).
import { loadModel, runtimeInfo } from './pkg/fraudscore.mjs';

let model = null;

self.onmessage = async ({ data }) => {
  try {
    if (data.model) {
      if (model) model.dispose();
      model = await loadModel(data.model, data.options);
      self.postMessage({ info: model.info, runtime: await runtimeInfo(data.options) });
    } else if (data.rows) {
      if (!model) throw new Error('no model loaded in the worker');
      self.postMessage({ results: model.score(data.rows) });
    }
  } catch (e) {
    self.postMessage({ error: e.message });
  }
};
