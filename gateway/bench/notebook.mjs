// Benchmark of notebook calls: a trivial parameterised notebook through the gateway with warm
// kernels, beside the papermill CLI on the same notebook (what a user would run instead), and
// the throughput of parallel calls.
// Usage: npm run bench:notebook --workspace gateway   (needs the worker venv: npm run python)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const notebook = join(gatewayDir, 'test/fixtures/notebooks/trivial.ipynb');
const python = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-python.ts'], {
  cwd: gatewayDir,
  encoding: 'utf8',
}).trim();
const papermill = join(dirname(python), 'papermill');
const CALLS = 60;
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

// 2. Slipway: the gateway process with warm kernels.
const port = 19100 + Math.floor(Math.random() * 200);
const token = 'sa_bench-admin-token-000000000';
const child = spawn(process.execPath, ['dist/index.js'], {
  cwd: gatewayDir,
  env: {
    ...process.env,
    SLIPWAY_DATA_DIR: tmp,
    SLIPWAY_PORT: String(port),
    SLIPWAY_ADMIN_TOKEN: token,
    SLIPWAY_PYTHON: python,
  },
  stdio: 'ignore',
});
const base = `http://127.0.0.1:${port}`;
await waitFor(`${base}/api/health`);
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
  return res.headers.get('x-slipway-cold-start') === 'true';
};
await new Promise((r) => setTimeout(r, 5000)); // let the warm pool fill
const gw = [];
let cold = 0;
for (let i = 0; i < CALLS; i++) {
  const t = performance.now();
  if (await invoke(i)) cold++;
  gw.push(performance.now() - t);
  // One call at a time, as a user would click; the pool refills between calls.
  await new Promise((r) => setTimeout(r, 300));
}
let done = 0;
const stopAt = performance.now() + PARALLEL_SECONDS * 1000;
await Promise.all(
  Array.from({ length: PARALLEL }, async (_, k) => {
    while (performance.now() < stopAt) {
      await invoke(k);
      done++;
    }
  }),
);
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
await rm(tmp, { recursive: true, force: true });

const c = summary(cli);
const g = summary(gw);
const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
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
`;
await writeSection('notebook', report);
console.log(report);
