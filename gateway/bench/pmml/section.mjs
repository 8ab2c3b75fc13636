// The PMML benchmark's section of bench/RESULTS.md: medians over rounds, ratios per round.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

// Why PMML4S differs on a few GBM rows, as found by hand when this benchmark was written: a row
// whose scaled value lands exactly on a split threshold.
const FLOAT_TIE = `Why: when this benchmark was written, the only differences were PMML4S's on the GBM, and scikit-learn
  itself (the same pipeline refitted by make_pmml.py's code) answered as Slipway and JPMML on all
  1,000 rows: those rows put a \`dataType="float"\` derived field (the scaled input) exactly on a
  split threshold, where Slipway and JPMML round the value to float32 as the document says (and as
  scikit-learn's float32 trees do), and PMML4S compares it as a double (pypmml 1.5.8 answers the same).`;

const MODES = [
  ['batch', 'batch'],
  ['oneByOne', 'one by one'],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const rps = (t) => t.records / t.seconds;
/** Max − min over rounds, as a share of the median. */
const spread = (xs) => (100 * (Math.max(...xs) - Math.min(...xs))) / median(xs);
const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/**
 * Markdown for the section. `runs` holds one `{ slipway, jpmml, pmml4s }` per round, each side
 * keyed by fixture then mode; `engines` the JVM evaluators' descriptions; `checks` the answer
 * comparisons per engine and fixture.
 */
export function pmmlSection({ models, runs, engines, checks, settings, buildSeconds }) {
  const sides = Object.keys(engines);
  // A model an engine cannot load (its `skip`) has no timings on that side: shown as —.
  const ran = (side, m) => runs.every((r) => r[side]?.[m.fixture]);
  const series = (side, m, mode, pick = rps) =>
    ran(side, m) ? runs.map((r) => pick(r[side][m.fixture][mode])) : [];
  const ratios = (side, m, mode) => {
    const ours = series('slipway', m, mode);
    return series(side, m, mode).map((x, i) => ours[i] / x);
  };
  const cell = (side, m, mode) => {
    const rs = ratios(side, m, mode);
    if (!rs.length) return '— | —';
    return `${f(median(series(side, m, mode)))} | **${f(median(rs), 2)}×** (${f(Math.min(...rs), 2)}–${f(Math.max(...rs), 2)})`;
  };
  const throughput = models.flatMap((m) =>
    MODES.map(
      ([mode, label]) =>
        `| ${m.label} | ${label} | ${f(median(series('slipway', m, mode)))} | ${sides.map((s) => cell(s, m, mode)).join(' | ')} |`,
    ),
  );
  const latency = models.map((m) => {
    const lat = (side, key) =>
      ran(side, m) ? f(median(series(side, m, 'oneByOne', (t) => t[key])), 1) : '—';
    return `| ${m.label} | ${['slipway', ...sides].map((s) => `${lat(s, 'p50us')} / ${lat(s, 'p99us')}`).join(' | ')} |`;
  });
  // CPU per record: steadier than wall time when other work shares the cores.
  const cpuUs = (side, m, mode) =>
    ran(side, m)
      ? f(median(series(side, m, mode, (t) => (1e6 * t.cpuSeconds) / t.records)), 2)
      : '—';
  const cpu = models.flatMap((m) =>
    MODES.map(
      ([mode, label]) =>
        `| ${m.label} | ${label} | ${['slipway', ...sides].map((s) => cpuUs(s, m, mode)).join(' | ')} |`,
    ),
  );
  const noise = ['slipway', ...sides]
    .map((side) => {
      const all = models
        .filter((m) => ran(side, m))
        .flatMap((m) => MODES.map(([mode]) => spread(series(side, m, mode))));
      return `${side === 'slipway' ? 'Slipway' : engines[side].name} ${f(Math.min(...all))}–${f(Math.max(...all))} %`;
    })
    .join(', ');
  const verdict = (side) => {
    const rs = models
      .filter((m) => ran(side, m))
      .flatMap((m) => MODES.map(([mode]) => median(ratios(side, m, mode))));
    const below = rs.filter((r) => r < 1).length;
    return `${engines[side].name}: ${below === 0 ? '**met**' : `**not met**`} (${rs.length - below} of ${rs.length} median ratios ≥ 1)`;
  };
  const checked = sides
    .map(
      (side) =>
        `${engines[side].name}: ${models
          .map((m) => {
            const c = checks[side]?.[m.fixture];
            if (!c) return `\`${m.fixture}\` not run (it cannot load it)`;
            return `\`${m.fixture}\` ${c.mismatchedRows} of ${f(m.rows.length)} rows differ (${f(c.compared)} values compared)`;
          })
          .join(', ')}`,
    )
    .join('; ');
  const loads = sides
    .map(
      (side) =>
        `${engines[side].name} ${models
          .filter((m) => ran(side, m))
          .map((m) => `${f(median(runs.map((r) => r[side][m.fixture].loadMs)), 1)} ms`)
          .join(' and ')}`,
    )
    .join('; ');
  const { rounds, seconds, warmup, nRows } = settings;
  const warmups = [
    `Slipway ${models.map((m) => `${f(m.warmupSeconds, 1)} s`).join(' and ')} (once: its process stays up)`,
    ...sides.map(
      (side) =>
        `${engines[side].name} ${models
          .filter((m) => ran(side, m))
          .map((m) => `${f(median(runs.map((r) => r[side][m.fixture].warmupSeconds)), 1)} s`)
          .join(' and ')}`,
    ),
  ].join(', ');
  const differences = sides.flatMap((side) =>
    models.flatMap((m) =>
      (checks[side]?.[m.fixture]?.examples ?? []).map(
        (e) =>
          `  - ${engines[side].name}, \`${m.fixture}\` row ${e.row} \`${JSON.stringify(e.record)}\`: ${e.field} ${e.jvm} where Slipway answers ${e.ours}`,
      ),
    ),
  );

  return `## PMML evaluator vs. the JVM evaluators

Made by \`npm run bench:pmml --workspace gateway\` (bench/pmml.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. JVM side: bench/jvm-pmml on
${engines[sides[0]].java}, ${sides.map((s) => engines[s].full).join(' and ')}, one fresh JVM per evaluator and round.
Same PMML files, same ${f(nRows)} rows everywhere: the fixture's records, then rows drawn as the
training data was (missing values included).

${models.map((m) => `- \`${m.fixture}.pmml\` (${m.producer}): ${m.about}.${m.skip ? ` Not run on ${m.skip.map((s) => engines[s]?.name ?? s).join(', ')}: it cannot load it.` : ''}`).join('\n')}

