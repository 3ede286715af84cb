// Signed model files (schemas/signed_model.fbs) in the package: loadModel(bytes, { trustedKeys }) checks the
// Ed25519 signatures with WebCrypto (the .wasm carries no cryptography). Key pairs are made here with WebCrypto
// and files are signed here (envelope.mjs writes the envelope by hand). Both builds.
// Where the native CLI accepts --trusted-key, it verifies a file signed here; where the trainer's
// `python3 -m fraudscore_trainer sign` runs, a file it signed loads here (both skipped otherwise).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  FLAVOURS, MODELS, EXAMPLE, REPO, CLI, cliAvailable, loadModel, runtimeInfo, modelBytes, unsignedModelBytes, readCsv,
  assertRejects,
} from './helpers.mjs';
import { envelope, openEnvelope, keyPair, signature, signModel, toHex } from './envelope.mjs';

const NAME = 'crnn-on-device';
const rows = () => readCsv(EXAMPLE.crnn).rows;
const SIGNATURE_FIELDS = ['signed', 'signatureVerified', 'signedKeyId'];
const withoutSignature = (info) => Object.fromEntries(Object.entries(info).filter(([k]) => !SIGNATURE_FIELDS.includes(k)));
const flip = (bytes, at) => { const b = Uint8Array.from(bytes); b[at] ^= 0x01; return b; };
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Three key pairs: a and b trusted (b is the next key of a rotation), c trusted by no one.
let a, b, c, model, signedA, signedB, signedAB, signedBA, signedC;
before(async () => {
  [a, b, c] = [await keyPair(), await keyPair(), await keyPair()];
  model = unsignedModelBytes(NAME);
  [signedA, signedB, signedC] = [await signModel(model, a), await signModel(model, b), await signModel(model, c)];
  signedAB = await signModel(model, a, b);
  signedBA = await signModel(model, b, a);
});

test('key ids are the first 8 bytes of SHA-256 over the raw public key; the envelope holds the model unchanged', () => {
  for (const k of [a, b, c]) {
    assert.equal(k.publicKey.length, 32);
    assert.equal(k.id, createHash('sha256').update(k.publicKey).digest('hex').slice(0, 16));
  }
  const [inner, sigs] = openEnvelope(signedAB);
  assert.deepEqual(inner, model);
  assert.deepEqual(sigs.map((s) => [s.algorithm, s.keyId, s.value.length]), [['ed25519', a.id, 64], ['ed25519', b.id, 64]]);
  assert.equal(String.fromCharCode(...signedAB.subarray(4, 8)), 'FSSG');
});

