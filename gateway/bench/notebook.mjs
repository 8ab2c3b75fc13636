// Benchmark of notebook calls: a trivial parameterised notebook through the gateway, its kernels
// forked from a zygote (SLIPWAY_KERNEL_START=fork, the default) beside each started as a new
// interpreter (exec, as jupyter_client starts them), in interleaved rounds; and the papermill CLI
// on the same notebook (what a user would run instead). Each round of each mode: calls one at a
// time, 4 callers as fast as they go, and an open loop of 20 calls/s, counting the calls that
// found no warm kernel and the CPU per call of the gateway with its worker, zygote and kernels.
// Usage: npm run bench:notebook --workspace gateway [-- --rounds 3]   (needs the worker venv, a build)
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeCpuMs } from './process-cpu.mjs';
import { BENCH_TOKEN, startGatewayProcess, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const notebook = join(gatewayDir, 'test/fixtures/notebooks/trivial.ipynb');
const python = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-python.ts'], {
  cwd: gatewayDir,
  encoding: 'utf8',
}).trim();
const papermill = join(dirname(python), 'papermill');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 3);
const SEQUENTIAL = 20;
const CLI_RUNS = 8;
const PARALLEL = 4;
const PARALLEL_SECONDS = arg('seconds', 10);
const OPEN_RATE = 20;
const OPEN_SECONDS = arg('seconds', 10);
const MODES = ['fork', 'exec'];

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => pct(sorted(xs), 50);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU ticks of the whole machine: [idle, total], from /proc/stat. */
async function machineTicks() {
  const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const ticks = cpu.split(/\s+/).slice(1).map(Number);
  return [ticks[3] + ticks[4], ticks.reduce((a, b) => a + b, 0)];
}

/**
 * Waits (up to a minute) until the machine has been ≥ 90 % idle for a second: what the last
 * round left running (kernels still being killed, an open loop's tail) stays out of the next.
 */
async function quiet() {
  for (let i = 0; i < 60; i++) {
    const [idle0, total0] = await machineTicks();
    await sleep(1000);
    const [idle1, total1] = await machineTicks();
    if ((idle1 - idle0) / (total1 - total0) >= 0.9) return;
  }
}

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
await rm(tmp, { recursive: true, force: true });

// 2. Slipway: a gateway process per mode and round, its notebook kept 4 warm kernels.
async function startGateway(mode) {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-nbbench-gw-'));
  const { child, base } = await startGatewayProcess({
    cwd: gatewayDir,
    args: ['dist/index.js'],
    dataDir,
    python,
    portBase: 19100,
    env: { SLIPWAY_KERNEL_START: mode },
  });
  const form = new FormData();
  form.set('name', 'trivial');
  form.set(
    'config',
    JSON.stringify({
      warmKernels: PARALLEL,
      maxConcurrency: 2 * PARALLEL,
      queueSize: 1000,
      timeoutSeconds: 120,
    }),
  );
  form.set('file', new Blob([await readFile(notebook)]), 'trivial.ipynb');
  const created = await (
    await fetch(`${base}/api/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_TOKEN}` },
      body: form,
    })
  ).json();
  const invoke = async (x) => {
    const t = performance.now();
    const res = await fetch(`${base}/fn/trivial`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.invokeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ x }),
    });
    const body = await res.json();
    if (res.status !== 200 || body.outputs?.[0] !== x + 1)
      throw new Error(`status ${res.status}: ${JSON.stringify(body)}`);
    return {
      ms: performance.now() - t,
      cold: res.headers.get('x-slipway-cold-start') === 'true',
      durationMs: body.durationMs,
    };
  };
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  };
  return { invoke, stop, pid: child.pid };
}

/** CPU (gateway, worker, zygote, kernels: reaped ones too) per call over `fn`'s calls. */
async function measured(gateway, fn) {
  const cpu0 = await treeCpuMs(gateway.pid);
  const calls = await fn();
  const cpu = (await treeCpuMs(gateway.pid)) - cpu0;
  return { calls, cpuPerCall: cpu / calls.length };
}

/** `n` calls one at a time, as a user would click, 300 ms apart (the pool refills between). */
async function sequential(gateway, n) {
  const calls = [];
  for (let i = 0; i < n; i++) {
    calls.push(await gateway.invoke(i));
    await sleep(300);
  }
  return calls;
}

/** `callers` calling back to back for `seconds`. */
async function parallel(gateway, callers, seconds) {
  const calls = [];
  const stopAt = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async (_, k) => {
      while (performance.now() < stopAt) calls.push(await gateway.invoke(k));
    }),
  );
  return calls;
}

/** An open loop: a call every 1/rate s for `seconds`, whether or not the last has answered. */
async function openLoop(gateway, rate, seconds) {
  const pending = [];
  const start = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(gateway.invoke(i));
  }
  return Promise.all(pending);
}

