// Memory at scale: many deployments (mixed ONNX, PMML and pickle) on one gateway process, with
// the replica memory budget (SLIPWAY_REPLICA_MEMORY_MB) and without it (every replica kept warm,
// as minReplicas asks). RSS of the gateway and of every worker process it started is measured
// before publishing, after publishing, after calling each deployment once, and after they have
// been idle; then each is called again and the cold starts are timed.
// Usage: npm run build --workspace gateway && node bench/many-deployments.mjs
//        [-- --count 1000 --budget 1024 --idle 20 --unbudgeted-count 60]
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_TOKEN, startGatewayProcess, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const COUNT = Number(arg('count', '1000'));
const BUDGET_MB = Number(arg('budget', '1024'));
const IDLE_SECONDS = Number(arg('idle', '20'));
/** Without a budget every replica stays warm: this many deployments fit the machine. */
const UNBUDGETED_COUNT = Number(arg('unbudgeted-count', '60'));
const PARALLEL = 4;
const python = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-python.ts'], {
  cwd: gatewayDir,
  encoding: 'utf8',
}).trim();

/** The models, in turn: an ONNX classifier, a PMML tree, a pickled pipeline. */
const fixture = (path) => join(gatewayDir, 'test/fixtures', path);
const MODELS = [
  { format: 'onnx', file: fixture('onnx/classifier_nozipmap.onnx') },
  { format: 'pmml', file: fixture('pmml/nyoka_decision_tree.pmml') },
  { format: 'pickle', file: fixture('pickle/decision_tree.pkl') },
];
for (const m of MODELS) {
  m.bytes = await readFile(m.file);
  m.record = JSON.parse(
    await readFile(m.file.replace(/\.[a-z]+$/, '.expected.json'), 'utf8'),
  ).records[0];
}