for (const flavour of FLAVOURS) {
  describe(`signed model files (${flavour.name})`, () => {
    const load = (bytes, trustedKeys) => loadModel(bytes, { simd: flavour.simd, trustedKeys });
    let reference; // the unsigned file, loaded without keys: its info and scores
    before(async () => {
      const m = await load(model);
      reference = { info: m.info, results: m.score(rows()) };
      m.dispose();
    });

    test('signed by a trusted key: loads, says so, and scores exactly like the unsigned file', async () => {
      const m = await load(signedA, [a.publicKey]);
      assert.equal(m.info.signed, true);
      assert.equal(m.info.signatureVerified, true);
      assert.equal(m.info.signedKeyId, a.id);
      assert.deepEqual(withoutSignature(m.info), withoutSignature(reference.info));
      assert.deepEqual(m.score(rows()), reference.results);
      m.dispose();
      // The unsigned file loaded without keys says it is unsigned.
      assert.deepEqual([reference.info.signed, reference.info.signatureVerified, reference.info.signedKeyId], [false, false, '']);
    });

    test('trusted keys as 64 hex digits (either case, surrounding white space), Uint8Array, Buffer or ArrayBuffer', async () => {
      for (const key of [a.hex, a.hex.toUpperCase(), ` ${a.hex}\n`, Buffer.from(a.publicKey), a.publicKey.slice().buffer,
        new Uint8Array([0, ...a.publicKey, 0]).subarray(1, 33)]) {
        const m = await load(signedA, [key]);
        assert.equal(m.info.signedKeyId, a.id);
        m.dispose();
      }
    });

    test('an unsigned file is refused when trusted keys are given', async () => {
      await assertRejects(load(model, [a.publicKey]), 'signature',
        new RegExp(`^the model file is unsigned; loadModel was given trustedKeys \\(key ids ${a.id}\\)`));
      await assertRejects(load(model, [a.hex, b.hex]), 'signature', new RegExp(`key ids ${a.id}, ${b.id}`));
    });

    test('one flipped byte in the signed model, or in the signature, is refused (signature)', async () => {
      const [inner] = openEnvelope(signedA);
      const start = signedA.length - inner.length; // the model's bytes end the envelope (envelope.mjs)
      assert.deepEqual(signedA.subarray(start), inner);
      // Bytes of the model's content (weights, metadata): the envelope is well formed, the signature fails.
      for (const at of [start + (inner.length >> 1), start + ((inner.length * 3) >> 2), signedA.length - 100]) {
        await assertRejects(load(flip(signedA, at), [a.publicKey]), 'signature',
          new RegExp(`^the model file is not signed by a trusted key \\(signed by: ${a.id}; trusted: ${a.id}\\); `
            + 'it was altered or signed by a key this deployment does not trust'));
      }
      // The inner file's root offset: the envelope's FlatBuffers verification (which reaches into the nested
      // model) refuses it before any signature is looked at, as the native core does.
      await assertRejects(load(flip(signedA, start), [a.publicKey]), 'corrupt', /truncated or malformed/);
      const [, [sig]] = openEnvelope(signedA);
      const badValue = envelope(model, [{ ...sig, value: flip(sig.value, 10) }]);
      await assertRejects(load(badValue, [a.publicKey]), 'signature', /not signed by a trusted key/);
      // Without keys nothing checks the signature, but the model's own checksum still finds the flipped byte.
      await assertRejects(load(flip(signedA, start + (inner.length >> 1))), 'checksum', /checksum mismatch/);
    });

    test('signed by an untrusted key, or claiming a trusted key id, is refused (signature)', async () => {
      await assertRejects(load(signedC, [a.publicKey, b.publicKey]), 'signature',
        new RegExp(`signed by: ${c.id}; trusted: ${a.id}, ${b.id}`));
      // c's signature under a's key id: the id matches, the signature does not verify.
      const forged = envelope(model, [{ ...(await signature(c, model)), keyId: a.id }]);
      await assertRejects(load(forged, [a.publicKey]), 'signature', new RegExp(`signed by: ${a.id}; trusted: ${a.id}`));
      // a's signature over another model file.
      const other = unsignedModelBytes('crnn-paper');
      const moved = envelope(other, [await signature(a, model)]);
      await assertRejects(load(moved, [a.publicKey]), 'signature', /not signed by a trusted key/);
      // No signatures, or one of another algorithm.
      await assertRejects(load(envelope(model, []), [a.publicKey]), 'signature', /signed by: no one/);
      const other_algorithm = envelope(model, [{ ...(await signature(a, model)), algorithm: 'ed448' }]);
      await assertRejects(load(other_algorithm, [a.publicKey]), 'signature', /not signed by a trusted key/);
    });

    test('key rotation: two trusted keys; a file signed by either or both loads', async () => {
      const both = [a.publicKey, b.hex];
      for (const [bytes, keys, id] of [[signedA, both, a.id], [signedB, both, b.id], [signedAB, both, a.id],
        [signedBA, both, b.id], [signedAB, [b.publicKey], b.id], [signedBA, [a.publicKey], a.id],
        [await signModel(model, c, b), both, b.id]]) {
        const m = await load(bytes, keys);
        assert.equal(m.info.signatureVerified, true);
        assert.equal(m.info.signedKeyId, id);
        assert.deepEqual(m.score(rows().slice(0, 20)), reference.results.slice(0, 20));
        m.dispose();
      }
      await assertRejects(load(signedB, [a.publicKey]), 'signature', new RegExp(`signed by: ${b.id}; trusted: ${a.id}`));
    });

    test('no trusted keys: signed and unsigned files both load, signatures unchecked', async () => {
      for (const keys of [undefined, null]) {
        for (const bytes of [signedA, signedC, signedAB, envelope(model, []), model]) {
          const m = await load(bytes, keys);
          const signed = bytes !== model;
          assert.deepEqual([m.info.signed, m.info.signatureVerified, m.info.signedKeyId], [signed, false, '']);
          assert.deepEqual(withoutSignature(m.info), withoutSignature(reference.info));
          assert.deepEqual(m.score(rows().slice(0, 20)), reference.results.slice(0, 20));
          m.dispose();
        }
      }
    });

    test('bad trustedKeys: invalid_argument, before the file is looked at', async () => {
      const cases = [
        [[a.publicKey.subarray(0, 31)], /key 0 is 31 bytes; an Ed25519 public key is 32/],
        [[new Uint8Array(33)], /key 0 is 33 bytes/],
        [[a.publicKey, new Uint8Array(0)], /key 1 is 0 bytes/],
        [[a.hex.slice(1)], /key 0 is not 64 hex digits/],
        [[`${a.hex}00`], /key 0 is not 64 hex digits/],
        [['zz' + a.hex.slice(2)], /key 0 is not 64 hex digits/],
        [[`0x${a.hex.slice(2)}`], /key 0 is not 64 hex digits/],
        [[a.hex, 42], /key 1 is a number, not a Uint8Array or 64 hex digits/],
        [[null], /key 0 is null/],
        [[[...a.publicKey]], /key 0 is an array/],
        [[{}], /key 0 is an object/],
        [[], /give a non-empty array/],
        [a.hex, /give a non-empty array/],
        [a.publicKey, /give a non-empty array/],
        [{ 0: a.hex, length: 1 }, /give a non-empty array/],
      ];
      for (const [keys, message] of cases) {
        for (const bytes of [signedA, model, new Uint8Array(0)]) {
          await assertRejects(load(bytes, keys), 'invalid_argument', new RegExp(`^option trustedKeys: ${message.source}`));
        }
      }
      // The module still works.
      const m = await load(signedA, [a.publicKey]);
      assert.equal(m.info.signatureVerified, true);
      m.dispose();
    });

    test('other files with trusted keys: empty, truncated envelope, not a model file', async () => {
      await assertRejects(load(new Uint8Array(0), [a.publicKey]), 'invalid_argument', /empty model buffer/);
      await assertRejects(load(signedA.subarray(0, 200), [a.publicKey]), 'corrupt', /signed model file is truncated or malformed/);
      await assertRejects(load(signedA.subarray(0, 200)), 'corrupt', /signed model file is truncated or malformed/);
      const random = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
      await assertRejects(load(random, [a.publicKey]), 'signature', /unsigned/);
      await assertRejects(load(random), 'identifier', /not a fraudscore model file/);
    });

    test('refused loads leave the heap as it was; concurrent loads with keys', async () => {
      const heap = async () => (await runtimeInfo({ simd: flavour.simd })).heapBytes;
      (await load(signedA, [a.publicKey])).dispose(); // warm up
      const before = await heap();
      for (let i = 0; i < 5; ++i) {
        await assertRejects(load(model, [a.publicKey]), 'signature');
        await assertRejects(load(signedC, [a.publicKey]), 'signature');
        await assertRejects(load(flip(signedA, signedA.length - 10), [a.publicKey]), 'signature');
        await assertRejects(load(signedA.subarray(0, 200), [a.publicKey]), 'corrupt');
        (await load(signedAB, [b.publicKey])).dispose();
      }
      assert.equal(await heap(), before);
      const loads = await Promise.allSettled([load(signedA, [a.publicKey]), load(signedB, [a.publicKey]),
        load(signedB, [b.publicKey]), load(model, [b.publicKey]), load(signedAB, [a.publicKey, b.publicKey])]);
      assert.deepEqual(loads.map((r) => r.status === 'fulfilled' ? r.value.info.signedKeyId : r.reason.status),
        [a.id, 'signature', b.id, 'signature', a.id]);
      loads.forEach((r) => r.status === 'fulfilled' && r.value.dispose());
      assert.equal(await heap(), before);
    });
  });
}

