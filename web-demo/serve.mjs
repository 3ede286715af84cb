#!/usr/bin/env node
// Serve the fraudscore web demo:  node web-demo/serve.mjs [--port 8080] [--host 127.0.0.1]
//
// The server assembles a folder of exactly what the page needs and serves only
// that folder (nothing else from the repository):
//
//   /                              web-demo/public/* (index.html, app.mjs, style.css, ...)
//   /pkg/fraudscore.mjs            wasm/fraudscore.mjs (the npm package's ES module)
//   /pkg/dist/fraudscore-*.wasm    wasm/dist/fraudscore-{simd,baseline}.wasm
//   /model/crnn-on-device.fsmodel  models/crnn-on-device.fsmodel
//   /model/trusted-key.pub         keys/fraudscore-test.pub (the public key the page trusts: the TEST key)
//   /model/validation_curve.json   models/crnn-on-device-report/validation_curve.json
//   /data/sample.csv               examples/transactions.csv
//
// Static files are served by `sirv`; every response carries a Content-Security-Policy
// that lets the page reach its own origin only, so the browser itself refuses any
// attempt to send data elsewhere.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');

// Fixed URL path -> repository file.
const FILES = {
  'pkg/fraudscore.mjs': 'wasm/fraudscore.mjs',
  'pkg/dist/fraudscore-simd.wasm': 'wasm/dist/fraudscore-simd.wasm',
  'pkg/dist/fraudscore-baseline.wasm': 'wasm/dist/fraudscore-baseline.wasm',
  'model/crnn-on-device.fsmodel': 'models/crnn-on-device.fsmodel',
  'model/trusted-key.pub': 'keys/fraudscore-test.pub',
  'model/validation_curve.json': 'models/crnn-on-device-report/validation_curve.json',
  'data/sample.csv': 'examples/transactions.csv',
};

const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function parseArgs(argv) {
  const args = { port: 8080, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port' || a.startsWith('--port=')) {
      args.port = Number(value());
      if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) usage('--port must be 0..65535');
    } else if (a === '--host' || a.startsWith('--host=')) {
      args.host = value();
    } else if (a === '-h' || a === '--help') {
      usage();
    } else {
      usage(`unknown argument: ${a}`);
    }
  }
  return args;
}

function usage(error) {
  const text = 'usage: node web-demo/serve.mjs [--port 8080] [--host 127.0.0.1]   (--port 0: any free port)';
  if (error) {
    console.error(`serve.mjs: ${error}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

function assemble() {
  const missing = Object.values(FILES).filter((f) => !fs.existsSync(path.join(REPO, f)));
  if (missing.length) {
    console.error(`serve.mjs: missing ${missing.join(', ')}`);
    if (missing.some((f) => f.startsWith('wasm/dist/'))) {
      console.error('serve.mjs: build the WebAssembly package first: bash scripts/build-wasm.sh --no-tests');
    }
    process.exit(1);
  }
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'fraudscore-web-demo-'));
  fs.cpSync(path.join(HERE, 'public'), site, { recursive: true });
  for (const [to, from] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(site, to)), { recursive: true });
    fs.copyFileSync(path.join(REPO, from), path.join(site, to));
  }
  return site;
}

const args = parseArgs(process.argv.slice(2));
const site = assemble();
const cleanup = () => fs.rmSync(site, { recursive: true, force: true });
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(0));

const serveStatic = sirv(site, {
  dev: false,
  etag: true,
  dotfiles: false,
  setHeaders(res, pathname) {
    if (pathname.endsWith('.fsmodel')) res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-cache');
  },
});

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  serveStatic(req, res, () => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': CSP });
    res.end('not found\n');
  });
});

server.listen(args.port, args.host, () => {
  const { port } = server.address();
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  console.log(`fraudscore web demo: http://${host}:${port}/`);
  console.log('(scoring runs in the page in WebAssembly; this server only hands out static files)');
});