Each side warms up per model (${warmup} s, then on while its rate still climbs by more than 3 % a
second: medians ${warmups}), then runs ${seconds} s per model and mode. **Batch**: all
rows, prebuilt, scored in a loop over one evaluator (Slipway: one \`predict(records)\` call per pass;
JPMML: \`evaluate\` + \`decodeAll\` per row; PMML4S: \`predict(Map)\` per row, as pypmml calls it).
**One by one**: each record timed alone, its input map built from the row (Slipway: one
\`predict([record])\` call per record). ${rounds} rounds, the sides taking turns to go first; figures
are medians over rounds; a ratio is Slipway ÷ the JVM evaluator in the same round (above 1:
Slipway faster), median and (min–max) over rounds.

| model | mode | Slipway records/s | ${sides.map((s) => `${engines[s].name} records/s | Slipway ÷ ${engines[s].name}`).join(' | ')} |
|---|---|---:|${sides.map(() => '---:|---:').join('|')}|
${throughput.join('\n')}

One by one, latency per record (p50 / p99, µs, record building included):

| model | Slipway | ${sides.map((s) => engines[s].name).join(' | ')} |
|---|---:|${sides.map(() => '---:').join('|')}|
${latency.join('\n')}

CPU time per record (µs; the process's CPU time, JIT and GC included, over the records scored —
steadier than wall time while other work shares the cores):

| model | mode | Slipway | ${sides.map((s) => engines[s].name).join(' | ')} |
|---|---|---:|${sides.map(() => '---:').join('|')}|
${cpu.join('\n')}

- Target, Slipway at least as fast per record as the JVM reference: ${sides.map(verdict).join('; ')}.
- Answers compared before timing (1e-9 relative, on the outputs both give): ${checked}.
${differences.length ? `- Rows that differ (first ones):\n${differences.join('\n')}\n- ${FLOAT_TIE}\n` : ''}- Model load, cold: Slipway (parse + compile) ${models.map((m) => `${f(m.loadMs, 1)} ms`).join(' and ')}; ${loads}.
- The JVM side's Maven build: ${buildSeconds === null ? 'already built' : `${f(buildSeconds, 1)} s`} (dependencies from Maven Central; a first build downloads them).
- Noise: throughput spread over rounds (max − min, as a share of the median) was ${noise}.
  The ${cpus().length} cores are shared with other work while the benchmark runs.
`;
}

/** The section formatted by the repository's Prettier (so \`prettier --check\` passes). */
export async function formatSection(markdown) {
  try {
    const prettier = await import('prettier');
    const results = fileURLToPath(new URL('../../../bench/RESULTS.md', import.meta.url));
    const options = await prettier.resolveConfig(results);
    return await prettier.format(markdown, { ...options, filepath: results });
  } catch {
    return markdown; // prettier is a dev dependency of the repository root
  }
}
