// fraudscore: on-device fraud scoring in WebAssembly. Browsers, Web Workers and node >= 18.

/** One raw transaction, keyed by the model's column names (see `ModelInfo.columns`).
 *  Numbers may be given as numbers or numeric strings. Every model column must be there: `null`
 *  (or, as the CSV reader gives it, an empty string) is a missing value, while a column the row lacks
 *  (absent, or `undefined`) is refused with a `FraudscoreError` (status 'input') naming the column and
 *  the row, so that a misspelt key is not scored as a missing value. Keys that are not model columns
 *  (labels, ids the model does not use) are ignored, or refused in strict mode (the `strict` option). */
export type Row = Record<string, string | number | null>;

export type Band = 'low' | 'medium' | 'high' | 'critical';
export type Decision = 'approve' | 'step_up' | 'block';
/** The model family, e.g. 'crnn', 'lstm_attn', 'lle_svm', 'gbdt' (a build may carry only some). */
export type ModelKind = string;
export type ColumnType = 'numeric' | 'categorical' | 'identifier' | 'time';

export interface Column {
  name: string;
  type: ColumnType;
}

export interface ReasonCode {
  /** Stable code, e.g. "AMOUNT_PATTERN". */
  code: string;
  /** A short readable sentence. */
  text: string;
  /** How much the probability falls when this group of features is typical (> 0). */
  contribution: number;
}

export interface ModelInfo {
  kind: ModelKind;
  name: string;
  /** The file's checksum (16 hex digits): identifies this exact model version. */
  version: string;
  schemaVersion: string;
  trainerVersion: string;
  columns: Column[];
  featureCount: number;
  /** Rows per window. */
  window: number;
  /** The column whose values own separate windows (e.g. the paying account), or null for one global window. */
  keyColumn: string | null;
  /** Probability at or above which the decision is "block". */
  threshold: number;
  /** Probability at or above which the decision is at least "step_up". */
  reviewThreshold: number;
  /** Probabilities where the bands low|medium, medium|high and high|critical meet. */
  bandCuts: [number, number, number];
  /** The trainer's metrics and settings, by name. */
  metrics: Record<string, number>;
  reasonCodes: { code: string; text: string }[];
  /** How reason contributions are measured: "occlusion" (the probability's fall when the group is typical)
   *  or "attribution" (the group's exact share of the logit, e.g. gbdt's TreeSHAP). */
  reasonMethod: 'occlusion' | 'attribution';
  /** How the network's weights are stored in the file (schema 1.5: `fraudscore-train quantize`); they are
   *  dequantised to float32 at load, so this changes the download, not the scores' arithmetic. */
  weightPrecision: 'float32' | 'float16' | 'int8';
  /** The model's named outputs beside the probability (e.g. lstm_attn's `enterprise_risk`, lle_svm's
   *  `grade` with its labels); every result carries them in `Result.outputs`. */
  outputs: { name: string; kind: 'probability' | 'label'; labels?: string[] }[];
  /** Dynamic thresholds (null when the model does not enable them). */
  dynamicThresholds: null | {
    segmentColumn: string | null;
    segmentCount: number;
    targetAlertRate: number;
    minThreshold: number;
    maxThreshold: number;
  };
  /** The file came in a signed envelope (schemas/signed_model.fbs), checked or not. */
  signed: boolean;
  /** One of `LoadOptions.trustedKeys` signed the file and its signature verified. Always false when loaded
   *  without `trustedKeys` (nothing is checked then). */
  signatureVerified: boolean;
  /** The id of the key whose signature verified (16 hex digits: the first 8 bytes of SHA-256 over the raw
   *  public key), or '' if none. */
  signedKeyId: string;
  /** Arithmetic operations one scored row costs, its reasons included (files above 2e8 are refused). */
  operationsPerRow: number;
}

export interface Result {
  /** Calibrated fraud probability in [0, 1]. */
  probability: number;
  /** The network's output before calibration. */
  rawProbability: number;
  band: Band;
  decision: Decision;
  /** One weight per window step, oldest first; padded steps are 0. Empty for models without attention. */
  attention: Float32Array;
  /** Real (not padded) rows in this row's window. */
  validSteps: number;
  /** The thresholds this row was decided with (the model's, or the session's dynamic ones). */
  blockThreshold: number;
  reviewThreshold: number;
  /** Dynamic-threshold segment of the row (0 with one segment). */
  segment: number;
  /** Largest contribution first. */
  reasons: ReasonCode[];
  /** Features of this row beyond the model's training range (plus its margin), clipped to it before scoring;
   *  a row with any is decided at least "step_up" (the model has not seen such a payment). 0 for models
   *  that store no training ranges. */
  outOfRange: number;
  /** The model's named outputs (`ModelInfo.outputs`), by name: a probability output's value in [0, 1]; a
   *  label output's label, and its index under `${name}_index`. Absent for models without any. */
  outputs?: Record<string, number | string>;
}

