// fraudscore web demo: everything is scored here, in the page, by the WebAssembly package.
// Nothing this file does sends transaction data anywhere: the only fetches are the
// page's own static files (package, model, its public key, validation curve, sample CSV), made at start-up.
import { loadModel, runtimeInfo } from './pkg/fraudscore.mjs';

const MODEL_URL = 'model/crnn-on-device.fsmodel';
const CURVE_URL = 'model/validation_curve.json';
const SAMPLE_URL = 'data/sample.csv';
// The public key the model must be signed by: the project's TEST key (keys/fraudscore-test.pub), which signs
// the shipped models. It shows signature checking in the browser; a real deployment trusts its own key only.
const KEY_URL = 'model/trusted-key.pub';
const TABLE_LIMIT = 5000; // rows drawn in the table (all rows are scored and kept)

/** State exposed for people poking at the console and for tests/browser/e2e.mjs. */
const demo = {
  ready: false,
  error: null,
  info: null,
  runtime: null,
  curve: null,
  lastResults: [], // the batch: { row, payer, payee, amount, probability, rawProbability, band, decision, ... }
  lastBatch: null, // { source, rows, ms }
  formResult: null,
  history: [],
  threshold: null,
  whatIf: null, // { threshold, point, flagged }
  requestsAfterReady: 0,
};
window.fraudscoreDemo = demo;

const $ = (id) => document.getElementById(id);
let model = null;
let sampleText = null;
let selected = { source: 'form', index: -1 };

// ---------------------------------------------------------------- helpers
async function fetchOk(url, as) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response[as]();
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

const fmtProb = (p) => p.toFixed(6);
const fmtPct = (x, digits = 2) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);
const fmtMoney = (v) => {
  const n = Number(v);
  return v === null || v === undefined || v === '' || !Number.isFinite(n) ? '—'
    : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
};

function setStatus(text, kind = '') {
  const s = $('status');
  s.textContent = text;
  s.className = `status ${kind}`;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. Returns rows of strings. */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  for (; i < text.length; ++i) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; ++i; } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') ++i;
      row.push(field); field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  row.push(field);
  if (row.length > 1 || row[0] !== '') rows.push(row);
  return rows;
}

/** CSV text -> { rows: model rows keyed by column, extra: { label } } ; extra columns are ignored. */
function csvToRows(text) {
  const table = parseCsv(text);
  if (table.length < 1) throw new Error('the file is empty');
  const header = table[0].map((h) => h.trim());
  const names = demo.info.columns.map((c) => c.name);
  const missing = names.filter((n) => !header.includes(n));
  if (missing.length) throw new Error(`the CSV lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const at = Object.fromEntries(header.map((h, i) => [h, i]));
  const labelAt = at.isFraud ?? at.is_fraud ?? at.label;
  const rows = [], labels = [];
  for (let r = 1; r < table.length; ++r) {
    const cells = table[r];
    const row = {};
    for (const n of names) {
      const v = cells[at[n]];
      row[n] = v === undefined || v.trim() === '' ? null : v.trim();
    }
    rows.push(row);
    labels.push(labelAt === undefined ? null : cells[labelAt]);
  }
  return { rows, labels: labelAt === undefined ? null : labels };
}

const plainResult = (r) => ({
  probability: r.probability,
  rawProbability: r.rawProbability,
  band: r.band,
  decision: r.decision,
  validSteps: r.validSteps,
  attention: Array.from(r.attention),
  reasons: r.reasons.map((x) => ({ code: x.code, text: x.text, contribution: x.contribution })),
});

// ---------------------------------------------------------------- model facts
function showFacts(info, runtime) {
  const facts = [
    ['name', info.name],
    ['kind', info.kind],
    ['version', info.version],
    ['signature', info.signatureVerified ? `verified (Ed25519, key ${info.signedKeyId}: the project's TEST key)`
      : info.signed ? 'signed, not checked' : 'unsigned'],
    ['window', `${info.window} payments per ${info.keyColumn ?? 'stream'}`],
    ['block at', `≥ ${info.threshold.toFixed(6)}`],
    ['step-up at', `≥ ${info.reviewThreshold.toFixed(6)}`],
    ['bands', `low < ${info.bandCuts[0].toFixed(3)} ≤ medium < ${info.bandCuts[1].toFixed(3)} ≤ high < `
      + `${info.bandCuts[2].toFixed(3)} ≤ critical`],
    ['columns', info.columns.map((c) => c.name).join(', ')],
    ['build', `${runtime.simd ? 'SIMD128' : 'baseline (no SIMD)'} · kernels ${runtime.kernels} · core ${runtime.version}`],
  ];
  const dl = $('facts');
  dl.replaceChildren();
  for (const [k, v] of facts) dl.append(el('dt', { textContent: k }), el('dd', { textContent: v, dataset: { fact: k } }));
}

