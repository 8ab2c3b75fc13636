// Benchmark of the invoke path: POST /fn/:name through the real gateway process (invocation
// log on, PGlite) driven by autocannon, beside the limit — raw `session.run` in-process on the
// same model and input — and a bare Hono JSON echo (the HTTP ceiling of this machine). ONNX
// models run in worker processes: the worker round trip is measured alone too, and so is what
// a slow model does to a fast one's latency beside it.
// Usage: npm run bench --workspace gateway  [-- --duration 8]
//        [--baseline <dir of another gateway build> --baseline-name "…" --rounds 3]
// With a baseline (another build of the gateway, e.g. an earlier commit's `dist/`), each round
// runs both gateways in turn and the report gives the ratios round by round.
import { treeCpuMs } from './process-cpu.mjs';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { keepAlivePoster, percentile, sequentialLatencies } from './http-post.mjs';
import { waitFor, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const duration = Number(arg('duration', 8));
const baselineDir = arg('baseline');
const baselineName = arg('baseline-name', baselineDir);
const rounds = Number(arg('rounds', baselineDir ? 3 : 1));
const fixture = join(gatewayDir, 'test/fixtures/onnx/classifier_zipmap.onnx');
const expected = JSON.parse(
  await readFile(join(gatewayDir, 'test/fixtures/onnx/classifier_zipmap.expected.json'), 'utf8'),
);
const record = expected.records[0];

function startProcess(args, env, cwd = gatewayDir) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { child, out: () => out };
}

async function load(url, opts) {
  const result = await autocannon({ url, duration, ...opts });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
  };
}

// Concurrency 1 with sub-millisecond resolution (autocannon rounds latencies to whole ms):
// one keep-alive connection, one request at a time.
async function sequential(url, { body, headers }, { warmUp = 500 } = {}) {
  const poster = keepAlivePoster(url, headers);
  const lat = await sequentialLatencies(() => poster.post(body), { seconds: duration, warmUp });
  poster.close();
  return {
    rps: lat.length / duration,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    total: lat.length,
  };
}

/**
 * An in-process call measured as the HTTP paths are: 2,000 warm-up calls, then sequential
 * calls for `duration` seconds (rate, p50, p99), then 32 in flight (rate).
 */
async function inProcess(call) {
  const lat = await sequentialLatencies(() => call(), { seconds: duration, warmUp: 2000 });
  const seq = { rps: lat.length / duration, p50: percentile(lat, 50), p99: percentile(lat, 99) };
  let done = 0;
  const stopAt = performance.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < stopAt) {
        await call();
        done++;
      }
    }),
  );
  return { seq, c32: { rps: done / duration } };
}

// 1. The limit: raw session.run, same model, same single record, sequential and 32 in flight.
async function rawSessionRun() {
  const session = await ort.InferenceSession.create(fixture);
  const name = session.inputNames[0];
  const values = Object.values(record).flat();
  const feeds = () => ({
    [name]: new ort.Tensor('float32', Float32Array.from(values), [1, values.length]),
  });
  const fetches = session.outputNames.filter(
    (_, i) => session.outputMetadata[i]?.isTensor !== false,
  );
  const result = await inProcess(() => session.run(feeds(), fetches));
  await session.release();
  return result;
}

// 2. The HTTP ceiling: a bare Hono JSON echo on @hono/node-server.
async function honoEcho() {
  const port = 18700 + Math.floor(Math.random() * 200);
  const p = startProcess(['bench/hono-echo.mjs'], { PORT: String(port) });
  await waitFor(`http://127.0.0.1:${port}/`);
  const body = JSON.stringify(record);
  const opts = { method: 'POST', body, headers: { 'content-type': 'application/json' } };
  const c1 = await sequential(`http://127.0.0.1:${port}/`, opts);
  const c32 = await load(`http://127.0.0.1:${port}/`, { ...opts, connections: 32 });
  p.child.kill('SIGTERM');
  return { c1, c32 };
}

