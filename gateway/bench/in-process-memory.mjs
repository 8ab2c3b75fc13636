// Memory of each additional idle in-process deployment (issue 20, goal 4: ≤ 1 MiB each): PMML
// models, which are scored in the gateway's own process. One built gateway process on its
// embedded database: one deployment published and called, then `count` more, each called once;
// after each step the gateway is left idle for a while and its RSS (and the database process's,
// apart) is read. The difference over the additional deployments is what each one keeps.
// Usage: npm run bench:in-process-memory --workspace gateway [-- --count 200 --rounds 3]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeRss } from './peers/measure.mjs';
import { BENCH_TOKEN, startGatewayProcess, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const COUNT = arg('count', 200);
const ROUNDS = arg('rounds', 3);
const SETTLE_MS = 5000;
const model = join(gatewayDir, 'test/fixtures/pmml/nyoka_decision_tree.pmml');
const bytes = await readFile(model);
const record = JSON.parse(await readFile(model.replace(/\.pmml$/, '.expected.json'), 'utf8'))
  .records[0];

/** The gateway's RSS and its database process's (everything below it), MiB. */
async function memory(pid) {
  const { byRole } = await treeRss(pid, (_, isRoot) => (isRoot ? 'gateway' : 'children'));
  return { gateway: byRole.gateway ?? 0, children: byRole.children ?? 0 };
}

async function round() {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-inproc-'));
  const { child, base } = await startGatewayProcess({
    cwd: gatewayDir,
    args: ['dist/index.js'],
    dataDir,
    portBase: 19500,
  });
  const admin = { authorization: `Bearer ${BENCH_TOKEN}` };
  const publishAndCall = async (name) => {
    const form = new FormData();
    form.set('name', name);
    form.set('file', new Blob([bytes]), 'model.pmml');
    const res = await fetch(`${base}/api/deployments`, {
      method: 'POST',
      headers: admin,
      body: form,
    });
    const created = await res.json();
    if (res.status !== 201) throw new Error(`publish ${name}: ${JSON.stringify(created)}`);
    const call = await fetch(`${base}/fn/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.invokeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(record),
    });
    if (call.status !== 200) throw new Error(`call ${name}: ${await call.text()}`);
  };
  const settled = async () => {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return memory(child.pid);
  };
  await publishAndCall('tree-0');
  const one = await settled();
  for (let i = 1; i <= COUNT; i++) await publishAndCall(`tree-${i}`);
  const many = await settled();
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  await rm(dataDir, { recursive: true, force: true });
  return { one, many };
}

const rounds = [];
for (let i = 0; i < ROUNDS; i++) {
  rounds.push(await round());
  const r = rounds.at(-1);
  console.log(
    `round ${i + 1}: gateway ${r.one.gateway.toFixed(0)} → ${r.many.gateway.toFixed(0)} MiB, database ${r.one.children.toFixed(0)} → ${r.many.children.toFixed(0)} MiB`,
  );
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const per = (side) => rounds.map((r) => (r.many[side] - r.one[side]) / COUNT);
const f = (n, d = 2) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const range = (xs) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
const gatewayPer = per('gateway');
const report = `## Memory of each additional in-process deployment

Made by \`npm run bench:in-process-memory --workspace gateway\` (gateway/bench/in-process-memory.mjs) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${ROUNDS} rounds.
A built gateway process on its embedded database: one PMML deployment (\`nyoka_decision_tree.pmml\`, scored in the
gateway's own process) published and called once, then ${COUNT} more, each published and called once; RSS read
after ${SETTLE_MS / 1000} s idle each time. Medians (min–max) over rounds, MiB:

| | with 1 deployment | with ${COUNT + 1} | per additional deployment |
|---|---:|---:|---:|
| gateway | ${f(median(rounds.map((r) => r.one.gateway)), 0)} | ${f(median(rounds.map((r) => r.many.gateway)), 0)} | **${f(median(gatewayPer))}** (${range(gatewayPer)}) |
| embedded database process | ${f(median(rounds.map((r) => r.one.children)), 0)} | ${f(median(rounds.map((r) => r.many.children)), 0)} | ${f(median(per('children')))} (${range(per('children'))}) |

- Goal 4 of issue 20, ≤ 1 MiB per additional idle in-process deployment (the gateway's process):
  **${median(gatewayPer) <= 1 ? 'met' : 'not met'}** (${f(median(gatewayPer))} MiB).
`;
await writeSection('in-process-memory', report);
console.log(report);