// ---------------------------------------------------------------- form
const FORM_FIELDS = { type: 'f-type', amount: 'f-amount', oldbalanceOrg: 'f-balance', nameOrig: 'f-payer',
  nameDest: 'f-payee', step: 'f-step' };

function formRow() {
  const row = {};
  for (const [name, id] of Object.entries(FORM_FIELDS)) {
    const v = $(id).value.trim();
    row[name] = v === '' ? null : v;
  }
  return row;
}

function payerHistory(payer) {
  return demo.history.filter((h) => h.nameOrig === payer);
}

function resultCard(r, title) {
  const card = el('div', { class: `verdict ${r.decision}` },
    el('div', { class: 'title', textContent: title }),
    el('div', { class: 'big' },
      el('span', { class: 'prob', textContent: fmtPct(r.probability, 2) }),
      el('span', { class: `pill band-${r.band}`, textContent: r.band }),
      el('span', { class: `pill decision-${r.decision}`, textContent: r.decision.replace('_', '-') })),
    el('div', { class: 'small', textContent: `probability ${fmtProb(r.probability)} · ${r.validSteps} of `
      + `${demo.info.window} window steps real` }));
  const list = el('ul', { class: 'reasonlist' });
  for (const x of r.reasons) {
    list.append(el('li', { title: `reason code ${x.code}` }, `${x.text} `,
      el('span', { class: 'contrib', textContent: `(${x.code}; p −${x.contribution.toFixed(4)} if typical)` })));
  }
  if (!r.reasons.length) list.append(el('li', { textContent: 'no reason codes' }));
  card.append(list);
  return card;
}

function scoreForm() {
  if (!model) return;
  const row = formRow();
  const past = payerHistory(row.nameOrig);
  const box = $('form-result');
  try {
    const results = model.score([...past, row]);
    const r = plainResult(results[results.length - 1]);
    demo.formResult = { ...r, row, history: past.length };
    box.replaceChildren(resultCard(r, `This payment, after ${past.length} earlier payment${past.length === 1 ? '' : 's'}`
      + ` of ${row.nameOrig ?? '(no payer)'} in this page`));
    box.dataset.decision = r.decision;
    if (selected.source === 'form') showAttention();
  } catch (e) {
    demo.formResult = { error: e.message, row };
    box.replaceChildren(el('div', { class: 'error', textContent: `Cannot score this payment: ${e.message}` }));
    delete box.dataset.decision;
    if (selected.source === 'form') showAttention();
  }
}

function showHistoryNote() {
  const payer = $('f-payer').value.trim();
  const n = payerHistory(payer).length;
  $('history-note').textContent = `Session history: ${demo.history.length} payment${demo.history.length === 1 ? '' : 's'}`
    + ` in this page, ${n} by ${payer || '(no payer)'}. It lives only in this page's memory.`;
}

function addToHistory(event) {
  event.preventDefault();
  if (!model) return;
  const row = formRow();
  try {
    model.score([row]); // refuse rows the model refuses (e.g. a negative amount)
  } catch (e) {
    $('form-result').replaceChildren(el('div', { class: 'error', textContent: `Not added: ${e.message}` }));
    return;
  }
  demo.history.push(row);
  const step = $('f-step');
  if (step.value !== '') step.value = String(Number(step.value) + 1);
  showHistoryNote();
  scoreForm();
}

// ---------------------------------------------------------------- batch
function scoreBatch(text, source) {
  if (!model) return;
  let parsed;
  try {
    parsed = csvToRows(text);
  } catch (e) {
    setStatus(`Cannot read ${source}: ${e.message}`, 'error');
    return;
  }
  let results;
  const t0 = performance.now();
  try {
    results = model.score(parsed.rows);
  } catch (e) {
    setStatus(`Cannot score ${source}: ${e.message}`, 'error');
    return;
  }
  const ms = performance.now() - t0;
  demo.batchRows = parsed.rows;
  demo.lastResults = results.map((r, i) => ({
    row: i,
    payer: parsed.rows[i].nameOrig,
    payee: parsed.rows[i].nameDest,
    amount: parsed.rows[i].amount,
    label: parsed.labels ? parsed.labels[i] : null,
    ...plainResult(r),
  }));
  demo.lastBatch = { source, rows: results.length, ms };
  $('label-head').hidden = !parsed.labels;
  drawTable();
  setStatus(`Scored ${results.length} rows of ${source} in ${ms.toFixed(1)} ms, in this page.`, 'ok');
  // Select the first blocked row (or the first row) so the heatmap shows something.
  const first = demo.lastResults.findIndex((r) => r.decision === 'block');
  select('batch', first >= 0 ? first : 0);
}

