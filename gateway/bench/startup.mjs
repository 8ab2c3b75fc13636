// Start-up benchmark (issue "Faster than every peer", goal 5: a fresh gateway healthy within 1 s,
// and a restarted one's first ONNX or PMML prediction within 1 s; goal 4's idle memory beside).
// A built gateway process (`node dist/index.js`, its embedded database, as it ships), timed from
// the spawn: a fresh data dir until GET /api/health answers 200; then, on that data dir with an
// ONNX model (iris) and a PMML one (the 100-tree GBM) published, a restart until health answers,
// and restarts until the first prediction of each model answers 200. Polled every 5 ms. Memory:
// resident, once the restarted gateway has answered, the gateway and its child processes apart.
// Usage: npm run bench:startup --workspace gateway
//        [-- --rounds 5 --out FILE]
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS } from './batch/inputs.mjs';
import { BENCH_TOKEN, spawnGatewayProcess, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const text = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(text('rounds') ?? 5);
const python = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-python.ts'], {
  cwd: gatewayDir,
  encoding: 'utf8',
}).trim();
const POLL_MS = 5;
const admin = { authorization: `Bearer ${BENCH_TOKEN}` };
const RECORDS = {
  onnx: { X: [5.1, 3.5, 1.4, 0.2] },
  pmml: { area: 120.5, rooms: 4, year: 1990, district: 'north' },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawns a gateway on `dataDir`; answers it with its URL and the spawn time. */
function spawnGateway(dataDir) {
  const started = performance.now();
  const { child, base } = spawnGatewayProcess({
    cwd: gatewayDir,
    args: ['dist/index.js'],
    dataDir,
    python,
    portBase: 21000,
  });
  const exited = new Promise((r) => child.on('exit', r));
  return { child, exited, base, started };
}

/** Milliseconds from the spawn until `request` answers 200. */
async function until(gw, request) {
  for (let i = 0; i < 60_000 / POLL_MS; i++) {
    try {
      const res = await request();
      if (res.status === 200) return performance.now() - gw.started;
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
    await sleep(POLL_MS);
  }
  throw new Error(`${gw.base} did not answer within a minute`);
}

/** Stops a gateway and waits until its embedded database's process is gone too. */
async function stop(gw, dataDir) {
  gw.child.kill('SIGTERM');
  await gw.exited;
  for (let i = 0; i < 600 && (await processesOn(dataDir)).length > 0; i++) await sleep(50);
}

/** Processes whose command line names `dataDir` (the embedded database's). */
async function processesOn(dataDir) {
  const out = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dataDir)) out.push(Number(entry));
  }
  return out;
}

/** Resident MB of `pid` and of each of its children (by command line). */
async function memoryTree(pid) {
  const rss = async (p) => {
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
  const children = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent !== pid) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const role = cmdline.some((a) => a.includes('embedded-database-process'))
      ? 'database'
      : cmdline.some((a) => a.includes('onnx-worker'))
        ? 'ONNX worker'
        : (cmdline[1] ?? cmdline[0] ?? 'child').split('/').pop();
    children.push({ role, mb: await rss(Number(entry)) });
  }
  return { gateway: await rss(pid), children };
}

async function publish(base, name, model) {
  const form = new FormData();
  form.set('name', name);
  form.set('file', new Blob([await readFile(model.artifact)]), model.filename);
  const res = await fetch(`${base}/api/deployments`, {
    method: 'POST',
    headers: admin,
    body: form,
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`publishing ${name}: ${res.status} ${await res.text()}`);
}

const invoke = (gw, name) => () =>
  fetch(`${gw.base}/fn/${name}`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify(RECORDS[name]),
  });
const health = (gw) => () => fetch(`${gw.base}/api/health`);

const runs = [];
const load = [loadavg()[0]];
for (let r = 0; r < rounds; r++) {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-startup-'));
  try {
    const fresh = spawnGateway(dataDir);
    const freshMs = await until(fresh, health(fresh));
    await publish(fresh.base, 'onnx', MODELS.iris);
    await publish(fresh.base, 'pmml', MODELS.gbm);
    await stop(fresh, dataDir);

    const again = spawnGateway(dataDir);
    const restartMs = await until(again, health(again));
    // Settled: what an idle gateway holds with its two models published (none loaded yet).
    await sleep(2000);
    const idle = await memoryTree(again.child.pid);
    await stop(again, dataDir);

    const first = {};
    for (const name of ['onnx', 'pmml']) {
      const gw = spawnGateway(dataDir);
      first[name] = await until(gw, invoke(gw, name));
      await sleep(1000);
      first[`${name}Memory`] = await memoryTree(gw.child.pid);
      await stop(gw, dataDir);
    }
    runs.push({ freshMs, restartMs, idle, ...first });
    console.log(
      `round ${r + 1}/${rounds}: fresh → healthy ${Math.round(freshMs)} ms, restart → healthy ${Math.round(restartMs)} ms, → first ONNX prediction ${Math.round(first.onnx)} ms, → first PMML prediction ${Math.round(first.pmml)} ms`,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
load.push(loadavg()[0]);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (key) => {
  const xs = runs.map((x) => x[key]);
  return `${Math.round(median(xs))} (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;
};
const verdict = (key) => (median(runs.map((x) => x[key])) <= 1000 ? '**met**' : '**not met**');
const mb = (pick) => Math.round(median(runs.map(pick)));
const child = (m, role) => m.children.filter((c) => c.role === role).reduce((t, c) => t + c.mb, 0);

const section = `## Start-up and idle memory

Made by \`npm run bench:startup --workspace gateway\` (gateway/bench/startup.mjs) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version},
${rounds} rounds; load average (1 min) ${load.map((x) => x.toFixed(2)).join(' before and ')} after.
A built gateway process (\`node dist/index.js\`, its embedded database in a fresh data dir, as it
ships), timed from its spawn, polled every ${POLL_MS} ms: until \`GET /api/health\` answers 200 on
a fresh data dir (the database made ready: copied from the build's template when there is one); after publishing an ONNX model (iris,
\`classifier_zipmap.onnx\`) and a PMML one (the 100-tree GBM), a restart until health answers, and
restarts until the first prediction of each answers 200 (the model loaded on that first call).
Medians (min–max) in ms:

| measure | ms | goal ≤ 1,000 ms |
| --- | ---: | --- |
| fresh gateway → healthy | ${ms('freshMs')} | ${verdict('freshMs')} |
| restart → healthy | ${ms('restartMs')} | ${verdict('restartMs')} |
| restart → first ONNX prediction | ${ms('onnx')} | ${verdict('onnx')} |
| restart → first PMML prediction | ${ms('pmml')} | ${verdict('pmml')} |

Resident memory (MB, medians): the restarted gateway idle with both models published, none
loaded, 2 s after it answered: gateway ${mb((x) => x.idle.gateway)}, embedded database
${mb((x) => child(x.idle, 'database'))}. After the first ONNX prediction: gateway
${mb((x) => x.onnxMemory.gateway)}, ONNX worker ${mb((x) => child(x.onnxMemory, 'ONNX worker'))},
database ${mb((x) => child(x.onnxMemory, 'database'))}. After the first PMML prediction (scored in
the gateway's process on the cpu pool): gateway ${mb((x) => x.pmmlMemory.gateway)}, database
${mb((x) => child(x.pmmlMemory, 'database'))}.
`;
const out = text('out');
if (out) await (await import('node:fs/promises')).writeFile(out, section);
else await writeSection('startup', section);
console.log(section);
