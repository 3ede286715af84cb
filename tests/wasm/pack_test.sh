#!/usr/bin/env bash
# The npm package as a user gets it: `npm pack` wasm/, install the tarball into a fresh project, run the
# README's "## Example" block unchanged there (with crnn-on-device.fsmodel as model.bin and
# examples/transactions.csv as transactions.csv), type-check a small TypeScript file against the package's
# types (if TypeScript can be had from npm), and check the tarball's file list and size.
#   bash tests/wasm/pack_test.sh        (FRAUDSCORE_SKIP_TSC=1 skips the type check)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "pack_test: FAIL: $*" >&2; exit 1; }

for f in simd baseline; do
  [ -f "$REPO/wasm/dist/fraudscore-$f.wasm" ] || fail "wasm/dist/fraudscore-$f.wasm is missing (bash scripts/build-wasm.sh --no-tests)"
done

echo "== npm pack"
(cd "$REPO/wasm" && npm pack --silent --pack-destination "$WORK" >/dev/null)
TGZ=$(ls "$WORK"/fraudscore-*.tgz)
[ -f "$TGZ" ] || fail "npm pack made no tarball"

echo "== tarball contents"
tar -tzf "$TGZ" | sed 's|^package/||' | sort >"$WORK/files.txt"
cat "$WORK/files.txt"
printf '%s\n' LICENSE README.md dist/fraudscore-baseline.wasm dist/fraudscore-simd.wasm fraudscore.d.ts \
  fraudscore.mjs package.json | sort >"$WORK/expected.txt"
diff -u "$WORK/expected.txt" "$WORK/files.txt" || fail "the tarball holds other files than expected"
SIZE=$(stat -c %s "$TGZ")
UNPACKED=$(tar -xzOf "$TGZ" | wc -c)
echo "packed size: $SIZE bytes ($(( (SIZE + 512) / 1024 )) KiB); unpacked: $UNPACKED bytes ($(( (UNPACKED + 512) / 1024 )) KiB)"

echo "== install into a fresh project"
APP=$WORK/app
mkdir -p "$APP"
cd "$APP"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "$TGZ" >/dev/null
[ -f node_modules/fraudscore/fraudscore.mjs ] || fail "npm install did not install the package"
cp "$REPO/models/crnn-on-device.fsmodel" model.bin
cp "$REPO/examples/transactions.csv" transactions.csv