// The shipped models are signed by the trainer with the project's TEST key (keys/README.md).
const TEST_KEY = path.join(REPO, 'keys', 'fraudscore-test.pub');
describe('the shipped models, signed by the trainer with the project\'s TEST key', () => {
  for (const name of MODELS) {
    test(name, async () => {
      const bytes = modelBytes(name);
      assert.equal(String.fromCharCode(...bytes.subarray(4, 8)), 'FSSG', `${name} is not signed`);
      const key = readFileSync(TEST_KEY, 'utf8');
      const id = createHash('sha256').update(Buffer.from(key.trim(), 'hex')).digest('hex').slice(0, 16);
      const m = await loadModel(bytes, { trustedKeys: [key] }); // the file's text, newline and all
      assert.deepEqual([m.info.signed, m.info.signatureVerified, m.info.signedKeyId], [true, true, id]);
      const plain = await loadModel(unsignedModelBytes(name));
      assert.deepEqual(withoutSignature(m.info), withoutSignature(plain.info));
      m.dispose();
      plain.dispose();
      const other = await keyPair();
      await assertRejects(loadModel(bytes, { trustedKeys: [other.publicKey] }), 'signature', new RegExp(`signed by: ${id}`));
    });
  }
});

// ---- the other implementations of signed files: the native CLI (libsodium) and the trainer (python3-nacl) ----