const results = Object.fromEntries(MODES.map((m) => [m, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) {
    await quiet();
    const gateway = await startGateway(mode);
    await gateway.invoke(0); // the worker started and the pool filled at least once
    await sleep(3000);
    const load = loadavg()[0];
    const seq = await measured(gateway, () => sequential(gateway, SEQUENTIAL));
    await sleep(1000);
    const t = performance.now();
    const par = await measured(gateway, () => parallel(gateway, PARALLEL, PARALLEL_SECONDS));
    const parSeconds = (performance.now() - t) / 1000;
    await sleep(2000);
    const open = await measured(gateway, () => openLoop(gateway, OPEN_RATE, OPEN_SECONDS));
    await gateway.stop();
    results[mode].push({ seq, par, parSeconds, open, load });
    console.log(
      `round ${round + 1} ${mode}: sequential p50 ${median(seq.calls.map((c) => c.ms)).toFixed(1)} ms, ` +
        `${PARALLEL} callers ${(par.calls.length / parSeconds).toFixed(1)} calls/s (${par.cpuPerCall.toFixed(0)} ms CPU/call), ` +
        `open loop ${open.calls.filter((c) => c.cold).length} cold of ${open.calls.length}, load ${load.toFixed(2)}`,
    );
  }
}

const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const all = (mode, pick) => results[mode].flatMap(pick);
const perRound = (mode, value) => results[mode].map(value);
function row(label, value, digits, unit = '') {
  const [a, b] = MODES.map((m) => median(perRound(m, value)));
  const ratios = results.fork.map((r, i) => value(r) / value(results.exec[i]));
  const range = `${f(Math.min(...ratios), 2)}×–${f(Math.max(...ratios), 2)}×`;
  return `| ${label} | ${f(a, digits)}${unit} | ${f(b, digits)}${unit} | **${f(a / b, 2)}×** (${range}) |`;
}
const lat = (p, pick) => (r) => pct(sorted(pick(r).calls.map((c) => c.ms)), p);
const c = sorted(cli);
const openCalls = (mode) => all(mode, (r) => r.open.calls);
const report = `## Notebook calls

Made by \`npm run bench:notebook --workspace gateway\` (bench/notebook.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. Notebook: \`trivial.ipynb\` (a parameters
cell and one output cell, ~1 ms of work), published with 4 warm kernels. Each call runs on a fresh kernel that
is killed after it. The gateway runs as its own process on PGlite, once per mode and round:
kernels **forked** from a zygote that has imported ipykernel (\`SLIPWAY_KERNEL_START=fork\`, the default) or
each **started** as a new interpreter (\`exec\`, as jupyter_client starts them), ${ROUNDS} interleaved rounds;
medians of the rounds, the ratio's range over the rounds in brackets. Each round starts once the machine
has been ≥ 90 % idle for a second. Load average at the start of each round:
${MODES.map((m) => `${m} ${perRound(m, (r) => r.load.toFixed(2)).join(', ')}`).join('; ')}.

| | forked | started | forked ÷ started |
|---|---:|---:|---:|
${row(
  'one call at a time, p50',
  lat(50, (r) => r.seq),
  1,
  ' ms',
)}
${row(
  'one call at a time, p95',
  lat(95, (r) => r.seq),
  1,
  ' ms',
)}
${row(`${PARALLEL} callers, calls/s`, (r) => r.par.calls.length / r.parSeconds, 1)}
${row(`${PARALLEL} callers, CPU per call (gateway, worker, zygote, kernels)`, (r) => r.par.cpuPerCall, 0, ' ms')}
${row(
  `${OPEN_RATE} calls/s for ${OPEN_SECONDS} s, p50`,
  lat(50, (r) => r.open),
  1,
  ' ms',
)}
${row(
  `${OPEN_RATE} calls/s for ${OPEN_SECONDS} s, p99`,
  lat(99, (r) => r.open),
  1,
  ' ms',
)}
| ${OPEN_RATE} calls/s: calls that waited for a kernel to start | ${openCalls('fork').filter((x) => x.cold).length} of ${openCalls('fork').length} | ${openCalls('exec').filter((x) => x.cold).length} of ${openCalls('exec').length} | |
| one call at a time: calls that waited for a kernel | ${all('fork', (r) => r.seq.calls).filter((x) => x.cold).length} of ${all('fork', (r) => r.seq.calls).length} | ${all('exec', (r) => r.seq.calls).filter((x) => x.cold).length} of ${all('exec', (r) => r.seq.calls).length} | |
| \`papermill\` CLI, p50 (${CLI_RUNS} runs, a new process and kernel each) | ${f(pct(c, 50))} ms | | |
`;
await writeSection('notebook', report);
console.log(report);
