// Single records from 32 concurrent callers on the ONNX iris model, with and without
// micro-batching (`config.batching`), beside a bare Hono JSON echo (the HTTP ceiling), in the
// same rounds (issue "Faster than every peer", goal 3). One built gateway process (PGlite, log
// on, as it ships) serves both deployments; each round takes the three in turn, rotating.
// Usage: npm run bench:micro-batching --workspace gateway [-- --rounds 3 --duration 8
//        --max-records 64] [--no-write]  (without it, writes the section `micro-batching`)
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gateway, loadCalls } from './monitoring-log-inputs.mjs';
import { waitFor, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', 3));
const duration = Number(arg('duration', 8));
const maxRecords = Number(arg('max-records', 64));
const CONNECTIONS = 32;
const TOKEN = 'sa_bench-admin-token-000000000';

const record = JSON.parse(
  await readFile(join(gatewayDir, 'test/fixtures/onnx/classifier_zipmap.expected.json'), 'utf8'),
).records[0];
const body = JSON.stringify(record);

async function startEcho() {
  const port = 19900 + Math.floor(Math.random() * 90);
  const child = spawn(process.execPath, ['bench/hono-echo.mjs'], {
    cwd: gatewayDir,
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitFor(url);
  return { url, pid: child.pid, headers: {}, stop: () => child.kill('SIGTERM') };
}

async function publishBatched(g) {
  const form = new FormData();
  form.set('name', 'iris-batched');
  form.set('config', JSON.stringify({ batching: { maxRecords } }));
  form.set(
    'file',
    new Blob([await readFile(join(gatewayDir, 'test/fixtures/onnx/classifier_zipmap.onnx'))]),
    'iris.onnx',
  );
  const res = await fetch(`${g.base}/api/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: form,
  });
  if (res.status !== 201) throw new Error(`publish: ${res.status} ${await res.text()}`);
  return (await res.json()).invokeKey;
}

const measure = (side) =>
  loadCalls({ url: side.url, headers: side.headers, pid: side.pid, body, duration });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const range = (xs, d = 0) =>
  `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;

const started = new Date();
const load = [loadavg()[0]];
const echo = await startEcho();
const g = await gateway(join(gatewayDir, 'dist'), true);
const figures = { echo: [], plain: [], batched: [] };
try {
  const batchedKey = await publishBatched(g);
  const sides = [
    { key: 'echo', ...echo },
    {
      key: 'plain',
      url: `${g.base}/fn/iris`,
      pid: g.pid,
      headers: { authorization: `Bearer ${g.key}` },
    },
    {
      key: 'batched',
      url: `${g.base}/fn/iris-batched`,
      pid: g.pid,
      headers: { authorization: `Bearer ${batchedKey}` },
    },
  ];
  for (let r = 0; r < rounds; r++) {
    for (const side of sides.map((_, i) => sides[(i + r) % sides.length])) {
      const m = await measure(side);
      figures[side.key].push(m);
      console.error(`round ${r + 1}, ${side.key}: ${fmt(m.rps)} requests/s`);
    }
  }
} finally {
  echo.stop();
  await g.stop();
}
load.push(loadavg()[0]);

const share = (key) => figures[key].map((m, i) => m.rps / figures.echo[i].rps);
const rows = [
  ['bare Hono JSON echo (the HTTP ceiling)', 'echo'],
  ['Slipway, iris ONNX', 'plain'],
  [`Slipway, iris ONNX, \`config.batching: {maxRecords: ${maxRecords}}\``, 'batched'],
].map(([label, key]) => {
  const f = figures[key];
  const pct =
    key === 'echo'
      ? '100 %'
      : `${range(
          share(key).map((x) => 100 * x),
          1,
        )} %`;
  return `| ${label} | ${range(f.map((m) => m.rps))} | ${pct} | ${range(f.map((m) => m.p50))} | ${range(f.map((m) => m.p99))} | ${fmt(median(f.map((m) => m.cpuUs)))} |`;
});
const best = Math.max(median(share('plain')), median(share('batched')));
const markdown = `## Single records at 32 callers, with and without micro-batching

Made by \`npm run bench:micro-batching --workspace gateway\` (bench/micro-batching.mjs) on ${started.toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}; load average (1 min) before and
after: ${load.map((x) => x.toFixed(2)).join(' and ')} (shared cores: read ratios, not absolutes).

One built gateway process (\`node dist/index.js\`, PGlite, the log keeping inputs, as it ships)
serving \`classifier_zipmap.onnx\` twice, as \`iris\` and as \`iris-batched\` (published with
\`config.batching\`); beside it a bare Hono JSON echo (bench/hono-echo.mjs). Autocannon, ${CONNECTIONS}
connections, one iris record per request, ${duration} s after a 2 s warm-up; ${rounds} rounds, the three
taking turns to go first; medians (min–max) over rounds. CPU per request: the serving process
tree's (the gateway, its database and ONNX worker; the echo's process), from /proc.

| side | requests/s | of the echo | p50 ms | p99 ms | CPU µs per request |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

- Goal, ONNX at 32 callers ≥ 40 % of the bare Hono echo in the same run: best
  ${fmt(100 * best, 1)} %: ${best >= 0.4 ? '**met**' : '**not met**'}.
- Micro-batching ÷ without, requests/s by round: ${figures.batched.map((m, i) => (m.rps / figures.plain[i].rps).toFixed(2)).join(', ')}.
`;
console.log(markdown);
if (!process.argv.includes('--no-write')) await writeSection('micro-batching', markdown);
