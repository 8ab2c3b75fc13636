// Benchmark of notebook calls: a trivial parameterised notebook through the gateway with warm
// kernels, beside the papermill CLI on the same notebook (what a user would run instead), and
// the throughput of parallel calls. With `--baseline <gateway dir>` (another checkout's gateway
// folder, built), the same sequential calls also go to that build, in alternating rounds: what
// a change costs per call.
// Usage: npm run bench:notebook --workspace gateway [-- --baseline <dir>]   (needs the worker venv)
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_TOKEN, startGatewayProcess, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const notebook = join(gatewayDir, 'test/fixtures/notebooks/trivial.ipynb');
const python = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-python.ts'], {
  cwd: gatewayDir,
  encoding: 'utf8',
}).trim();
const papermill = join(dirname(python), 'papermill');
const flag = process.argv.indexOf('--baseline');
const baselineDir = flag > 0 ? process.argv[flag + 1] : undefined;
const CALLS = 60;
const ROUNDS = 3;
const CLI_RUNS = 8;
const PARALLEL = 4;
const PARALLEL_SECONDS = 15;

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (lat) => {
  const s = [...lat].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), n: s.length };
};

// 1. papermill CLI: a new process and a new kernel every run.
const tmp = await mkdtemp(join(tmpdir(), 'slipway-nbbench-'));
const cli = [];
for (let i = 0; i < CLI_RUNS; i++) {
  const t = performance.now();
  execFileSync(
    papermill,
    [notebook, join(tmp, 'out.ipynb'), '-p', 'x', String(i), '--log-level', 'ERROR'],
    { stdio: 'ignore' },
  );
  cli.push(performance.now() - t);
}

// 2. Slipway: a gateway process with warm kernels (this build, and the baseline's if given).
const token = BENCH_TOKEN;
async function startGateway(dir) {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-nbbench-gw-'));
  const { child, base } = await startGatewayProcess({
    cwd: dir,
    args: ['dist/index.js'],
    dataDir,
    python,
    portBase: 19100,
  });
  const form = new FormData();
  form.set('name', 'trivial');
  form.set('config', JSON.stringify({ warmKernels: PARALLEL, maxConcurrency: PARALLEL }));
  form.set('file', new Blob([await readFile(notebook)]), 'trivial.ipynb');
  const created = await (
    await fetch(`${base}/api/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    })
  ).json();
  const invoke = async (x) => {
    const res = await fetch(`${base}/fn/trivial`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.invokeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ x }),
    });
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    const cold = res.headers.get('x-slipway-cold-start') === 'true';
    return { cold, durationMs: (await res.json()).durationMs };
  };
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  };
  // `worker`: the run's own time in the worker (kernel hand-over and cells), as each answers it.
  return { invoke, stop, latencies: [], worker: [], cold: 0 };
}

/** `n` calls one at a time, as a user would click; the pool refills between calls. */
async function sequential(gateway, n) {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const { cold, durationMs } = await gateway.invoke(i);
    gateway.latencies.push(performance.now() - t);
    gateway.worker.push(durationMs);
    if (cold) gateway.cold++;
    await new Promise((r) => setTimeout(r, 300));
  }
}

const current = await startGateway(gatewayDir);
const baseline = baselineDir ? await startGateway(baselineDir) : undefined;
await new Promise((r) => setTimeout(r, 5000)); // let the warm pools fill
for (let round = 0; round < ROUNDS; round++)
  for (const gateway of [current, baseline].filter(Boolean))
    await sequential(gateway, CALLS / ROUNDS);
await baseline?.stop();
let done = 0;
const stopAt = performance.now() + PARALLEL_SECONDS * 1000;
await Promise.all(
  Array.from({ length: PARALLEL }, async (_, k) => {
    while (performance.now() < stopAt) {
      await current.invoke(k);
      done++;
    }
  }),
);
await current.stop();
await rm(tmp, { recursive: true, force: true });

const c = summary(cli);
const g = summary(current.latencies);
const cold = current.cold;
const w = summary(current.worker);
const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
function baselineLine(b) {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: baselineDir,
    encoding: 'utf8',
  }).trim();
  return `- Against the baseline build (commit ${commit}), in ${ROUNDS} alternating rounds of ${CALLS / ROUNDS} calls: p50 ${f(b.p50, 1)} ms, p95 ${f(b.p95, 1)} ms; this build's p50 is **${f(g.p50 - b.p50, 1)} ms** ${g.p50 >= b.p50 ? 'slower' : 'faster'} (${f(g.p50 / b.p50, 2)}×). In the worker (the run's own \`durationMs\`, p50): ${f(w.p50, 1)} ms here, ${f(summary(baseline.worker).p50, 1)} ms in the baseline.\n`;
}
const report = `## Notebook calls

Made by \`npm run bench:notebook --workspace gateway\` (bench/notebook.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. Notebook: \`trivial.ipynb\` (a parameters
cell and one output cell, ~1 ms of work). The gateway runs as its own process on PGlite with warm kernels.

| | runs | p50 latency | p95 latency |
|---|---:|---:|---:|
| \`papermill\` CLI (new process + kernel per run) | ${c.n} | ${f(c.p50)} ms | ${f(c.p95)} ms |
| Slipway \`POST /fn/trivial\`, warm kernels, one call at a time | ${g.n} | ${f(g.p50, 1)} ms | ${f(g.p95, 1)} ms |

- p50 ratio: **${f(c.p50 / g.p50, 1)}× lower** through Slipway than the papermill CLI (target ≥ 10×, and < 100 ms).
  ${cold} of ${g.n} sequential calls found no warm kernel and waited for a start.
- Parallel calls (${PARALLEL} in flight for ${PARALLEL_SECONDS} s, each on a fresh kernel): **${f(done / PARALLEL_SECONDS, 1)} calls/s**.
  Throughput is bound by kernel starts (one fresh kernel per call, for isolation) on 2 cores.
${baseline ? baselineLine(summary(baseline.latencies)) : ''}`;
await writeSection('notebook', report);
console.log(report);
