// Runs Prism (mock or proxy) for spec/contract_spec.lua behind a recording
// tap, so the spec sees what went over the wire and what Prism said of it:
//   node prism.js mock  SPEC
//   node prism.js proxy SPEC UPSTREAM
// Prints "CONTRACT_LISTENING <tap url>" once Prism listens. The tap forwards
// everything to Prism unchanged and keeps one record per exchange:
//   GET /__contract/exchanges   -> [{method, url, request_type, request_body
//          (base64), status, response_type, desktop_version, response_start
//          (non-2xx answers), violations}]
//   DELETE /__contract/exchanges   forget them
// violations: Prism's sl-violations header (mock: request violations, any
// severity; proxy with --errors: response violations) plus the validation
// list of a Prism problem+json answer (proxy: request violations, or a route
// the spec does not have). Ends Prism and itself on SIGTERM/SIGINT/SIGHUP,
// when CONTRACT_PARENT (a pid) is gone, or when Prism exits.
'use strict';
const http = require('http');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');

const [mode, spec, upstream] = process.argv.slice(2);
if (!['mock', 'proxy'].includes(mode) || !spec || (mode === 'proxy') !== !!upstream) {
  console.error('usage: node prism.js mock SPEC | proxy SPEC UPSTREAM');
  process.exit(2);
}
const BODY_KEEP = 1 << 20; // request bytes kept per exchange, for the wire checks

let prism = null;
let exiting = false;
function shutdown(code) {
  if (exiting) return;
  exiting = true;
  if (prism && prism.exitCode === null && prism.signalCode === null) {
    prism.once('exit', () => process.exit(code));
    prism.kill('SIGTERM');
    setTimeout(() => { prism.kill('SIGKILL'); process.exit(code); }, 2000).unref();
  } else {
    process.exit(code);
  }
}
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => shutdown(0));

// The Lua process that started us: when it is gone, so are we.
const parent = Number(process.env.CONTRACT_PARENT);
if (parent > 0) {
  setInterval(() => {
    try { process.kill(parent, 0); } catch (e) { shutdown(0); }
  }, 250).unref();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function startPrism(port) {
  const bin = require.resolve('@stoplight/prism-cli/dist/index.js', { paths: [__dirname] });
  const args = [bin, mode, '-h', '127.0.0.1', '-p', String(port), '--errors', path.resolve(spec)];
  if (mode === 'proxy') args.push(upstream);
  // Single-process Prism (no cluster worker to leave behind); no colours.
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  delete env.NODE_ENV;
  prism = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  prism.on('exit', (code, signal) => {
    if (!exiting) {
      console.error(`prism exited (${signal || code})`);
      shutdown(1);
    }
  });
  prism.stderr.pipe(process.stderr);
  return new Promise(resolve => {
    let seen = '';
    prism.stdout.on('data', chunk => {
      process.stdout.write(chunk);
      if (seen !== null) {
        seen += chunk.toString();
        if (/Prism is listening on/.test(seen)) { seen = null; resolve(); }
      }
    });
  });
}

function violationsOf(headers, type, body) {
  const out = [];
  const header = headers['sl-violations'];
  if (header) {
    try { out.push(...JSON.parse(header)); } catch (e) { out.push({ message: String(header) }); }
  }
  if (/^application\/problem\+json/.test(type || '')) {
    let problem = null;
    try { problem = JSON.parse(body.toString()); } catch (e) { /* not JSON: reported below */ }
    if (problem && /stoplight\.io\/prism\/errors#/.test(problem.type || '')) {
      const listed = problem.validation || [];
      // sl-violations already holds the response ones; keep the rest.
      const known = new Set(out.map(v => JSON.stringify(v.message)));
      for (const v of listed) if (!known.has(JSON.stringify(v.message))) out.push(v);
      if (listed.length === 0) out.push({ code: problem.type, message: `${problem.title}: ${problem.detail}` });
    }
  }
  return out;
}

async function main() {
  const port = await freePort();
  await startPrism(port);
  let exchanges = [];
  const tap = http.createServer((req, res) => {
    if (req.url.startsWith('/__contract/exchanges')) {
      if (req.method === 'DELETE') exchanges = [];
      const body = req.method === 'DELETE' ? '{}' : JSON.stringify(exchanges);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const parts = [];
    req.on('data', c => parts.push(c));
    req.on('end', () => {
      const reqBody = Buffer.concat(parts);
      const headers = { ...req.headers };
      delete headers.expect; // the tap has the whole body already
      const fwd = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers },
        answer => {
          const got = [];
          answer.on('data', c => got.push(c));
          answer.on('end', () => {
            const body = Buffer.concat(got);
            const type = answer.headers['content-type'];
            // Recorded before the answer leaves: the spec asks right after.
            exchanges.push({
              method: req.method, url: req.url,
              request_type: req.headers['content-type'] || null,
              request_body: reqBody.subarray(0, BODY_KEEP).toString('base64'),
              status: answer.statusCode, response_type: type || null,
              desktop_version: answer.headers['x-beeper-desktop-version'] || null,
              // What a failed answer said, for the spec's message.
              response_start: answer.statusCode >= 300 ? body.subarray(0, 300).toString() : null,
              violations: violationsOf(answer.headers, type, body),
            });
            res.writeHead(answer.statusCode, answer.rawHeaders);
            res.end(body);
          });
        });
      fwd.on('error', e => {
        exchanges.push({ method: req.method, url: req.url, status: 0, violations: [{ message: `tap: ${e.message}` }] });
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`tap: ${e.message}`);
      });
      fwd.end(reqBody);
    });
  });
  tap.listen(0, '127.0.0.1', () => {
    console.log(`CONTRACT_LISTENING http://127.0.0.1:${tap.address().port}`);
  });
}

main().catch(e => { console.error(e && e.stack || e); shutdown(1); });
