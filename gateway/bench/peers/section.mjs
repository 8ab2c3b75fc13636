// The `peers` section of bench/RESULTS.md: each side's medians over rounds, Slipway ÷ each peer
// per round (median, min–max), and what they say about issue 20's goals.
import { cpus } from 'node:os';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const x = (n) => `${f(n, 2)}×`;
const spread = (xs) =>
  xs.length > 1
    ? `**${x(median(xs))}** (${x(Math.min(...xs))}–${x(Math.max(...xs))})`
    : `**${x(xs[0])}**`;

/** The measures of the tables: label, how a side's round gives it, digits, which way is better. */
const MEASURES = [
  ['1,000-row requests, 4 callers: rows/s', (m) => m.batch.rowsPerSecond, 0, 'higher'],
  ['… CPU per row (server process tree), µs', (m) => m.batch.cpuUsPerRow, 1, 'lower'],
  ['single records, 32 callers: requests/s', (m) => m.many.perSecond, 0, 'higher'],
  ['… CPU per request, µs', (m) => m.many.cpuUsPerRequest, 0, 'lower'],
  ['single records, 1 caller: p50, ms', (m) => m.one.p50, 2, 'lower'],
  ['… p99, ms', (m) => m.one.p99, 2, 'lower'],
  ['idle RSS after a few calls, MiB', (m) => m.idle.total, 0, 'lower'],
  ['RSS after the load runs, MiB', (m) => m.afterLoad.total, 0, 'lower'],
  ['spawn → healthy, ms', (m) => m.healthyMs, 0, 'lower'],
  ['spawn → first prediction, ms', (m) => m.firstMs, 0, 'lower'],
];