function drawTable() {
  const tbody = $('results').tBodies[0];
  const frag = document.createDocumentFragment();
  const rows = demo.lastResults.slice(0, TABLE_LIMIT);
  for (const r of rows) {
    const tr = el('tr', { dataset: { row: String(r.row), decision: r.decision }, tabIndex: 0 },
      el('td', { textContent: String(r.row) }),
      el('td', { textContent: r.payer ?? '—' }),
      el('td', { class: 'num', textContent: fmtMoney(r.amount) }),
      el('td', { class: 'num', textContent: fmtProb(r.probability) }),
      el('td', {}, el('span', { class: `pill band-${r.band}`, textContent: r.band })),
      el('td', {}, el('span', { class: `pill decision-${r.decision}`, textContent: r.decision.replace('_', '-') })),
      el('td', { class: 'whatif' }));
    if (demo.lastResults[0].label !== null) tr.append(el('td', { textContent: r.label === '1' ? 'fraud' : r.label === '0' ? '' : (r.label ?? '') }));
    frag.append(tr);
  }
  tbody.replaceChildren(frag);
  applyWhatIf();
}

function counts(results, key) {
  const c = {};
  for (const r of results) c[r[key]] = (c[r[key]] || 0) + 1;
  return c;
}

function showBatchSummary() {
  const s = $('batch-summary');
  const res = demo.lastResults;
  if (!res.length) { s.textContent = ''; return; }
  const d = counts(res, 'decision');
  const t = demo.threshold;
  const flagged = res.filter((r) => r.probability >= t).length;
  s.textContent = `${res.length} rows from ${demo.lastBatch.source}: the model blocks ${d.block || 0}, steps up `
    + `${d.step_up || 0}, approves ${d.approve || 0}. What-if at ${t.toFixed(3)}: ${flagged} flagged.`
    + (res.length > TABLE_LIMIT ? ` (Table shows the first ${TABLE_LIMIT}.)` : '');
}

// ---------------------------------------------------------------- attention heatmap
function select(source, index) {
  selected = { source, index };
  for (const tr of document.querySelectorAll('#results tr.selected')) tr.classList.remove('selected');
  if (source === 'batch') {
    const tr = document.querySelector(`#results tr[data-row="${index}"]`);
    if (tr) tr.classList.add('selected');
  }
  $('form-result').classList.toggle('selected', source === 'form');
  showAttention();
}

/** The rows in a result's window, oldest first (same payer, earlier in the batch or the session). */
function windowRows(source, index, validSteps) {
  if (source === 'form') {
    const f = demo.formResult;
    return [...payerHistory(f.row.nameOrig), f.row].slice(-validSteps);
  }
  const rows = demo.batchRows, key = demo.info.keyColumn;
  const out = [];
  for (let i = index; i >= 0 && out.length < validSteps; --i) {
    if (!key || rows[i][key] === rows[index][key]) out.unshift(rows[i]);
  }
  return out;
}

function heatColour(w) {
  // white -> amber -> deep red as the weight goes 0 -> 1
  const t = Math.max(0, Math.min(1, w));
  const stops = [[255, 255, 255], [253, 186, 116], [185, 28, 28]];
  const [a, b, u] = t < 0.5 ? [stops[0], stops[1], t * 2] : [stops[1], stops[2], (t - 0.5) * 2];
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * u));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