// A deployment that keeps its worker busy: a matrix of SLOW_SIZE² times itself (about a
// quarter of a second on one core), one onnxruntime thread so that a core stays for the rest.
const SLOW_SIZE = 2000;
function slowModel() {
  const { onnx } = onnxProto;
  const T = onnx.TensorProto.DataType;
  const value = (name, elemType, dims) => ({
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  });
  const node = (opType, input, output, attribute = []) => ({
    name: output[0],
    opType,
    input,
    output,
    attribute,
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'slow',
        input: [value('size', T.INT64, ['N', 2])],
        output: [value('total', T.FLOAT, ['N', 1])],
        node: [
          node(
            'ReduceMax',
            ['size'],
            ['shape'],
            [
              { name: 'axes', ints: [0], type: 7 },
              { name: 'keepdims', i: 0, type: 2 },
            ],
          ),
          node('ConstantOfShape', ['shape'], ['zeros']),
          node('MatMul', ['zeros', 'zeros'], ['product']),
          node('ReduceSum', ['product'], ['total']),
        ],
      },
    }),
  ).finish();
}

// 3. The ONNX runtime without HTTP: the worker round trip (records out, predictions back).
async function workerRoundTrip() {
  const { onnxRuntimeFactory, OnnxWorkers } = await import('../dist/runtimes/onnx/index.js');
  const workers = new OnnxWorkers();
  const bytes = await readFile(fixture);
  const runtime = onnxRuntimeFactory({ workers }).create({
    name: 'iris',
    version: 1,
    artifact: { path: fixture, sha256: 'bench', size: bytes.byteLength },
    pool: 'cpu',
    config: {},
  });
  await runtime.load();
  const result = await inProcess(() => runtime.predict([record], { requestId: 'bench' }));
  await runtime.unload();
  await workers.close();
  return result;
}