/** The markdown of the section. */
export function peersSection({
  mlflowTrusted,
  settings,
  sides,
  rounds,
  unavailable,
  versions,
  records,
  ortVersion,
  commit,
}) {
  const measured = (id) => rounds.filter((r) => r.sides[id]);
  const med = (id, pick) => median(measured(id).map((r) => pick(r.sides[id])));
  /** Slipway ÷ `peer` per round in which both were measured. */
  const ratios = (slip, peer, pick) =>
    rounds
      .filter((r) => r.sides[slip] && r.sides[peer])
      .map((r) => pick(r.sides[slip]) / pick(r.sides[peer]));
  const v = records.versions;
  const peerVersions = Object.entries(versions)
    .map(
      ([peer, vs]) =>
        `${peer}: ${Object.entries(vs)
          .map(([p, ver]) => `${p} ${ver}`)
          .join(', ')}`,
    )
    .join('; ');
  const builds = [
    ...new Set(rounds.flatMap((r) => Object.values(r.sides).map((m) => m.build)).filter(Boolean)),
  ];

  let md = `## Slipway beside the Python model servers

Made by \`npm run bench:peers --workspace gateway\` (gateway/bench/peers.mjs) on ${new Date().toISOString().slice(0, 10)}
at commit ${commit}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores, shared with other work), Node ${process.version},
onnxruntime-node ${ortVersion}; Python ${v.python}, scikit-learn ${v['scikit-learn']}, numpy ${v.numpy}, joblib ${v.joblib} in every venv${peerVersions ? `; ${peerVersions}` : ''}.
${settings.rounds} round${settings.rounds > 1 ? 's' : ''}, ${settings.duration} s per measure (after a ${Math.max(1, Math.round(settings.duration / 4))} s warm-up), the sides taking turns in an order
that rotates each round. Load average (1 min) at each round's start and end: ${rounds.map((r, i) => `round ${i + 1} ${f(r.loadBefore, 2)} → ${f(r.loadAfter, 2)}`).join(', ')}.

**Model**: a scikit-learn \`GradientBoostingRegressor\` (100 trees of depth 3) on a seeded synthetic
dataset of 8 float features (gateway/bench/peers/make_models.py), as a joblib pickle and as ONNX
(skl2onnx ${v.skl2onnx}, float input \`X\` [None, 8]; worst relative difference from scikit-learn on
1,000 rows ${records.onnxWorstRelative.toExponential(1)}). Before anything is timed, in every round, each server's answers for
20 single records and one 1,000-row request are checked against scikit-learn's (relative 1e-9
for pickles, 1e-4 for ONNX); a wrong answer stops the run.

**Sides**, each bound to 127.0.0.1 with one serving worker process, CPU only, otherwise as shipped:
Slipway is the built gateway (\`node dist/index.js\` from a copy of the build made at the start, embedded PGlite, invocation log on, the pickle
in its Python worker process, the ONNX file in its ONNX worker process), called at \`POST /fn/<name>\`
with the admin token, records as JSON objects (\`{"features": [...]}\` / \`{"X": [...]}\`, a batch as
an array of them); MLServer with mlserver-sklearn (Open Inference Protocol, one FP64 tensor;
its defaults: one parallel inference worker process, gRPC and metrics servers on); KServe's
sklearn predictor (the \`kserve\` package's \`ModelServer\` with a \`kserve.Model\` loading the joblib
file — the sklearn server itself is not on PyPI —, \`{"instances": [...]}\`, one uvicorn worker, no
gRPC); BentoML services (\`workers=1\`) calling scikit-learn or onnxruntime, \`{"instances": [...]}\`;
\`mlflow models serve -w 1 --env-manager local\` on models saved with mlflow.sklearn (skops, MLflow's
default format, with the types skops does not trust by default listed${mlflowTrusted ? `: ${mlflowTrusted.map((t) => `\`${t}\``).join(', ')}` : ''}) and mlflow.onnx,
\`{"inputs": [...]}\`. MLServer and KServe have no ONNX runtime, so ONNX is Slipway, BentoML and
MLflow. Memory and CPU are those of the server's whole process tree (for Slipway: the gateway, its
worker processes and its embedded database's process; MLServer's main process, its inference
worker and multiprocessing's resource tracker; BentoML's supervisor and its worker; MLflow's
\`mlflow models serve\` process and the uvicorn it starts). The load generator is autocannon for every
side (in the benchmark's process, on the same cores); one caller is a keep-alive poster timed to
the microsecond. Start-up is timed from the spawn, polled every 5 ms; Slipway is restarted on a
data dir where the model was published (as a peer starts with its model on disk), and a fresh
data dir's spawn → healthy is given beside. Idle memory is read once the checked calls (20 single
records, one 1,000-row request) are answered and the server's process tree is idle. Each load starts from an idle server, after a warm-up;
what a load leaves a server doing afterwards (until its process tree is idle again) counts in that
load's CPU.

**Set-up traps met** (the fixes are in gateway/bench/peers/): MLServer 1.7.1 needs \`uvloop==0.21.0\`
(SeldonIO/MLServer#2286; pinned so, not retried without); KServe hard-codes \`0.0.0.0\`, so kserve_server.py narrows uvicorn's
\`Config\` to 127.0.0.1; MLflow 3's sklearn save refuses the model until skops' untrusted types are
listed (\`skops_trusted_types\`, taken from \`skops.io.get_untrusted_types\`), its scoring server
refuses to load it unless \`MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true\`, and \`mlflow models serve\`
starts \`uvicorn\` by name, so the venv's bin/ must be on PATH; mlflow 3.18.0 cannot be installed
from this index (its mlflow-skinny 3.18.0 is missing), so 3.17.2; mlflow.onnx serves the ONNX file
once its providers are saved as CPU only.
${builds.length > 1 ? `\n**The gateway was rebuilt during the run** (dist/ built at ${builds.join(', ')}: another engineer's work); the rounds measured those builds.\n` : ''}`;
  if (Object.keys(unavailable).length)
    md += `\n**Not measured (or not in every round)**: ${Object.entries(unavailable)
      .map(([id, why]) => `${id} — ${why}`)
      .join('; ')}.\n`;

  const reading = [];
  for (const format of ['pickle', 'onnx']) {
    const slip = `slipway-${format}`;
    const group = sides.filter((s) => s.format === format && measured(s.id).length);
    const peers = group.filter((s) => s.id !== slip);
    if (!measured(slip).length || !peers.length) continue;
    const header = ['measure', ...group.map((s) => s.peer)];
    md += `\n### ${format === 'pickle' ? 'Pickle (`gbm.joblib`)' : 'ONNX (`gbm.onnx`)'}\n\nMedians over rounds.\n\n| ${header.join(' | ')} |\n| --- |${group.map(() => ' ---: |').join('')}\n`;
    for (const [label, pick, d] of MEASURES)
      md += `| ${label} | ${group.map((s) => f(med(s.id, pick), d)).join(' | ')} |\n`;
    md += `\nSlipway ÷ peer, median of the rounds' ratios (min–max); above 1× is better for Slipway on rates, below 1× on CPU, latency, memory and time.\n\n| measure | ${peers.map((s) => `÷ ${s.peer}`).join(' | ')} |\n| --- |${peers.map(() => ' ---: |').join('')}\n`;
    for (const [label, pick] of MEASURES)
      md += `| ${label} | ${peers.map((s) => (ratios(slip, s.id, pick).length ? spread(ratios(slip, s.id, pick)) : '—')).join(' | ')} |\n`;
    const role = (key, r) => med(slip, (m) => m[key].byRole[r] ?? 0);
    md += `\nSlipway's memory by process (MiB, medians): idle — gateway ${f(role('idle', 'gateway'))}, worker processes ${f(role('idle', 'workers'))}, embedded database ${f(role('idle', 'database'))}; after the load runs — gateway ${f(role('afterLoad', 'gateway'))}, workers ${f(role('afterLoad', 'workers'))}, database ${f(role('afterLoad', 'database'))}. A fresh data dir's spawn → healthy: ${f(med(slip, (m) => m.freshMs))} ms. After the 1,000-row load its process tree stayed busy a further ${f(med(slip, (m) => m.batch.settleMs))} ms (median; counted in its CPU per row), after the 32-caller load ${f(med(slip, (m) => m.many.settleMs))} ms.\n`;

    // Goal 2: 1,000-row requests at ≥ 2× the best peer's rows/s, in the same round.
    const rowsPick = (m) => m.batch.rowsPerSecond;
    const best = rounds
      .filter((r) => r.sides[slip] && peers.some((p) => r.sides[p.id]))
      .map((r) => {
        const top = peers
          .filter((p) => r.sides[p.id])
          .sort((a, b) => rowsPick(r.sides[b.id]) - rowsPick(r.sides[a.id]))[0];
        return { peer: top.peer, ratio: rowsPick(r.sides[slip]) / rowsPick(r.sides[top.id]) };
      });
    const bestRatio = median(best.map((b) => b.ratio));
    reading.push(
      `**Goal 2, ${format}** (1,000-row requests ≥ 2× the best peer's rows/s): **${bestRatio >= 2 ? 'met' : 'not met'}** — Slipway ${f(med(slip, rowsPick))} rows/s, ${spread(best.map((b) => b.ratio))} the best peer of each round (${[...new Set(best.map((b) => b.peer))].join(', ')}; ${peers.map((p) => `${p.peer} ${f(med(p.id, rowsPick))}`).join(', ')} rows/s); CPU per row ${f(
        med(slip, (m) => m.batch.cpuUsPerRow),
        1,
      )} µs against ${peers
        .map(
          (p) =>
            `${p.peer} ${f(
              med(p.id, (m) => m.batch.cpuUsPerRow),
              1,
            )}`,
        )
        .join(', ')} µs.`,
    );

    // Goal 3 against the peers: single records at 32 callers and at one.
    const manyPick = (m) => m.many.perSecond;
    reading.push(
      `**Goal 3, ${format}, beside the peers** (single records): at 32 callers Slipway answers ${f(med(slip, manyPick))} requests/s, ${peers.map((p) => `${spread(ratios(slip, p.id, manyPick))} ${p.peer}`).join(', ')}, at ${f(med(slip, (m) => m.many.cpuUsPerRequest))} µs CPU per request (${peers.map((p) => `${p.peer} ${f(med(p.id, (m) => m.many.cpuUsPerRequest))}`).join(', ')}); at one caller p50 ${f(
        med(slip, (m) => m.one.p50),
        2,
      )} ms and p99 ${f(
        med(slip, (m) => m.one.p99),
        2,
      )} ms (${peers
        .map(
          (p) =>
            `${p.peer} ${f(
              med(p.id, (m) => m.one.p50),
              2,
            )}/${f(
              med(p.id, (m) => m.one.p99),
              2,
            )}`,
        )
        .join(', ')}).`,
    );

    // Goal 4: idle memory with one model ≤ the lowest peer's, in the same round.
    const idlePick = (m) => m.idle.total;
    const lowest = rounds
      .filter((r) => r.sides[slip] && peers.some((p) => r.sides[p.id]))
      .map(
        (r) =>
          idlePick(r.sides[slip]) /
          Math.min(...peers.filter((p) => r.sides[p.id]).map((p) => idlePick(r.sides[p.id]))),
      );
    reading.push(
      `**Goal 4, ${format}** (idle RSS with one model ≤ the lowest peer's): **${median(lowest) <= 1 ? 'met' : 'not met'}** — Slipway ${f(med(slip, idlePick))} MiB in all (gateway ${f(role('idle', 'gateway'))}, workers ${f(role('idle', 'workers'))}, database ${f(role('idle', 'database'))}), ${spread(lowest)} the lowest peer of each round (${peers.map((p) => `${p.peer} ${f(med(p.id, idlePick))}`).join(', ')} MiB).`,
    );
  }

  // Goal 3's own targets: ONNX at 32 callers ≥ 40 % of a bare Hono echo, p50 overhead ≤ 0.1 ms.
  const onnxRounds = rounds.filter((r) => r.sides['slipway-onnx']);
  if (onnxRounds.length) {
    const share = median(
      onnxRounds.map((r) => r.sides['slipway-onnx'].many.perSecond / r.references.honoPerSecond),
    );
    const overhead = median(
      onnxRounds.map((r) => r.sides['slipway-onnx'].one.p50 - r.references.raw.p50),
    );
    reading.push(
      `**Goal 3, ONNX against its own targets**: at 32 callers Slipway answers ${f(100 * share, 1)} % of a bare Hono JSON echo's ${f(median(onnxRounds.map((r) => r.references.honoPerSecond)))} requests/s in the same rounds (target ≥ 40 %: **${share >= 0.4 ? 'met' : 'not met'}**); its p50 at one caller is ${f(overhead, 3)} ms over raw onnxruntime-node \`session.run\` in-process (p50 ${f(median(onnxRounds.map((r) => r.references.raw.p50)), 3)} ms; target ≤ 0.1 ms, client round trip included: **${overhead <= 0.1 ? 'met' : 'not met'}**). Micro-batching of concurrent single records (opt-in per deployment, off here as Slipway ships) is not measured here.`,
    );
  }
  const startLine = ['pickle', 'onnx']
    .filter((format) => measured(`slipway-${format}`).length)
    .map((format) => {
      const slip = `slipway-${format}`;
      return `${format}: fresh data dir → healthy ${f(med(slip, (m) => m.freshMs))} ms, restart → healthy ${f(med(slip, (m) => m.healthyMs))} ms, restart → first prediction ${f(med(slip, (m) => m.firstMs))} ms`;
    });
  if (startLine.length)
    reading.push(
      `**Start-up** (goal 5, ≤ 1,000 ms; measured here beside the peers' times in the tables): ${startLine.join('; ')}.`,
    );

  md += `\n### Reading it\n\n${reading.map((r) => `- ${r}`).join('\n')}\n`;
  return md;
}
