// What the invocation log costs a call (issue "Faster than every peer", goal 1): the ONNX iris
// model on a built gateway process (PGlite, as it ships), side by side in each round with the
// log keeping inputs and outputs (SLIPWAY_LOG_INPUTS=true, the default), without them (false),
// and keeping them without fsync (SLIPWAY_LOG_SYNC=false: what the disk's flush costs).
// Two measures per side: 1,000-record calls from a few concurrent callers (rows/s, CPU per row
// of the gateway and its processes), and single records from one caller (latency percentiles).
// Beside them, this disk's own fdatasync times, the floor of a durable log's latency.
// Usage: npm run bench:log-cost --workspace gateway [-- --rounds 3 --duration 6 --connections 4]
//        [--no-write]  (without it, writes the section `log-cost` of bench/RESULTS.md)
import { open, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepAlivePoster, percentile, sequentialLatencies } from './http-post.mjs';
import { gateway, loadCalls } from './monitoring-log-inputs.mjs';
import { writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', 3));
const duration = Number(arg('duration', 6));
const connections = Number(arg('connections', 4));
const ROWS = 1000;
const dist = join(gatewayDir, 'dist');

const SIDES = [
  { key: 'on', label: 'log keeps inputs and outputs (as shipped)', logInputs: true, env: {} },
  { key: 'off', label: 'log without inputs and outputs', logInputs: false, env: {} },
  {
    key: 'nosync',
    label: 'log keeps them, no fsync',
    logInputs: true,
    env: { SLIPWAY_LOG_SYNC: 'false' },
  },
];

/** Seeded iris-like records: four measurements each, varied as real inputs are. */
function records(n) {
  let s = 42;
  const next = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const one = (lo, hi) => Math.round((lo + (hi - lo) * next()) * 1000) / 1000;
  return Array.from({ length: n }, () => ({
    X: [one(4.3, 7.9), one(2, 4.4), one(1, 6.9), one(0.1, 2.5)],
  }));
}

async function batchCalls(g, body) {
  const r = await loadCalls({
    url: `${g.base}/fn/iris`,
    headers: { authorization: `Bearer ${g.key}` },
    pid: g.pid,
    body,
    duration,
    connections,
  });
  return { rowsPerSecond: (r.total * ROWS) / duration, cpuUsPerRow: r.cpuUs / ROWS };
}

async function oneCaller(g, body) {
  const poster = keepAlivePoster(`${g.base}/fn/iris`, { authorization: `Bearer ${g.key}` });
  try {
    const times = await sequentialLatencies(() => poster.post(body), {
      seconds: duration,
      warmUp: 300,
    });
    return {
      calls: times.length,
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      p999: percentile(times, 99.9),
    };
  } finally {
    poster.close();
  }
}

/** This disk's fdatasync after a journal-sized append, in ms: p50, p99, p99.9. */
async function fdatasyncTimes(n = 2000) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-fsync-'));
  const file = await open(join(dir, 'journal'), 'w');
  const times = [];
  try {
    const line = `${'x'.repeat(600)}\n`;
    for (let i = 0; i < n; i++) {
      await file.write(line);
      const t = performance.now();
      await file.datasync();
      times.push(performance.now() - t);
    }
  } finally {
    await file.close();
    await rm(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), p999: percentile(times, 99.9) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, digits = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const range = (xs, digits = 0) =>
  `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;

const batchBody = JSON.stringify(records(ROWS));
const singleBody = JSON.stringify(records(1)[0]);
const started = new Date();
const load = [loadavg()[0]];
const disk = await fdatasyncTimes();
const figures = Object.fromEntries(SIDES.map((s) => [s.key, []]));
for (let r = 0; r < rounds; r++) {
  const order = SIDES.map((_, i) => SIDES[(i + r) % SIDES.length]);
  for (const side of order) {
    const g = await gateway(dist, side.logInputs, side.env);
    try {
      const batch = await batchCalls(g, batchBody);
      const single = await oneCaller(g, singleBody);
      figures[side.key].push({ ...batch, ...single, load: loadavg()[0] });
      console.error(
        `round ${r + 1}, ${side.key}: ${fmt(batch.rowsPerSecond)} rows/s, one caller p50 ${fmt(single.p50, 2)} ms p99 ${fmt(single.p99, 2)} ms`,
      );
    } finally {
      await g.stop();
    }
  }
}
load.push(loadavg()[0]);

const ratios = figures.on.map((m, i) => m.rowsPerSecond / figures.off[i].rowsPerSecond);
const on = figures.on;
const p99OverP50 = on.map((m) => m.p99 / m.p50);
const rows = SIDES.map((s) => {
  const f = figures[s.key];
  return `| ${s.label} | ${range(f.map((m) => m.rowsPerSecond))} | ${fmt(median(f.map((m) => m.cpuUsPerRow)), 1)} | ${range(f.map((m) => m.p50 * 1000))} | ${range(f.map((m) => m.p99 * 1000))} | ${range(f.map((m) => m.p999 * 1000))} |`;
});
const met = (ok) => (ok ? '**met**' : '**not met**');
const markdown = `## Invocation log on the request path

Made by \`npm run bench:log-cost --workspace gateway\` (bench/log-cost.mjs) on ${started.toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}; load average (1 min) before and
after: ${load.map((x) => x.toFixed(2)).join(' and ')} (shared cores: read ratios, not absolutes).

The built gateway (\`node dist/index.js\`, PGlite in its own process, a fresh data dir) serving
\`classifier_zipmap.onnx\` (iris; ONNX worker process), started anew for each side in each round; ${rounds}
rounds, the sides taking turns to go first; medians (min–max) over rounds. Per side:
**1,000-record calls**: ${connections} callers (autocannon), ${duration} s after a 2 s warm-up, seeded varied
records; CPU is the gateway's and its processes' (from /proc) per row. **One caller**: single
records one after another on a kept-alive connection, ${duration} s after 300 calls, latency as the
caller sees it (µs).

| side | 1,000-record calls, rows/s | CPU µs per row | one caller p50 µs | p99 µs | p99.9 µs |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

This disk's own \`fdatasync\` after a 600-byte append (what a durable log waits for, 2,000 times):
p50 ${fmt(disk.p50 * 1000)} µs, p99 ${fmt(disk.p99 * 1000)} µs, p99.9 ${fmt(disk.p999 * 1000)} µs.

- Goal, with the log on a 1,000-row request scores at ≥ 90 % of the log-off rows/s: on ÷ off
  ${ratios.map((x) => x.toFixed(2)).join(', ')} by round, median **${median(ratios).toFixed(2)}**: ${met(median(ratios) >= 0.9)}.
- Goal, p99 at one caller ≤ 2 × p50 (log on): p99 ÷ p50 ${p99OverP50.map((x) => x.toFixed(1)).join(', ')} by round,
  median **${median(p99OverP50).toFixed(1)}**: ${met(median(p99OverP50) <= 2)}.
`;
console.log(markdown);
if (!process.argv.includes('--no-write')) await writeSection('log-cost', markdown);
