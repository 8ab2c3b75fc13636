// The markdown of bench/monitoring.mjs: figures, ratios, and Slipway's answers beside Evidently's
// and scikit-learn's.
const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const ms = (x) => (x >= 100 ? `${f(x)} ms` : `${f(x, 1)} ms`);
const sec = (x) => `${f(x / 1000, 1)} s`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mib = (b) => `${f(b / 2 ** 20)} MiB`;
const verdict = (x) => (x < 2000 ? '**met**' : '**not met**');

export function report(r) {
  const dbs = r.results.filter((x) => !x.missing);
  const ev = r.evidently && !r.evidently.error ? r.evidently : null;
  let md = `## Monitoring: quality and drift over 1,000,000 predictions

Made by \`node gateway/bench/monitoring.mjs\` on ${r.started.toISOString().slice(0, 10)},
${r.cpus.length} × ${r.cpus[0]?.model ?? 'cpu'}, ${f(r.totalmem / 2 ** 30)} GiB, Node ${r.node}${ev ? `; Python ${ev.versions.python}, Evidently ${ev.versions.evidently}, scikit-learn ${ev.versions.sklearn}, pandas ${ev.versions.pandas}` : ''}.
Load average (1 min) before and after: ${f(r.load[0], 2)} and ${f(r.load[1], 2)} (other work shares this machine).

Data: ${f(r.N)} predictions of a binary classifier (\`label\`, \`probabilities\`) × 20 features
(15 numeric, normal, n0–n9 shifted by 0.5 σ in the second half of the day; 5 categorical with
3–100 categories, c0's mix changing in the second half), written as the invocation log writes
them: \`CallWriter.insertMany\` of ${f(r.batch)} calls at a time, ${f(r.calls)} calls of ${f(r.perCall)} records over 24 hours
(invocation rows ${r.keepInputs ? 'with their inputs and outputs' : 'without inputs (`--no-inputs`)'}, hourly rollups of the 20
features and the prediction). Every prediction then gets its label (\`MonitoringRepository.applyLabels\`).
Reference: ${f(r.referenceRows)} rows drawn as the first half, stored as \`putReference\` summaries.
Slipway timings: one warm-up, then the median of ${r.runs} calls (3 when the warm-up took over 5 s), in-process against the
built services (\`QualityService.report\` with hourly buckets, \`DriftService.report\`), over the whole window.
Evidently and scikit-learn: the same rows from the same generator, pandas frames built once
(not timed), a warm-up on 10,000 rows, then the median of ${r.evidentlyRuns} runs over all of them.

### Answer times over the 24-hour window

| | ${dbs.map((d) => (d.kind === 'pglite' ? 'PGlite' : 'Postgres')).join(' | ')} |${ev ? ' Evidently / scikit-learn |' : ''}
|---|${dbs.map(() => '---:').join('|')}|${ev ? '---:|' : ''}
| drift report (21 columns) | ${dbs.map((d) => `**${ms(d.drift.ms)}**`).join(' | ')} |${ev ? ` ${ms(ev.drift.ms)} (\`DataDriftPreset\`) |` : ''}
| … reading the rollups (${dbs[0] ? f(dbs[0].rollupRows) : '?'} rows) | ${dbs.map((d) => ms(d.driftQuery.ms)).join(' | ')} |${ev ? ' |' : ''}
| … merging and testing | ${dbs.map((d) => ms(d.driftCompute.ms)).join(' | ')} |${ev ? ' |' : ''}
| quality report, hourly series | ${dbs.map((d) => `**${ms(d.quality.ms)}**`).join(' | ')} |${ev ? ` ${ms(ev.quality.ms)} (metrics overall and per hour) |` : ''}
| … reading the hourly quality summaries (${dbs[0] ? f(dbs[0].qualityRollupRows) : '?'} rows) | ${dbs.map((d) => ms(d.qualityQuery.ms)).join(' | ')} |${ev ? ' |' : ''}
| rebuilding the summaries after the labels (once, in the background after feedback) | ${dbs.map((d) => sec(d.qualityRefreshMs)).join(' | ')} |${ev ? ' |' : ''}
| for comparison: reading the ${dbs[0] ? f(dbs[0].labelledRows) : '?'} labelled rows themselves (what a report without summaries would do) | ${dbs.map((d) => sec(d.qualityRowsMs)).join(' | ')} |${ev ? ' |' : ''}
| loading the 1,000,000 predictions | ${dbs.map((d) => sec(d.loadMs)).join(' | ')} |${ev ? ' |' : ''}
| making the labelled predictions' rows (feedback does it when labels come) | ${dbs.map((d) => sec(d.adoptMs)).join(' | ')} |${ev ? ' |' : ''}
| applying ${dbs[0] ? f(dbs[0].labelled) : '?'} labels | ${dbs.map((d) => sec(d.labelsMs)).join(' | ')} |${ev ? ' |' : ''}
| tables: invocations / predictions / rollups | ${dbs.map((d) => `${mib(d.sizes.invocations ?? 0)} / ${mib(d.sizes.predictions ?? 0)} / ${mib(d.sizes.feature_rollups ?? 0)}`).join(' | ')} |${ev ? ' |' : ''}

`;
  for (const d of dbs)
    md += `- ${d.label} (warm-ups: quality ${ms(d.quality.warmUp)}, drift ${ms(d.drift.warmUp)}); drift ${verdict(d.drift.ms)} (${ms(d.drift.ms)}, runs ${d.drift.all.map((x) => f(x)).join(', ')} ms), quality ${verdict(d.quality.ms)} (${ms(d.quality.ms)}, runs ${d.quality.all.map((x) => f(x)).join(', ')} ms); target < 2 s each.\n`;
  for (const m of r.results.filter((x) => x.missing))
    md += `- ${m.kind}: not measured (no server answered).\n`;
  if (ev) {
    md += `- Evidently ÷ Slipway (time; above 1: Slipway faster): drift ${dbs.map((d) => `${d.kind} **${f(ev.drift.ms / d.drift.ms, 1)}×**`).join(', ')}; quality (scikit-learn) ${dbs.map((d) => `${d.kind} **${f(ev.quality.ms / d.quality.ms, 2)}×**`).join(', ')}. Building the pandas frames from the arrays (not in those times): ${ms(ev.framesMs)}.\n`;
    md += agreement(dbs[0], ev);
  } else if (r.evidently?.error) md += `- Evidently: not measured: ${r.evidently.error}\n`;
  if (r.logInputs) md += logInputsSection(r.logInputs);
  return md;
}

/** Slipway's answers beside Evidently's and scikit-learn's, from the first database's last run. */
function agreement(d, ev) {
  if (!d) return '';
  const drift = d.drift.result;
  const q = d.quality.result.overall;
  const sk = ev.quality.result.overall;
  const cols = ev.drift.result.columns;
  const rows = [
    ...drift.features,
    ...(drift.prediction ? [{ ...drift.prediction, name: 'prediction' }] : []),
  ];
  let md = `
#### Do the answers agree?

Quality, whole window: Slipway accuracy ${f(q.accuracy, 6)}, ROC AUC ${f(q.rocAuc, 6)}, log loss ${f(q.logLoss, 6)},
macro F1 ${f(q.macro.f1, 6)} over ${f(q.labelled)} labels; scikit-learn ${f(sk.accuracy, 6)}, ${f(sk.rocAuc, 6)}, ${f(sk.logLoss, 6)},
${f(sk.macro[2], 6)} over ${f(sk.labelled)}; confusion matrices ${JSON.stringify(q.confusionMatrix) === JSON.stringify(sk.confusionMatrix) ? 'identical' : `differ (${JSON.stringify(q.confusionMatrix)} vs ${JSON.stringify(sk.confusionMatrix)})`}. Hourly buckets: Slipway ${d.quality.result.series.length}, scikit-learn ${ev.quality.result.buckets}.

Drift: Slipway ${drift.features.filter((x) => x.drift).length} of ${drift.features.length} features drifted (share ${f(drift.driftShare, 2)}, dataset drift ${drift.datasetDrift ? 'yes' : 'no'}); Evidently ${ev.drift.result.count} of ${Object.keys(cols).length} columns (share ${f(ev.drift.result.share, 2)}, the prediction column counted).

| column | method (Slipway / Evidently) | Slipway score | Evidently score | Slipway drift | Evidently drift |
|---|---|---:|---:|:-:|:-:|
`;
  for (const x of rows) {
    const e = cols[x.name];
    const eDrift = e
      ? /p_value/i.test(e.method)
        ? e.score < e.threshold
        : e.score >= e.threshold
      : null;
    md += `| ${x.name} | ${x.method}${e ? ` / ${e.method}` : ''} | ${f(x.pValue ?? x.statistic, 6)} | ${e ? f(e.score, 6) : '–'} | ${x.drift ? 'yes' : 'no'} | ${eDrift === null ? '–' : eDrift ? 'yes' : 'no'} |\n`;
  }
  md += `\nSlipway's numeric columns are read from hourly sketches (each value within 0.5 % of itself), so their statistics are close to Evidently's, not equal; categorical counts are exact.\n`;
  return md;
}

function logInputsSection(li) {
  let md = `
### Invocation log keeping inputs: ONNX throughput, on vs off

\`POST /fn/iris\` (\`classifier_zipmap.onnx\`, as in bench/invoke.mjs) on a gateway process with PGlite,
autocannon at concurrency 32 for ${li.duration} s after a 2 s warm-up, ${li.rounds} rounds; each round starts one
gateway with \`SLIPWAY_LOG_INPUTS=true\` and one with \`false\`, in alternating order. The ratio is on ÷ off
in the same round; CPU is the gateway's and its ONNX worker's per call (from /proc).

| body | calls/s, inputs logged | calls/s, not logged | on ÷ off, median (min–max) | CPU per call on / off |
|---|---:|---:|---:|---:|
`;
  for (const b of li.bodies) {
    const ratios = b.on.map((x, i) => x.rps / b.off[i].rps);
    md += `| ${b.name} | ${f(median(b.on.map((x) => x.rps)))} | ${f(median(b.off.map((x) => x.rps)))} | **${f(median(ratios), 3)}** (${f(Math.min(...ratios), 3)}–${f(Math.max(...ratios), 3)}) | ${f(median(b.on.map((x) => x.cpuUs)))} / ${f(median(b.off.map((x) => x.cpuUs)))} µs |\n`;
  }
  md += '\n';
  for (const b of li.bodies) {
    const ratios = b.on.map((x, i) => x.rps / b.off[i].rps);
    const m = median(ratios);
    md += `- ${b.name}: throughput with inputs logged is ${f(100 * Math.abs(1 - m), 1)} % ${m <= 1 ? 'lower' : 'higher'} (median over rounds); target: no more than 10 % lower: ${m >= 0.9 ? '**met**' : '**not met**'}. Per round: ${ratios.map((x) => f(x, 3)).join(', ')}.\n`;
  }
  return md;
}