echo "== the README's example, unchanged"
# The first ```js block after the "## Example" heading (and before the next "## " heading).
awk '/^## /{ inside = ($0 == "## Example") } inside && /^```js[[:space:]]*$/ && !done { grab = 1; next }
     grab && /^```[[:space:]]*$/ { grab = 0; done = 1; next } grab { print }' "$REPO/wasm/README.md" >example.mjs
[ -s example.mjs ] || fail "no \`\`\`js block under '## Example' in wasm/README.md"
cat example.mjs
node example.mjs >example.out 2>example.err || { cat example.err >&2; fail "the README example failed"; }
[ -s example.err ] && { cat example.err >&2; fail "the README example wrote to stderr"; }
echo "-- its output ($(wc -l <example.out) lines), first 5:"
head -5 example.out
[ -s example.out ] || fail "the README example printed nothing"
grep -Eq '^[0-9]+ (step_up|block) (low|medium|high|critical) [01]\.[0-9]{4}' example.out \
  || fail "the README example's output does not look like decisions"

echo "== the installed package in both builds"
cat >both.mjs <<'JS'
import { loadModel, runtimeInfo, simdSupported } from 'fraudscore';
import { readFile } from 'node:fs/promises';
const bytes = await readFile('model.bin');
const row = { step: 1, type: 'TRANSFER', amount: 181, oldbalanceOrg: 181, nameOrig: 'C1', nameDest: 'C2' };
const p = [];
for (const simd of [true, false]) {
  const model = await loadModel(bytes, { simd });
  p.push(model.session().push(row).probability);
  const info = await runtimeInfo({ simd });
  if (info.simd !== simd || info.kernels !== (simd ? 'vec128' : 'reference')) throw new Error(JSON.stringify(info));
  model.dispose();
}
if (!simdSupported() || Math.abs(p[0] - p[1]) > 1e-5) throw new Error(`${p}`);
console.log('both builds load from node_modules:', p.join(' '));
JS
node both.mjs || fail "the installed package does not load both builds"

echo "== TypeScript type check"
if [ -n "${FRAUDSCORE_SKIP_TSC:-}" ]; then
  echo "skipped (FRAUDSCORE_SKIP_TSC is set)"
else
  cat >check.ts <<'TS'
import { loadModel, runtimeInfo, simdSupported, FraudscoreError } from 'fraudscore';
import type { Model, Session, Result, Row, ModelInfo, SessionOptions, Band, Decision } from 'fraudscore';

async function main(bytes: Uint8Array): Promise<void> {
  const model: Model = await loadModel(bytes, { simd: simdSupported(), strict: false });
  const signedModel: Model = await loadModel(bytes, { trustedKeys: [new Uint8Array(32), '00'.repeat(32)] });
  const verified: boolean = signedModel.info.signatureVerified && signedModel.info.signed;
  const keyId: string = signedModel.info.signedKeyId;
  const info: ModelInfo = model.info;
  const version: string = info.version;
  const key: string | null = info.keyColumn;
  const cuts: [number, number, number] = info.bandCuts;
  const options: SessionOptions = { maxKeys: 1024, maxBatch: 64, reasons: 2, reasonsFor: 'flagged', thresholds: 'model',
    strict: true };
  const session: Session = model.session(options);
  const row: Row = { step: 1, type: 'PAYMENT', amount: 12.5, nameOrig: 'C1', nameDest: null };
  const r: Result = session.push(row);
  const band: Band = r.band;
  const decision: Decision = r.decision;
  const attention: Float32Array = r.attention;
  const risk: number | string | undefined = r.outputs?.enterprise_risk;
  const outputs: { name: string; kind: 'probability' | 'label'; labels?: string[] }[] = info.outputs;
  const method: 'occlusion' | 'attribution' = info.reasonMethod;
  const codes: string[] = r.reasons.map((x) => x.code);
  const outOfRange: number = r.outOfRange;
  const batch: Result[] = session.pushBatch([row, row]);
  if (info.dynamicThresholds) {
    session.feedback(row, r.probability, 'confirmed_fraud');
    session.loadThresholds(session.saveThresholds());
  }
  const all: Result[] = model.score([row], { reasons: 0, strict: true });
  const keys: number = session.keyCount;
  const rt = await runtimeInfo();
  const heap: number = rt.heapBytes + rt.memoryBytes;
  session.reset();
  session.dispose();
  model.dispose();
  try {
    await loadModel(new ArrayBuffer(0));
  } catch (e) {
    if (e instanceof FraudscoreError) {
      const status: string = e.status;
      const message: string = e.message;
      console.log(status, message);
    }
  }
  console.log(version, key, cuts, band, decision, attention, risk, codes, batch, all, keys, heap, verified, keyId,
    outOfRange);
}
// @ts-expect-error: rows are objects of strings and numbers
const bad: Row = { amount: true };
// @ts-expect-error: a missing value is null; undefined (a column the row lacks) is refused
const lacking: Row = { amount: undefined };
// @ts-expect-error: trusted keys are an array
void loadModel(new Uint8Array(0), { trustedKeys: '00' });
void main;
void bad;
void lacking;
TS
  for resolution in node16 bundler; do
    module=node16; [ "$resolution" = bundler ] && module=esnext
    cat >tsconfig.json <<JSON
{ "compilerOptions": { "strict": true, "noEmit": true, "target": "es2022", "module": "$module",
    "moduleResolution": "$resolution", "lib": ["es2022", "dom"], "types": [], "skipLibCheck": false },
  "files": ["check.ts"] }
JSON
    # package.json "type": "module" so that node16 resolution treats check.ts as ESM.
    node -e "const f='package.json',p=JSON.parse(require('fs').readFileSync(f));p.type='module';require('fs').writeFileSync(f,JSON.stringify(p,null,2))"
    if npx -y -p typescript@5 tsc -p tsconfig.json; then
      echo "tsc (moduleResolution $resolution): ok"
    else
      fail "tsc (moduleResolution $resolution) found type errors"
    fi
  done
fi

echo "pack_test: OK"