/** RSS of `pid` and every process below it, MiB. */
async function treeRssMb(pid) {
  const children = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const rss = async (p) => {
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
  let gateway = 0;
  let total = 0;
  let processes = 0;
  const walk = async (p, depth) => {
    const r = await rss(p);
    if (depth === 0) gateway = r;
    total += r;
    processes++;
    for (const c of children.get(p) ?? []) await walk(c, depth + 1);
  };
  await walk(pid, 0);
  return { gateway, total, processes };
}

/** Runs `work(i)` for i in 0..n-1, `PARALLEL` at a time. */
async function each(n, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function scenario(label, budgetMb, count) {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-many-'));
  const { child, base } = await startGatewayProcess({
    cwd: gatewayDir,
    args: ['dist/index.js'],
    dataDir,
    python,
    portBase: 19300,
    env: budgetMb === undefined ? {} : { SLIPWAY_REPLICA_MEMORY_MB: String(budgetMb) },
  });
  const admin = { authorization: `Bearer ${BENCH_TOKEN}` };
  const keys = [];
  const rows = {};
  const measure = async (when) => (rows[when] = await treeRssMb(child.pid));
  try {
    await measure('before');
    const started = performance.now();
    await each(count, async (i) => {
      const m = MODELS[i % MODELS.length];
      const form = new FormData();
      form.set('name', `m${i}`);
      form.set('config', JSON.stringify({ idleSeconds: IDLE_SECONDS }));
      form.set('file', new Blob([m.bytes]), m.file.split('/').pop());
      const res = await fetch(`${base}/api/deployments`, {
        method: 'POST',
        headers: admin,
        body: form,
      });
      if (res.status !== 201) throw new Error(`publish m${i}: ${res.status} ${await res.text()}`);
      keys[i] = (await res.json()).invokeKey;
    });
    const publishSeconds = (performance.now() - started) / 1000;
    await measure('published');
    const call = async (i) => {
      const m = MODELS[i % MODELS.length];
      const t = performance.now();
      const res = await fetch(`${base}/fn/m${i}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys[i]}`, 'content-type': 'application/json' },
        body: JSON.stringify(m.record),
      });
      if (res.status !== 200) throw new Error(`call m${i}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      return {
        ms: performance.now() - t,
        cold: res.headers.get('x-slipway-cold-start') === 'true',
      };
    };
    await each(count, call);
    await measure('called once');
    // Idle: past idleSeconds every replica above minReplicas has stopped.
    await new Promise((r) => setTimeout(r, (IDLE_SECONDS + 5) * 1000));
    await measure('idle');
    const cold = [];
    const warm = [];
    await each(count, async (i) => {
      const r = await call(i);
      (r.cold ? cold : warm).push(r.ms);
    });
    await measure('called again');
    return { label, budgetMb, count, rows, publishSeconds, cold, warm };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

const results = [await scenario('with budget', BUDGET_MB, COUNT)];
if (UNBUDGETED_COUNT > 0) results.push(await scenario('no budget', undefined, UNBUDGETED_COUNT));

const f = (x) => (x === undefined ? '—' : x.toFixed(0));
const ms = (xs) =>
  xs.length ? `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 95).toFixed(1)}` : '—';
const table = results
  .flatMap((r) =>
    Object.entries(r.rows).map(
      ([when, m]) =>
        `| ${r.label}${r.budgetMb ? ` (${r.budgetMb} MiB)` : ''}, ${r.count} deployments | ${when} | ${f(m.gateway)} | ${f(m.total)} | ${m.processes} |`,
    ),
  )
  .join('\n');
const calls = results
  .map(
    (r) =>
      `| ${r.label}, ${r.count} deployments | ${r.publishSeconds.toFixed(0)} s | ${r.cold.length} | ${ms(r.cold)} | ${ms(r.warm)} |`,
  )
  .join('\n');
const [budgeted, unbudgeted] = results;
// Without a budget, what each deployment keeps once idle (its workers), scaled to COUNT.
const perDeployment = unbudgeted
  ? (unbudgeted.rows.idle.total - unbudgeted.rows.before.total) / unbudgeted.count
  : undefined;
const ratio =
  perDeployment === undefined
    ? ''
    : `\n\nWithout a budget each deployment keeps about ${perDeployment.toFixed(1)} MiB once idle (its ONNX worker; pickles scale to zero), so ${COUNT} would keep about ${f(budgeted.rows.before.total + perDeployment * COUNT)} MiB${budgeted.rows.before.total + perDeployment * COUNT > totalmem() / 2 ** 20 ? ', more than this machine has' : ''}. With the budget, ${COUNT} idle deployments hold **${f(budgeted.rows.idle.total)} MiB**: **${((budgeted.rows.before.total + perDeployment * COUNT) / budgeted.rows.idle.total).toFixed(1)}×** less.`;
// What the loaded replicas really took, beside the budget their estimates were held to.
const busy = budgeted.rows['called once'];
const overshoot =
  `Loaded replicas while the 1000 were called took ${f(busy.total - busy.gateway)} MiB of RSS for a budget of ${BUDGET_MB} MiB of estimates: the estimates are per format, not measured per replica.`.replace(
    '1000',
    String(COUNT),
  );
await writeSection(
  'many-deployments',
  `## Memory at scale: ${COUNT} deployments on one gateway

${COUNT} deployments published in turn as ONNX (\`classifier_nozipmap.onnx\`, a worker process per
deployment), PMML (\`nyoka_decision_tree.pmml\`, in the gateway) and pickle (\`decision_tree.pkl\`, a
Python worker per replica), each with \`idleSeconds: ${IDLE_SECONDS}\` and the default
\`minReplicas\` (1 for ONNX and PMML on \`cpu\`, 0 for pickle). RSS in MiB, of the gateway
process and of it with every process below it. ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'},
${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.

| gateway | when | gateway RSS | with workers | processes |
| --- | --- | ---: | ---: | ---: |
${table}

| gateway | publishing | cold starts after idle | cold ms p50 / p95 | warm ms p50 / p95 |
| --- | --- | ---: | ---: | ---: |
${calls}${ratio}

${overshoot}

The bound: with a budget of B MiB, replicas kept loaded are stopped least recently used first
once their estimated memory passes B (estimates per format in \`src/pools/replica-budget.ts\`),
so what stays loaded when all are idle is at most B MiB of estimate plus the gateway itself;
the first call to a stopped one is a cold start, counted and timed above.`,
);
console.log(table);
console.log(calls);