export interface SessionOptions {
  /** Per-key windows kept (least recently used evicted; default 4096). */
  maxKeys?: number;
  /** Most rows one `pushBatch` call takes (default 256). */
  maxBatch?: number;
  /** Reason codes per result (default 3; 0 turns them off). */
  reasons?: number;
  /** 'all' (default) or 'flagged': reason codes only for step_up and block decisions. */
  reasonsFor?: 'all' | 'flagged';
  /** 'model' (default): dynamic thresholds where the model enables them; 'fixed': the model's thresholds. */
  thresholds?: 'model' | 'fixed';
  /** Refuse a row with a key that is not a model column (the error names the keys). Default: the
   *  `strict` given to `loadModel`, itself false by default (other keys are ignored). */
  strict?: boolean;
}

/** A stream of rows: windows per key and dynamic thresholds live here. */
export interface Session {
  /** Validate the row, append it to its window and score that window. A refused row changes nothing.
   *  Refused (status 'input'): a model column the row lacks, a value that is not a finite number or a known
   *  category, and in strict mode a key that is not a model column. */
  push(row: Row): Result;
  /** As `push` for each row in order, with one network pass for all; all rows are checked first. */
  pushBatch(rows: Row[]): Result[];
  /** A labelled outcome for a row this session scored: moves its segment's dynamic thresholds. */
  feedback(row: Row, probability: number, label: 'confirmed_fraud' | 'false_alarm'): void;
  /** Dynamic-threshold state, to keep between visits (tied to this model version). */
  saveThresholds(): Uint8Array;
  loadThresholds(state: Uint8Array): void;
  /** Forget every window and return to the model's thresholds. */
  reset(): void;
  /** Keys whose windows are held now. */
  readonly keyCount: number;
  /** Free the session's memory (sessions never disposed are freed when garbage-collected); harmless to repeat. */
  dispose(): void;
}

export interface Model {
  readonly info: ModelInfo;
  /** Score rows in order, windows built as the `fraudscore score` CLI builds them (a fresh
   *  session, the model's fixed thresholds). Results are in the same order as the rows.
   *  Any number of rows (`maxBatch` is not used here); a refused row's error names its index in `rows`. */
  score(rows: Row[], options?: Omit<SessionOptions, 'thresholds'>): Result[];
  session(options?: SessionOptions): Session;
  /** Free the model's memory and dispose its sessions (using them afterwards throws); harmless to repeat. */
  dispose(): void;
}

export interface LoadOptions {
  /** Force the SIMD128 (true) or the baseline (false) build; by default chosen by feature detection. */
  simd?: boolean;
  /** The default of `strict` for this model's `session()` and `score()` (default false). Ignored by `runtimeInfo`. */
  strict?: boolean;
  /** Ed25519 public keys to trust (two while keys rotate): raw 32-byte keys, or 64 hex digits (as in a `.pub`
   *  file; surrounding white space is ignored). Given, the file loads only if it is a signed file and one of
   *  these keys' signatures verifies over its model bytes (checked with WebCrypto before the core reads
   *  anything in them); otherwise `loadModel` rejects with status 'signature'. Omitted (or null), files load
   *  signed or unsigned and no signature is checked. Not an array, an empty array, or a key that is not 32
   *  bytes or 64 hex digits: 'invalid_argument'. Needs WebCrypto with Ed25519 (node >= 18.4, Chromium 137+,
   *  Firefox 129+, Safari 17+; browsers give `crypto.subtle` to secure contexts only), else 'unsupported'.
   *  Ignored by `runtimeInfo`. */
  trustedKeys?: (Uint8Array | ArrayBuffer | string)[] | null;
}

/** Verify and load a model file (`.fsmodel`, signed or not). Rejects with a `FraudscoreError` carrying the
 *  core's message; with `trustedKeys`, also when no trusted key signed the file (status 'signature'). */
export function loadModel(bytes: Uint8Array | ArrayBuffer, options?: LoadOptions): Promise<Model>;

/** Whether this JavaScript engine runs WebAssembly SIMD128. */
export function simdSupported(): boolean;

/** Facts about the loaded WebAssembly runtime (loads it if needed). */
export function runtimeInfo(options?: LoadOptions): Promise<{
  /** The core's version, e.g. "0.1.0". */
  version: string;
  simd: boolean;
  /** The kernels in use: "vec128" (SIMD128) or "reference". */
  kernels: string;
  /** Bytes of the WebAssembly heap in use (models, sessions). */
  heapBytes: number;
  /** Size of the WebAssembly memory (it grows, never shrinks). */
  memoryBytes: number;
}>;

/** Every error the package throws or rejects with. `status` names the cause: the core's "invalid_argument",
 *  "corrupt", "identifier", "version", "checksum", "shape", "value", "unsupported", "input", "no_memory",
 *  "internal", "signature" (`trustedKeys` given and the file unsigned, altered, or signed by no trusted key),
 *  or the package's "disposed". */
export class FraudscoreError extends Error {
  readonly name: 'FraudscoreError';
  readonly status: string;
}
