import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The test files that need more than Node: Python (the worker venv: papermill, ipykernel,
 * scikit-learn), a JVM (h2o-genmodel), a PostgreSQL server, or the gateway started as a
 * process of its own. `vitest run` runs every file; `vitest run --mode fast` (the gateway half
 * of `npm run test:fast`) runs all the others, on PGlite alone.
 *
 * What keeps this list honest: in the fast tier, a test that starts Python, Java, Maven,
 * Chromium, a PostgreSQL program or the gateway's entry point fails, naming the command and
 * this list, instead of skipping (src/workers/testing/fast-tier-guard.ts). So a new test file
 * joins the fast tier unless it is listed here, and a listed file that no longer exists fails
 * the fast tier.
 */
export const SLOW_TEST_FILES = [
  // Python
  'src/workers/python-worker.test.ts',
  'src/workers/python-env.venv.test.ts',
  'src/runtimes/notebook/notebook-runtime.test.ts',
  'src/runtimes/pickle/conformance.test.ts',
  'src/runtimes/pickle/ecosystem.test.ts',
  'test/pickle-ecosystem.test.ts',
  'src/monitoring/quality/oracle.test.ts',
  'test/notebooks.test.ts',
  'test/papermill-conformance.test.ts',
  'test/pools.test.ts',
  'test/redeploy-drain.test.ts',
  'test/onnx-python-engine.test.ts',
  'test/notebook-requirements.test.ts',
  'test/pickle-serving.test.ts',
  'test/pickle-workers.test.ts',
  'test/process-notebook.test.ts',
  'test/retraining.test.ts',
  'test/approvals.test.ts',
  'test/resilience/sigterm.test.ts',
  'test/resilience/containment.test.ts',
  // The dev venv's scipy and Evidently, as the oracle of the drift statistics
  'src/monitoring/stats/oracle.test.ts',
  'test/monitoring-oracle.test.ts',
  // The dev venv's schemathesis, against a gateway process whose notebook runs need the worker
  'test/resilience/schemathesis.test.ts',
  // JVM
  'src/runtimes/mojo/mojo-runtime.test.ts',
  'test/mojo-serving.test.ts',
  // Python and JVM: the contract suites run their pickle, MOJO and notebook cases when they can.
  'src/runtimes/contract.case.test.ts',
  'src/runtimes/notebook-contract.case.test.ts',
  // Whole gateway processes (test/support/gateway-process.ts: seconds of start-up each), one
  // with a PostgreSQL server of its own (initdb, pg_ctl)
  'test/restart.test.ts',
  'test/shown-commands.test.ts',
  'test/call-snippets.test.ts',
  'test/onnx-workers.test.ts',
  'test/batch/batch-resume.test.ts',
  // Export bundles: the gateway built with tsc, each bundle's run.sh started (npm, Python, Java)
  'test/export-bundle.test.ts',
  // buildah builds of a bundle's image (the image suite sets SLIPWAY_TEST_BUNDLE_IMAGE=1)
  'test/export-bundle-image.test.ts',
  // ONNX worker processes started for placed replicas
  'test/pmml-pools.test.ts',
  'test/publish-check.test.ts',
  'test/resilience/crash-log.test.ts',
  'test/resilience/large-upload.test.ts',
  'test/resilience/postgres-outage.test.ts',
];

const here = fileURLToPath(new URL('.', import.meta.url));
/** What SLIPWAY_TEST_PYTHON says in the fast tier: an interpreter the guard refuses to start. */
const FAST_TIER_PYTHON = '/slipway-fast-tier/has-no/python3';

export default defineConfig(({ mode }) => {
  const fast = mode === 'fast';
  if (fast) {
    const gone = SLOW_TEST_FILES.filter((f) => !existsSync(`${here}${f}`));
    if (gone.length)
      throw new Error(`gateway/vitest.config.ts lists test files that do not exist: ${gone}`);
  }
  return {
    test: {
      // scripts/ (npm start's set-up) has no test project of its own.
      include: ['src/**/*.test.ts', 'test/**/*.test.ts', '../scripts/**/*.test.ts'],
      // test/kubernetes/ needs a control plane: `npm run test:kubernetes` (its own config) runs it;
      // test/streams/ a Kafka broker: `npm run test:streams`.
      exclude: [
        ...configDefaults.exclude,
        'test/kubernetes/**',
        'test/streams/**',
        ...(fast ? SLOW_TEST_FILES : []),
      ],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // Every core (vitest keeps one for itself by default: half of a two-core machine). The
      // files keep out of each other's way: a fresh database each (test/support/databases.ts),
      // ports the system picks, private folders, processes found by their own folder or parent
      // (src/workers/testing/processes.ts), a PostgreSQL server of their own for outages and
      // restarts; and they wait for events, not clocks. On two cores the gateway suite took
      // 875 s so on an idle machine and 1,088 s in a CI run, against 1,304 s one file at a time
      // in the CI run before (2026-12-02).
      maxWorkers: availableParallelism(),
      minWorkers: 1,
      ...(fast && {
        // Files share their worker's process: no second start-up, module load and PGlite per
        // file. No test here stubs modules or leaves timers or environment changed; `npm test`
        // runs each file in a process of its own.
        isolate: false,
        setupFiles: ['src/workers/testing/fast-tier-guard.ts'],
        // Python-needing suites then run (and fail in the guard) instead of skipping, and the
        // database suites use PGlite alone.
        env: { SLIPWAY_TEST_PYTHON: FAST_TIER_PYTHON, SLIPWAY_TEST_DATABASE_URL: '' },
      }),
      // CI also writes a JSON report, from which .ci/run prints a plain "N passed, N failed" line;
      // a suite that runs a file of this config apart names its own (SLIPWAY_TEST_REPORT), so
      // that it does not overwrite the gateway suite's.
      reporters: process.env.CI
        ? [
            'default',
            ['json', { outputFile: process.env.SLIPWAY_TEST_REPORT ?? 'test-results.json' }],
          ]
        : ['default'],
    },
  };
});