function showAttention() {
  const map = $('heatmap'), caption = $('heat-caption'), reasons = $('heat-reasons');
  let r = null, title = '';
  if (selected.source === 'form' && demo.formResult && !demo.formResult.error) {
    r = demo.formResult;
    title = `The payment in the form (payer ${r.row.nameOrig ?? '—'})`;
  } else if (selected.source === 'batch' && demo.lastResults[selected.index]) {
    r = demo.lastResults[selected.index];
    title = `Batch row ${r.row} (payer ${r.payer ?? '—'}, ${r.decision.replace('_', '-')}, p = ${fmtProb(r.probability)})`;
  }
  if (!r) {
    map.replaceChildren();
    reasons.replaceChildren();
    caption.textContent = 'Click a table row or the payment\'s result to see where the model looked.';
    return;
  }
  const n = demo.info.window, att = r.attention, padded = n - r.validSteps;
  const win = windowRows(selected.source, selected.index, r.validSteps);
  caption.textContent = `${title}: one cell per window step, oldest → newest; ${padded} padded step${padded === 1 ? '' : 's'}`
    + ' (no history) marked.';
  const cells = [];
  for (let i = 0; i < n; ++i) {
    const pad = i < padded;
    const w = att.length ? att[i] : 0;
    const row = pad ? null : win[i - padded];
    const cell = el('div', { class: `cell${pad ? ' pad' : ''}`, dataset: { step: String(i), weight: String(w) },
      title: pad ? 'padded step (no earlier payment)' : `weight ${w.toFixed(4)}` },
    el('div', { class: 'swatch' }, el('span', { textContent: pad ? 'pad' : w.toFixed(2) })),
    el('div', { class: 'steplabel', textContent: i === n - 1 ? 'now' : `t−${n - 1 - i}` }),
    el('div', { class: 'stepinfo', textContent: row ? `${row.type ?? '—'} ${fmtMoney(row.amount)}` : '' }));
    if (!pad) {
      const swatch = cell.firstChild;
      swatch.style.backgroundColor = heatColour(w);
      swatch.style.color = w > 0.55 ? '#fff' : '#222';
    }
    cells.push(cell);
  }
  map.style.gridTemplateColumns = `repeat(${n}, minmax(0, 1fr))`;
  map.replaceChildren(...cells);
  $('heat-legend').hidden = false;
  map.dataset.validSteps = String(r.validSteps);
  reasons.replaceChildren(el('span', { class: 'hint', textContent: 'Reasons: ' }),
    ...r.reasons.map((x) => el('span', { class: 'reason', title: x.text, textContent: x.code })));
}

// ---------------------------------------------------------------- threshold what-if
function nearestPoint(t) {
  const pts = demo.curve.points;
  let best = pts[0];
  for (const p of pts) if (Math.abs(p.threshold - t) < Math.abs(best.threshold - t)) best = p;
  return best;
}

function setupSlider(curve, info) {
  const slider = $('threshold');
  const marks = $('slider-marks');
  const mark = (t, label, cls) => {
    const m = el('div', { class: `mark ${cls}`, title: `${label} ${t.toFixed(6)}` },
      el('span', { textContent: `${label} ${t.toFixed(3)}` }));
    m.style.left = `${t * 100}%`;
    return m;
  };
  marks.replaceChildren(mark(info.reviewThreshold, 'step-up', 'review'), mark(info.threshold, 'block', 'block'));
  slider.disabled = false;
  $('snap-review').disabled = false;
  $('snap-block').disabled = false;
  $('snap-review').textContent = `step-up threshold (${info.reviewThreshold.toFixed(3)})`;
  $('snap-block').textContent = `block threshold (${info.threshold.toFixed(3)})`;
  slider.addEventListener('input', () => setThreshold(Number(slider.value)));
  $('snap-review').addEventListener('click', () => setThreshold(info.reviewThreshold));
  $('snap-block').addEventListener('click', () => setThreshold(info.threshold));
  setThreshold(info.threshold);
}

function setThreshold(t) {
  demo.threshold = t;
  const slider = $('threshold');
  if (Math.abs(Number(slider.value) - t) > 1e-9) slider.value = String(t);
  const readout = $('curve-readout');
  let point = null;
  if (demo.curve) {
    point = nearestPoint(t);
    const items = [
      ['threshold', t.toFixed(3)],
      ['curve point', point.threshold.toFixed(4)],
      ['precision', point.precision === null ? '— (nothing flagged)' : fmtPct(point.precision)],
      ['recall', fmtPct(point.recall)],
      ['alert rate', fmtPct(point.alert_rate, 3)],
      ['flagged', `${point.flagged.toLocaleString('en-US')} of ${demo.curve.rows.toLocaleString('en-US')} validation rows `
        + `(${point.true_positives} of ${demo.curve.positives} frauds)`],
    ];
    readout.replaceChildren();
    for (const [k, v] of items) readout.append(el('dt', { textContent: k }), el('dd', { textContent: v, dataset: { metric: k } }));
  }
  demo.whatIf = { threshold: t, point };
  applyWhatIf();
}

