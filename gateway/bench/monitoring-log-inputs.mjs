// The ONNX invoke path with the invocation log keeping inputs (SLIPWAY_LOG_INPUTS=true, the
// default) and without (false), side by side: in each round one gateway process of each kind
// runs in turn (the order alternating from round to round), takes a warm-up, then autocannon
// at concurrency 32. Two bodies: one iris record per call (bench/invoke.mjs's), and a batch of
// 100 records per call, where keeping the inputs (and the monitor's feature columns) weighs most.
// Usable alone: node bench/monitoring-log-inputs.mjs [--dist <dir>] [--baseline <dir>]
//   [--records 1|100] [--rounds 4] [--duration 8]
import { treeCpuMs } from './process-cpu.mjs';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { waitFor } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = join(gatewayDir, 'test/fixtures/onnx/classifier_zipmap.onnx');
const TOKEN = 'sa_bench-admin-token-000000000';

/**
 * Starts the gateway of `dist` with the log keeping inputs or not (and `env` besides), and
 * publishes the iris model; answers its URL, the model's key, its pid and `stop`.
 */
export async function gateway(dist, logInputs, env = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-log-'));
  const port = 19100 + Math.floor(Math.random() * 800);
  const child = spawn(process.execPath, [join(dist, 'index.js')], {
    cwd: dirname(dist),
    env: {
      ...process.env,
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_PORT: String(port),
      SLIPWAY_ADMIN_TOKEN: TOKEN,
      SLIPWAY_LOG_INPUTS: String(logInputs),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${base}/api/health`);
  } catch (e) {
    child.kill('SIGTERM');
    throw new Error(`${e.message}: ${err}`);
  }
  const form = new FormData();
  form.set('name', 'iris');
  form.set('config', '{}');
  form.set('file', new Blob([await readFile(fixture)]), 'iris.onnx');
  const res = await fetch(`${base}/api/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: form,
  });
  if (res.status !== 201) throw new Error(`publish: ${res.status} ${await res.text()}`);
  const key = (await res.json()).invokeKey;
  return {
    base,
    key,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Autocannon on `url` (POST `body` with `headers`) from `connections` callers: a 2 s warm-up,
 * then `duration` s measured. Answers requests/s, their total, p50 and p99 (ms), and the CPU of
 * the process tree of `pid` per request (µs).
 */
export async function loadCalls({ url, headers, pid, body, duration, connections = 32 }) {
  const opts = {
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    connections,
  };
  await autocannon({ ...opts, duration: 2 });
  const cpu = await treeCpuMs(pid);
  const r = await autocannon({ ...opts, duration });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
  return {
    rps: r.requests.average,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuUs: (1000 * ((await treeCpuMs(pid)) - cpu)) / r.requests.total,
  };
}

const measure = (g, body, duration) =>
  loadCalls({
    url: `${g.base}/fn/iris`,
    headers: { authorization: `Bearer ${g.key}` },
    pid: g.pid,
    body,
    duration,
  });

/**
 * Rounds of (log inputs on, off) for each body; with a `baseline` build (another gateway's dist,
 * e.g. the one before a change), its two modes run in the same rounds, so that machine noise
 * falls on all four alike. The order rotates from round to round. Answers per body the
 * per-round figures of each mode (and the baseline's as `baselineOn`, `baselineOff`).
 */
export async function logInputsSideBySide({
  dist,
  baseline,
  rounds = 4,
  duration = 8,
  only,
  log = console.error,
}) {
  const expected = JSON.parse(
    await readFile(join(gatewayDir, 'test/fixtures/onnx/classifier_zipmap.expected.json'), 'utf8'),
  );
  const record = expected.records[0];
  const records = expected.records;
  const batch = Array.from({ length: 100 }, (_, i) => records[i % records.length]);
  const bodies = [
    { name: '1 record per call', records: 1, body: JSON.stringify(record) },
    { name: '100 records per call', records: 100, body: JSON.stringify(batch) },
  ].filter((b) => only === undefined || b.records === only);
  const kinds = [
    { key: 'on', dist, logInputs: true },
    { key: 'off', dist, logInputs: false },
    ...(baseline
      ? [
          { key: 'baselineOn', dist: baseline, logInputs: true },
          { key: 'baselineOff', dist: baseline, logInputs: false },
        ]
      : []),
  ];
  const out = [];
  for (const b of bodies) {
    const figures = Object.fromEntries(kinds.map((k) => [k.key, []]));
    for (let r = 0; r < rounds; r++) {
      const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]);
      for (const k of order) {
        const g = await gateway(k.dist, k.logInputs);
        try {
          const m = await measure(g, b.body, duration);
          figures[k.key].push(m);
          log(`${k.key}, ${b.name}, round ${r + 1}: ${m.rps.toFixed(0)} calls/s`);
        } finally {
          await g.stop();
        }
      }
    }
    out.push({ ...b, body: undefined, ...figures });
  }
  return { rounds, duration, bodies: out };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const result = await logInputsSideBySide({
    dist: resolve(arg('dist', join(gatewayDir, 'dist'))),
    baseline: arg('baseline') && resolve(arg('baseline')),
    only: arg('records') && Number(arg('records')),
    rounds: Number(arg('rounds', 4)),
    duration: Number(arg('duration', 8)),
  });
  console.log(JSON.stringify(result, null, 2));
}
