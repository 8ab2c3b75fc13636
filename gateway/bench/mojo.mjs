// Benchmark of H2O MOJO serving: POST /fn/:name through the real gateway process (JVM worker,
// invocation log on, PGlite) beside the floor — the same MOJO scored by h2o-genmodel's
// EasyPredictModelWrapper in a plain Java loop, as a Java service embedding it would — and a
// bare Hono JSON echo (the HTTP ceiling of this machine). Answers are checked against H2O's own
// predictions before anything is timed.
// With `--h2o-python <python with the h2o package>` (see test/fixtures/mojo/make_mojo.py for such a
// venv) it also times what a data scientist would call from a notebook: H2O's own predict over its
// REST API (a local H2O cluster with the MOJO imported; a one-row frame uploaded, predicted and
// read back per call).
// Usage: npm run build --workspace gateway && npm run bench:mojo --workspace gateway
//        [-- --duration 8 --connections 32 --h2o-python /tmp/h2o-venv/bin/python]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { checkJava, ensureJvmWorkerJar, JAR_BUILD_ARGS } from '../dist/runtimes/mojo/java-env.js';
import { mojoRuntimeFactory, MojoWorker } from '../dist/runtimes/mojo/index.js';
import { keepAlivePoster, percentile, sequentialLatencies } from './http-post.mjs';
import { buildScoringLoop, runScoringLoop } from './mojo/scoring-loop.mjs';
import { waitFor, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const duration = arg('duration', 8);
const h2oPythonArg = process.argv.indexOf('--h2o-python');
const h2oPython = h2oPythonArg > 0 ? process.argv[h2oPythonArg + 1] : undefined;
const connections = arg('connections', 32);
const MODEL = 'gbm_binomial';
const mojo = join(gatewayDir, `test/fixtures/mojo/${MODEL}.zip`);
const expected = JSON.parse(
  await readFile(join(gatewayDir, `test/fixtures/mojo/${MODEL}.expected.json`), 'utf8'),
);
const records = expected.records;
const work = await mkdtemp(join(tmpdir(), 'slipway-bench-mojo-'));

function start(command, args, env = {}) {
  const child = spawn(command, args, {
    cwd: gatewayDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', r));
  return { child, out: () => out, exited };
}

/** Concurrency 1 on one keep-alive connection, timed to the microsecond; the records in turn. */
async function sequential(url, headers) {
  const poster = keepAlivePoster(url, headers);
  const bodies = records.map((r) => JSON.stringify(r));
  const lat = await sequentialLatencies((i) => poster.post(bodies[i % bodies.length]), {
    seconds: duration,
    warmUp: 1000,
  });
  poster.close();
  const at = (p) => percentile(lat, p);
  return { rps: lat.length / duration, p50: at(50), p95: at(95), p99: at(99) };
}

/** autocannon at `connections`, cycling through the records. */
async function loaded(url, headers, seconds = duration) {
  const result = await autocannon({
    url,
    duration: seconds,
    connections,
    requests: records.map((r) => ({
      method: 'POST',
      body: JSON.stringify(r),
      headers: { ...headers, 'content-type': 'application/json' },
    })),
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p95: result.latency.p97_5 };
}

// 1. The floor: h2o-genmodel in a plain Java loop, one row per call (bench/jvm-mojo).
async function javaLoop(classpath) {
  const rows = join(work, 'records.json');
  await writeFile(rows, JSON.stringify(records));
  return runScoringLoop(classpath, mojo, rows, duration, cpus().length);
}

// What a notebook user has without Slipway: H2O's predict through its REST API, one record a call.
const H2O_REST = `
import json, sys, time, h2o
mojo, rows, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
h2o.init(nthreads=-1, max_mem_size="1G", port=54411, verbose=False)
h2o.no_progress()
model = h2o.import_mojo(mojo)
records = json.load(open(rows))
types = {"age": "real", "income": "real", "city": "enum", "plan": "enum"}
cols = list(types)
def once(r):
    f = h2o.H2OFrame({c: [r.get(c)] for c in cols}, column_names=cols, column_types=types, na_strings=[""])
    return h2o.as_list(model.predict(f), use_pandas=False)
for i in range(5): once(records[i % len(records)])
lat, i, end = [], 0, time.time() + seconds
while time.time() < end:
    t = time.perf_counter(); once(records[i % len(records)]); lat.append((time.perf_counter() - t) * 1000); i += 1
lat.sort()
h2o.cluster().shutdown()
print(json.dumps({"calls": len(lat), "p50": lat[len(lat) // 2], "p95": lat[int(len(lat) * 0.95)], "version": h2o.__version__}))
`;

async function h2oRest() {
  const rows = join(work, 'records.json');
  const p = start(h2oPython, ['-c', H2O_REST, mojo, rows, String(Math.max(duration, 10))]);
  const code = await p.exited;
  if (code !== 0) throw new Error(`H2O REST predict failed:\n${p.out()}`);
  return JSON.parse(p.out().trim().split('\n').pop());
}

// Between the two: Slipway's MOJO runtime called in-process (no HTTP, no validation, no log),
// i.e. the JSON-lines hop to the JVM worker and back plus scoring.
async function runtimeHop() {
  const worker = new MojoWorker({ log: () => {} });
  const bytes = await readFile(mojo);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const spec = {
    name: 'bench',
    version: 1,
    artifact: { path: mojo, sha256, size: bytes.byteLength, filename: `${MODEL}.zip` },
    pool: 'cpu',
    // The records hold levels the model never saw: scored as missing, as in the fixture.
    config: expected.config ?? {},
  };
  const runtime = mojoRuntimeFactory({ worker }).create(spec, {});
  await runtime.load();
  const lat = await sequentialLatencies(
    (i) => runtime.predict([records[i % records.length]], { requestId: 'bench' }),
    { seconds: duration, warmUp: 5000 },
  );
  await runtime.unload();
  await worker.stop();
  return { rps: lat.length / duration, p50: percentile(lat, 50), p95: percentile(lat, 95) };
}

// 2. The HTTP ceiling: a bare Hono JSON echo on @hono/node-server.
async function honoEcho() {
  const port = 18700 + Math.floor(Math.random() * 200);
  const p = start(process.execPath, ['bench/hono-echo.mjs'], { PORT: String(port) });
  await waitFor(`http://127.0.0.1:${port}/`);
  const url = `http://127.0.0.1:${port}/`;
  const headers = { 'content-type': 'application/json' };
  const c1 = await sequential(url, headers);
  const cN = await loaded(url, headers);
  p.child.kill('SIGTERM');
  await p.exited;
  return { c1, cN };
}

/** Rows whose served answer differs from H2O's (label exactly, numbers 1e-9 relative). */
function differing(predictions) {
  const close = (a, b) => typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.abs(b);
  return predictions.filter((p, i) => {
    const want = expected.predictions[i];
    if (p.label !== want.label) return true;
    return Object.entries(want.probabilities).some(([c, v]) => !close(p.probabilities[c], v));
  }).length;
}

// 3. Slipway: the gateway process, invocation log on.
async function slipway() {
  const dataDir = join(work, 'data');
  const port = 18900 + Math.floor(Math.random() * 90);
  const token = 'sa_bench-admin-token-000000000';
  const p = start(process.execPath, ['dist/index.js'], {
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_PORT: String(port),
    SLIPWAY_ADMIN_TOKEN: token,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/api/health`);
  const form = new FormData();
  form.set('name', 'churn');
  if (expected.config) form.set('config', JSON.stringify(expected.config));
  form.set('file', new Blob([await readFile(mojo)]), `${MODEL}.zip`);
  const t0 = performance.now();
  const res = await fetch(`${base}/api/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const publishMs = performance.now() - t0;
  const created = await res.json();
  if (res.status !== 201) throw new Error(`publish failed: ${JSON.stringify(created)}\n${p.out()}`);
  const headers = {
    'content-type': 'application/json',
    authorization: `Bearer ${created.invokeKey}`,
  };
  const url = `${base}/fn/churn`;
  const batch = await (
    await fetch(url, { method: 'POST', headers, body: JSON.stringify(records) })
  ).json();
  const wrong = differing(batch.predictions);
  if (wrong > 0) throw new Error(`${wrong} rows differ from H2O's predictions`);
  await loaded(url, headers, 3); // warm-up: JIT in the worker, V8 in the gateway
  const c1 = await sequential(url, headers);
  const cN = await loaded(url, headers);
  const metrics = await (
    await fetch(`${base}/api/deployments/churn/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).json();
  p.child.kill('SIGTERM');
  await p.exited;
  return { c1, cN, publishMs, logged: metrics.count };
}

await checkJava('java');
const loadBefore = loadavg()[0];
const buildStart = performance.now();
await ensureJvmWorkerJar({ log: (l) => console.error(l) });
const buildSeconds = (performance.now() - buildStart) / 1000;
const loop = await buildScoringLoop();
const floor = await javaLoop(loop.classpath);
const rest = h2oPython ? await h2oRest() : undefined;
const hop = await runtimeHop();
const echo = await honoEcho();
const gw = await slipway();
await rm(work, { recursive: true, force: true });
const loadAfter = loadavg()[0];

const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const floorP50 = floor.p50Us / 1000;
const floorP95 = floor.p95Us / 1000;
const report = `## H2O MOJO invoke path

Made by \`npm run bench:mojo --workspace gateway\` (bench/mojo.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, Java ${floor.java}, ${duration} s per run.
Model: \`${MODEL}.zip\` (H2O GBM, 20 trees of depth 4, binomial, two numeric and two categorical
columns), one record per request, cycling through the fixture's ${records.length} records (missing
values and an unknown level included). The gateway runs as its own process on PGlite with the
invocation log on and the MOJO in its JVM worker; autocannon runs in the benchmark process, all on
the same ${cpus().length} cores. Before timing, Slipway's answers to every record were checked
against H2O's in-cluster predictions (1e-9 relative): 0 rows differ.

| | calls/s | p50 latency | p95 latency |
|---|---:|---:|---:|
| h2o-genmodel in a plain Java loop, sequential (the floor) | ${f(floor.seqPerSec)} | ${f(floorP50, 4)} ms | ${f(floorP95, 4)} ms |
${rest ? `| H2O's own predict over its REST API (h2o ${rest.version} Python client), sequential | ${f(rest.calls / Math.max(duration, 10), 1)} | ${f(rest.p50, 1)} ms | ${f(rest.p95, 1)} ms |\n` : ''}| Slipway's MOJO runtime in-process, sequential (worker round trip, no HTTP) | ${f(hop.rps)} | ${f(hop.p50, 3)} ms | ${f(hop.p95, 3)} ms |
| bare Hono JSON echo, concurrency 1 | ${f(echo.c1.rps)} | ${f(echo.c1.p50, 3)} ms | ${f(echo.c1.p95, 3)} ms |
| Slipway \`POST /fn/churn\`, concurrency 1 | ${f(gw.c1.rps)} | ${f(gw.c1.p50, 3)} ms | ${f(gw.c1.p95, 3)} ms |
| h2o-genmodel in a plain Java loop, ${floor.threads} threads | ${f(floor.parallelPerSec)} | | |
| Slipway \`POST /fn/churn\`, concurrency ${connections} | ${f(gw.cN.rps)} | ${f(gw.cN.p50, 2)} ms | ${f(gw.cN.p95, 2)} ms (p97.5) |
| bare Hono JSON echo, concurrency ${connections} (HTTP ceiling) | ${f(echo.cN.rps)} | | |

- Latency at concurrency 1: Slipway's p50 is **${f(gw.c1.p50 / floorP50, 0)}×** the Java loop's
  (${f(gw.c1.p50, 3)} ms vs ${f(floorP50, 4)} ms), and **${f(gw.c1.p50 / echo.c1.p50, 1)}×** a bare Hono echo round trip.
  Of Slipway's p50, the echo round trip (HTTP, JSON, client) is ${f(echo.c1.p50, 3)} ms and scoring ${f(floorP50, 4)} ms;
  the rest, ${f(gw.c1.p50 - echo.c1.p50 - floorP50, 3)} ms, is Slipway's own work, of which the JSON-lines round trip to
  the JVM worker (measured in-process) is ${f(hop.p50 - floorP50, 3)} ms; auth, validation, routing and the invocation
  log take the remainder, and on 2 shared cores so does waking three processes (client, gateway,
  JVM) per call.
${
  rest
    ? `- Against H2O's own predict from a notebook (upload a one-row frame, predict, read back): Slipway's
  p50 is **${f(rest.p50 / gw.c1.p50, 0)}× lower** (${f(gw.c1.p50, 3)} ms vs ${f(rest.p50, 1)} ms).
`
    : ''
}- Throughput at concurrency ${connections}: **${f(gw.cN.rps)} calls/s**, ${f((100 * gw.cN.rps) / echo.cN.rps, 1)} % of the bare-Hono
  ceiling and ${f((100 * gw.cN.rps) / floor.parallelPerSec, 2)} % of the Java loop on ${floor.threads} threads (which does no I/O at all).
- Publish (cold JVM start, MOJO read, signature): ${f(gw.publishMs)} ms. Invocations logged during the
  runs: ${f(gw.logged)}. Load average (1 min) before and after: ${f(loadBefore, 2)} and ${f(loadAfter, 2)}
  on ${cpus().length} cores (other work shares this machine; read ratios, not absolutes). Worker jar: ${buildSeconds < 1 ? 'already built' : `built in ${f(buildSeconds, 1)} s`} (\`mvn ${JAR_BUILD_ARGS.join(' ')}\`).
`;
// Formatted as the repository's Prettier would (RESULTS.md is checked by `npm run lint`).
await writeSection('mojo', report);
console.log(report);