// 4. Slipway: a gateway process (this one's build or the baseline's), invocation log on.
async function slipway(dir) {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
  const port = 18900 + Math.floor(Math.random() * 90);
  const token = 'sa_bench-admin-token-000000000';
  const p = startProcess(
    ['dist/index.js'],
    { SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PORT: String(port), SLIPWAY_ADMIN_TOKEN: token },
    dir,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/api/health`);
  const publish = async (name, bytes, config = {}) => {
    const form = new FormData();
    form.set('name', name);
    form.set('config', JSON.stringify(config));
    form.set('file', new Blob([bytes]), `${name}.onnx`);
    const res = await fetch(`${base}/api/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    if (res.status !== 201) throw new Error(`publish ${name}: ${res.status} ${await res.text()}`);
    return (await res.json()).invokeKey;
  };
  const invokeOpts = (key, body) => ({
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  });
  const opts = invokeOpts(await publish('iris', await readFile(fixture)), record);
  await load(`${base}/fn/iris`, { ...opts, connections: 8, duration: 2 }); // warm-up
  let cpu = await treeCpuMs(p.child.pid);
  const c1 = await sequential(`${base}/fn/iris`, opts);
  c1.cpuUs = (1000 * ((await treeCpuMs(p.child.pid)) - cpu)) / c1.total;
  cpu = await treeCpuMs(p.child.pid);
  const c32 = await load(`${base}/fn/iris`, { ...opts, connections: 32 });
  c32.cpuUs = (1000 * ((await treeCpuMs(p.child.pid)) - cpu)) / c32.total;

  // The same one-at-a-time client on iris while another client keeps a slow model busy.
  const slowKey = await publish('slow', slowModel(), { threads: 1, timeoutSeconds: 600 });
  const slowOpts = invokeOpts(slowKey, { size: [SLOW_SIZE, SLOW_SIZE] });
  const slowPoster = keepAlivePoster(`${base}/fn/slow`, slowOpts.headers);
  await slowPoster.post(slowOpts.body);
  let slowCalls = 0;
  let busy = true;
  const slowLoop = (async () => {
    while (busy) {
      await slowPoster.post(slowOpts.body);
      slowCalls++;
    }
  })();
  // No warm-up (iris is warm): the slow calls counted are those of the timed seconds.
  const beside = await sequential(`${base}/fn/iris`, opts, { warmUp: 0 });
  const slowInWindow = slowCalls;
  busy = false;
  await slowLoop;
  slowPoster.close();

  const metrics = await (
    await fetch(`${base}/api/deployments/iris/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).json();
  p.child.kill('SIGTERM');
  await new Promise((r) => p.child.on('exit', r));
  await rm(dataDir, { recursive: true, force: true });
  return { c1, c32, beside, slowCalls: slowInWindow, logged: metrics.count };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load1 = loadavg()[0];
const raw = await rawSessionRun();
const worker = await workerRoundTrip();
const echo = await honoEcho();
const runs = [];
const baseRuns = [];
for (let r = 0; r < rounds; r++) {
  // Taking turns, so that the other work on this machine weighs on both alike.
  if (baselineDir && r % 2 === 1) baseRuns.push(await slipway(baselineDir));
  runs.push(await slipway(gatewayDir));
  if (baselineDir && r % 2 === 0) baseRuns.push(await slipway(baselineDir));
}
const load2 = loadavg()[0];
const med = (list, pick) => median(list.map(pick));
const gw = {
  c1: {
    rps: med(runs, (x) => x.c1.rps),
    p50: med(runs, (x) => x.c1.p50),
    p99: med(runs, (x) => x.c1.p99),
  },
  c32: {
    rps: med(runs, (x) => x.c32.rps),
    p50: med(runs, (x) => x.c32.p50),
    p99: med(runs, (x) => x.c32.p99),
  },
  beside: { p50: med(runs, (x) => x.beside.p50), p99: med(runs, (x) => x.beside.p99) },
  cpu1: med(runs, (x) => x.c1.cpuUs),
  cpu32: med(runs, (x) => x.c32.cpuUs),
  slowCalls: med(runs, (x) => x.slowCalls),
  logged: runs.reduce((a, x) => a + x.logged, 0),
};

const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const x = (n) => `${f(n, 2)}×`;
const range = (xs) => `${x(Math.min(...xs))}–${x(Math.max(...xs))}`;
let report = `## ONNX invoke path

Made by \`npm run bench --workspace gateway\` (bench/invoke.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${duration} s per run${rounds > 1 ? `, ${rounds} rounds (Slipway figures are medians over rounds)` : ''}.
Model: \`classifier_zipmap.onnx\` (StandardScaler + LogisticRegression on iris, skl2onnx default
export with ZipMap), one record per request. The gateway runs as its own process on PGlite with
the invocation log on, and the model in an ONNX worker process of its deployment; autocannon
runs in the benchmark process on the same cores. Load average (1 min) before and after:
${f(load1, 2)} and ${f(load2, 2)} (other work shares this machine; read ratios, not absolutes).

### Invoke path vs. the limit (raw \`session.run\` in-process)

| | requests/s | p50 latency | p99 latency |
|---|---:|---:|---:|
| raw \`session.run\`, sequential | ${f(raw.seq.rps)} | ${f(raw.seq.p50, 3)} ms | ${f(raw.seq.p99, 3)} ms |
| ONNX runtime, worker round trip (no HTTP), sequential | ${f(worker.seq.rps)} | ${f(worker.seq.p50, 3)} ms | ${f(worker.seq.p99, 3)} ms |
| bare Hono JSON echo, concurrency 1 | ${f(echo.c1.rps)} | ${f(echo.c1.p50, 3)} ms | ${f(echo.c1.p99, 3)} ms |
| Slipway \`POST /fn/iris\`, concurrency 1 | ${f(gw.c1.rps)} | ${f(gw.c1.p50, 3)} ms | ${f(gw.c1.p99, 3)} ms |
| raw \`session.run\`, 32 in flight | ${f(raw.c32.rps)} | | |
| ONNX runtime, worker round trip (no HTTP), 32 in flight | ${f(worker.c32.rps)} | | |
| Slipway \`POST /fn/iris\`, concurrency 32 | ${f(gw.c32.rps)} | ${f(gw.c32.p50, 2)} ms | ${f(gw.c32.p99, 2)} ms |
| bare Hono JSON echo, concurrency 32 (HTTP ceiling) | ${f(echo.c32.rps)} | | |

- Slipway at concurrency 32: **${f(gw.c32.rps)} requests/s**, ${f((100 * gw.c32.rps) / echo.c32.rps, 1)} % of the bare-Hono ceiling
  and ${f((100 * gw.c32.rps) / raw.c32.rps, 1)} % of raw \`session.run\` throughput. Target: ≥ 5,000 requests/s.
- p50 overhead of the HTTP path over raw \`session.run\` at concurrency 1: **${f(gw.c1.p50 - raw.seq.p50, 3)} ms**
  (client round trip included; target < 0.5 ms). Of that, a bare Hono echo round trip on the
  same client costs ${f(echo.c1.p50, 3)} ms and the worker round trip ${f(worker.seq.p50 - raw.seq.p50, 3)} ms, so Slipway's other work (auth,
  validation, log) adds ${f(gw.c1.p50 - worker.seq.p50 - echo.c1.p50, 3)} ms. Concurrency-1 figures come from a sequential keep-alive client with
  sub-millisecond timing; concurrency-32 figures from autocannon.
- CPU time per call, the gateway process and its ONNX worker together: ${f(gw.cpu1)} µs at
  concurrency 1, ${f(gw.cpu32)} µs at concurrency 32 (from /proc; steadier than latency on a shared machine).
- Invocations written to the log during the runs: ${f(gw.logged)} (every call recorded).

### A fast model beside a slow one

The concurrency-1 client on iris again, while a second client keeps another deployment busy:
a ${SLOW_SIZE}×${SLOW_SIZE} MatMul (\`config.threads: 1\`), one call after another (${f(gw.slowCalls)} slow calls answered in the ${duration} s).

| iris, concurrency 1 | p50 latency | p99 latency |
|---|---:|---:|
| alone | ${f(gw.c1.p50, 3)} ms | ${f(gw.c1.p99, 3)} ms |
| beside the slow model | ${f(gw.beside.p50, 3)} ms | ${f(gw.beside.p99, 3)} ms |

- p99 beside the slow model ÷ alone: **${x(gw.beside.p99 / gw.c1.p99)}** (p50: ${x(gw.beside.p50 / gw.c1.p50)}); per round ${runs.map((r) => x(r.beside.p99 / r.c1.p99)).join(', ')}.
`;
if (baselineDir) {
  const b = {
    c1p50: med(baseRuns, (r) => r.c1.p50),
    c1p99: med(baseRuns, (r) => r.c1.p99),
    c32: med(baseRuns, (r) => r.c32.rps),
    besideP99: med(baseRuns, (r) => r.beside.p99),
    slowCalls: med(baseRuns, (r) => r.slowCalls),
    cpu1: med(baseRuns, (r) => r.c1.cpuUs),
    cpu32: med(baseRuns, (r) => r.c32.cpuUs),
  };
  const per = (pick) => runs.map((r, i) => pick(r) / pick(baseRuns[i]));
  report += `
### Against ${baselineName}

The same gateway measurements on ${baselineName} (\`--baseline\`), the two taking turns, ${rounds} rounds;
a ratio is this build ÷ the baseline in the same round, median and (min–max).

| | this build | baseline | ratio |
|---|---:|---:|---:|
| concurrency 1, p50 | ${f(gw.c1.p50, 3)} ms | ${f(b.c1p50, 3)} ms | **${x(median(per((r) => r.c1.p50)))}** (${range(per((r) => r.c1.p50))}) |
| concurrency 1, p99 | ${f(gw.c1.p99, 3)} ms | ${f(b.c1p99, 3)} ms | **${x(median(per((r) => r.c1.p99)))}** (${range(per((r) => r.c1.p99))}) |
| concurrency 32, requests/s | ${f(gw.c32.rps)} | ${f(b.c32)} | **${x(median(per((r) => r.c32.rps)))}** (${range(per((r) => r.c32.rps))}) |
| CPU per call, concurrency 1 (gateway and workers) | ${f(gw.cpu1)} µs | ${f(b.cpu1)} µs | **${x(median(per((r) => r.c1.cpuUs)))}** (${range(per((r) => r.c1.cpuUs))}) |
| CPU per call, concurrency 32 (gateway and workers) | ${f(gw.cpu32)} µs | ${f(b.cpu32)} µs | **${x(median(per((r) => r.c32.cpuUs)))}** (${range(per((r) => r.c32.cpuUs))}) |
| iris p99 beside the slow model | ${f(gw.beside.p99, 3)} ms | ${f(b.besideP99, 3)} ms | **${x(median(per((r) => r.beside.p99)))}** (${range(per((r) => r.beside.p99))}) |
| slow calls answered meanwhile | ${f(gw.slowCalls)} | ${f(b.slowCalls)} | |
`;
}
await writeSection('invoke', report);
console.log(report);