function applyWhatIf() {
  const t = demo.threshold;
  if (t === null) return;
  $('whatif-head').textContent = `what-if ≥ ${t.toFixed(3)}`;
  let flagged = 0;
  const rows = $('results').tBodies[0].rows;
  for (const tr of rows) {
    const r = demo.lastResults[Number(tr.dataset.row)];
    const flag = r.probability >= t;
    const cell = tr.cells[6];
    cell.textContent = flag ? 'flag' : 'pass';
    cell.className = `whatif ${flag ? 'flag' : 'pass'}`;
  }
  for (const r of demo.lastResults) {
    r.whatIf = r.probability >= t ? 'flag' : 'pass';
    if (r.whatIf === 'flag') ++flagged;
  }
  if (demo.whatIf) demo.whatIf.flagged = flagged;
  showBatchSummary();
}

// ---------------------------------------------------------------- wiring
function watchNetwork() {
  // Counts the page's own resource fetches after the model loaded: it should stay 0.
  const show = () => { $('net-count').textContent = String(demo.requestsAfterReady); };
  if ('PerformanceObserver' in window) {
    new PerformanceObserver((list) => {
      demo.requestsAfterReady += list.getEntries().length;
      show();
    }).observe({ type: 'resource', buffered: false });
  }
  show();
}

function wire() {
  const form = $('payment-form');
  form.addEventListener('input', () => { showHistoryNote(); scoreForm(); });
  form.addEventListener('change', () => scoreForm());
  form.addEventListener('submit', addToHistory);
  $('f-clear').addEventListener('click', () => { demo.history = []; showHistoryNote(); scoreForm(); });
  $('form-result').addEventListener('click', () => select('form', -1));
  $('form-result').addEventListener('keydown', (e) => { if (e.key === 'Enter') select('form', -1); });

  $('results').tBodies[0].addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (tr) select('batch', Number(tr.dataset.row));
  });
  $('results').tBodies[0].addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr');
    if (tr && e.key === 'Enter') select('batch', Number(tr.dataset.row));
  });

  $('load-sample').addEventListener('click', () => {
    $('file-input').value = '';
    scoreBatch(sampleText, 'the bundled sample');
  });
  $('file-input').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (file) scoreBatch(await file.text(), file.name);
  });
  const zone = $('dropzone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer.files[0];
    if (file) scoreBatch(await file.text(), file.name);
  });
  // A file dropped beside the zone must not make the browser navigate away.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
}

async function main() {
  try {
    // Everything the page will ever fetch, fetched now; the sample is kept for "Load sample".
    const [modelBytes, trustedKey, curve, sample] = await Promise.all([
      fetchOk(MODEL_URL, 'arrayBuffer'),
      fetchOk(KEY_URL, 'text'),
      fetchOk(CURVE_URL, 'json').catch((e) => { console.warn(e); return null; }),
      fetchOk(SAMPLE_URL, 'text'),
    ]);
    // ?build=baseline (or ?build=simd) forces one of the package's two builds; by default it feature-detects.
    const build = new URLSearchParams(location.search).get('build');
    const options = build === 'baseline' ? { simd: false } : build === 'simd' ? { simd: true } : undefined;
    // The model loads only if the trusted key's signature over it verifies (WebCrypto Ed25519).
    model = await loadModel(modelBytes, { ...options, trustedKeys: [trustedKey] });
    demo.runtime = await runtimeInfo(options);
    demo.info = model.info;
    demo.curve = curve;
    sampleText = sample;
    showFacts(model.info, demo.runtime);
    wire();
    if (curve) setupSlider(curve, model.info);
    else $('curve-readout').replaceChildren(el('dd', { textContent: 'validation curve not available' }));
    showHistoryNote();
    scoreForm();
    setStatus(`Model ${model.info.name} (${model.info.version}) loaded; ${demo.runtime.simd ? 'SIMD128' : 'baseline'} `
      + 'WebAssembly build. Scoring runs in this page.', 'ok');
    demo.ready = true;
    document.body.dataset.state = 'ready';
    watchNetwork();
  } catch (e) {
    demo.error = String(e && e.message || e);
    document.body.dataset.state = 'error';
    setStatus(`Could not start: ${demo.error}`, 'error');
    console.error(e);
  }
}

main();