function cliTrusts() {
  if (!cliAvailable()) return `native CLI not found at ${CLI}`;
  try {
    const help = execFileSync(CLI, ['score', '--help'], { encoding: 'utf8' });
    return help.includes('--trusted-key') ? false : `the native CLI at ${CLI} has no --trusted-key (rebuild it)`;
  } catch (e) {
    return `the native CLI failed: ${e.message}`;
  }
}

function trainerSigns() {
  try {
    execFileSync('/usr/bin/python3', ['-m', 'fraudscore_trainer', 'sign', '--help'],
      { cwd: path.join(REPO, 'trainer'), stdio: 'pipe' });
    return false;
  } catch {
    return '`python3 -m fraudscore_trainer sign` does not run here (the trainer or python3-nacl is missing)';
  }
}

const run = (file, args) => new Promise((resolve) => {
  execFile(file, args, { maxBuffer: 64 << 20 }, (error, stdout, stderr) => resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr }));
});

describe('interoperability', () => {
  let tmp;
  before(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fraudscore-signing-')); });
  const cleanup = () => tmp && rmSync(tmp, { recursive: true, force: true });
  process.on('exit', cleanup);

  test('the native CLI verifies a file signed here, and refuses it with another key', { skip: cliTrusts() }, async () => {
    const file = path.join(tmp, 'signed-a.fsmodel');
    writeFileSync(file, signedA);
    writeFileSync(path.join(tmp, 'a.pub'), `${a.hex}\n`);
    writeFileSync(path.join(tmp, 'c.pub'), `${c.hex}\n`);
    const ok = await run(CLI, ['score', '--trusted-key', path.join(tmp, 'a.pub'), file, EXAMPLE.crnn]);
    assert.equal(ok.code, 0, ok.stderr);
    const js = await loadModel(signedA, { trustedKeys: [a.hex] });
    const expected = js.score(rows());
    js.dispose();
    const lines = ok.stdout.trim().split('\n').slice(1);
    assert.equal(lines.length, expected.length);
    lines.forEach((line, i) => assert.ok(Math.abs(Number(line.split(',')[1]) - expected[i].probability) <= 1e-5, `row ${i}`));
    const refused = await run(CLI, ['score', '--trusted-key', path.join(tmp, 'c.pub'), file, EXAMPLE.crnn]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`not signed by a trusted key \\(signed by: ${escape(a.id)}\\)`));
  });

  test('a file signed by the trainer (python3 -m fraudscore_trainer sign) loads here', { skip: trainerSigns() }, async () => {
    const file = path.join(tmp, 'trainer-signed.fsmodel');
    writeFileSync(file, model);
    writeFileSync(path.join(tmp, 'b.key'), `${toHex(b.seed)}\n`, { mode: 0o600 });
    execFileSync('/usr/bin/python3', ['-m', 'fraudscore_trainer', 'sign', '--signing-key', path.join(tmp, 'b.key'), file],
      { cwd: path.join(REPO, 'trainer'), stdio: 'pipe' });
    const signed = new Uint8Array(readFileSync(file));
    const [inner, sigs] = openEnvelope(signed);
    assert.deepEqual(inner, model);
    assert.deepEqual(sigs.map((s) => s.keyId), [b.id]);
    const m = await loadModel(signed, { trustedKeys: [a.hex, b.hex] });
    assert.deepEqual([m.info.signed, m.info.signatureVerified, m.info.signedKeyId], [true, true, b.id]);
    m.dispose();
    await assertRejects(loadModel(signed, { trustedKeys: [a.hex] }), 'signature', new RegExp(`signed by: ${b.id}`));
  });
});
