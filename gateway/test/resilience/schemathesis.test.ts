import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { testPython } from '../support/python.js';
import { devPython } from '../support/python-dev.js';
import { publishForm } from '../support/test-gateway.js';

// Schemathesis (property-based API testing, pinned in gateway/workers/python/requirements-dev.txt)
// runs every check it has against the real gateway process, from the gateway's own OpenAPI
// document: server errors, status codes, content types and response bodies against the
// document, schema-valid input accepted and schema-violating input refused, undeclared methods
// (405 with Allow), authentication not ignored. Examples are bounded per operation and the
// seed is fixed, so the run is the same each time and takes about a minute.

const TOKEN = 'sa_schemathesis-admin-token-0123';
const SEED = '20261129';
const MAX_EXAMPLES = '12';
const fixtures = new URL('../fixtures/', import.meta.url);

const python = await testPython();

/**
 * The run's configuration. Calls that name a deployment name the ones published for the run
 * (dictionaries apply to schema-valid cases only: schema-violating names stay generated), so
 * that the data plane answers with predictions, metadata and runs, not only 404s.
 *
 * `positive_data_acceptance` (schema-valid input must not get 4xx) cannot apply where what is
 * valid depends on more than the document can state; those operations may also answer:
 * - 400 from the data plane's calls: a record's fields, types and values are those of the
 *   deployed model's signature, which no static document holds (the bodies' shapes are stated);
 *   413 too: how many records one call may carry (SLIPWAY_MAX_BATCH) and how large its body may
 *   be are the gateway's configuration, and an OIP tensor's shape says how many rows it holds
 *   (for the same reason 413 counts as refusing input that breaks the document, which
 *   `negative_data_rejection` would otherwise not list);
 * - 400 from metrics, quality and drift: `from` must come before `to`, a constraint between
 *   two parameters;
 * - 400 from traffic splits and shadows: the versions they name must be the deployment's;
 * - 400 and 413 from ground truth and reference files: a file's columns and values are those
 *   of the deployment's signature and of its predictions' ids, and its size is configuration;
 *   the JSON feedback's ids are those of predictions the deployment answered;
 * - 400 and 422 from publish: the file must be a model its format's runtime can load, and
 *   `config` the options that format has — a generated file is not a model; 400 from a
 *   reconfiguration too: its `config` holds that format's settings, text the database can store
 *   (no NUL, no lone surrogate, in keys too, which a pattern cannot say of a map's keys);
 * - 400 and 413 from a training notebook's upload: the file must be a notebook whose parameters
 *   cell defines what a run passes;
 * - 400 from a retraining policy: a cron expression and an IANA time zone must be ones that
 *   exist, which a pattern cannot state;
 * - 400 from alert rules: their text (names, webhook secrets) may hold no NUL and no lone
 *   surrogate (the database stores neither); the document says so with a pattern, which the
 *   generator does not always keep to;
 * - 400, 413 and 415 from batch jobs: the file must be a table (its format told by its name or
 *   its head) with the columns of the deployment's signature, a path must name a file under the
 *   input root (configuration), and a chunk may be no larger than SLIPWAY_MAX_BATCH; 400 from
 *   job schedules: a cron expression and a time zone that exist, a pattern under the root;
 * - 400 from stream bindings: the deployment must be a model (a notebook takes no records).
 * Every other check applies to these operations unchanged.
 */
function config({ runId }: { runId: string }): string {
  const refused = (...extra: number[]) =>
    JSON.stringify(
      ['400', '401', '403', '404', '405', '406', '409', '415', '422', '428', '429', '5xx'].concat(
        extra.map(String),
      ),
    );
  const accepted = (...extra: number[]) =>
    JSON.stringify(['2xx', '3xx', '401', '403', '404', '409', '429', '5xx', ...extra.map(String)]);
  return `
[dictionaries.model]
values = ["churn"]

[dictionaries.notebook]
values = ["report"]

[dictionaries.run]
values = ["${runId}"]

[dictionaries.doomed]
values = ["doomed"]

[[operations]]
include-name = [
  "GET /api/deployments/{name}/runs/{id}",
  "GET /api/deployments/{name}/runs/{id}/notebook",
  "GET /fn/{name}/runs/{id}",
  "GET /fn/{name}/runs/{id}/notebook",
]
parameters = { "path.name" = { dictionary = "notebook" }, "path.id" = { dictionary = "run" } }

[[operations]]
include-name = [
  "POST /fn/{name}",
  "POST /fn/{name}/invocations",
  "POST /v2/models/{name}/infer",
  "POST /v2/models/{name}/versions/{version}/infer",
]
parameters = { "path.name" = { dictionary = "model" } }
checks.positive_data_acceptance.expected-statuses = ${accepted(400, 413)}
checks.negative_data_rejection.expected-statuses = ${refused(413)}

[[operations]]
include-name = [
  "GET /v2/models/{name}",
  "GET /v2/models/{name}/ready",
  "GET /v2/models/{name}/versions/{version}",
  "GET /api/deployments/{name}",
  "GET /api/deployments/{name}/invocations",
  "POST /api/deployments/{name}/rollback",
]
parameters = { "path.name" = { dictionary = "model" } }

[[operations]]
include-name = [
  "GET /api/deployments/{name}/metrics",
  "GET /api/deployments/{name}/quality",
  "GET /api/deployments/{name}/drift",
]
parameters = { "path.name" = { dictionary = "model" } }
checks.positive_data_acceptance.expected-statuses = ${accepted(400)}

[[operations]]
include-name = [
  "POST /api/deployments/{name}/feedback",
  "PUT /api/deployments/{name}/reference",
  "POST /fn/{name}/feedback",
]
parameters = { "path.name" = { dictionary = "model" } }
checks.positive_data_acceptance.expected-statuses = ${accepted(400, 413)}
checks.negative_data_rejection.expected-statuses = ${refused(413)}

[[operations]]
include-name = [
  "PUT /api/deployments/{name}/traffic",
  "PUT /api/deployments/{name}/shadow",
]
parameters = { "path.name" = { dictionary = "model" } }
# The versions a split or a shadow may name are the deployment's, which no document holds.
checks.positive_data_acceptance.expected-statuses = ${accepted(400)}

[[operations]]
include-name = [
  "GET /api/deployments/{name}/reference",
  "GET /api/deployments/{name}/monitoring",
  "PUT /api/deployments/{name}/monitoring",
  "GET /api/deployments/{name}/alert-rules",
  "GET /api/deployments/{name}/alerts",
  "GET /api/deployments/{name}/versions",
  "GET /api/deployments/{name}/canary",
  "GET /api/deployments/{name}/trainer",
  "GET /api/deployments/{name}/retraining",
  "GET /api/deployments/{name}/retrain-runs",
]
parameters = { "path.name" = { dictionary = "model" } }

[[operations]]
include-name = [
  "POST /api/deployments/{name}/alert-rules",
  "PUT /api/deployments/{name}/alert-rules/{id}",
  "PUT /api/deployments/{name}/retraining",
]
parameters = { "path.name" = { dictionary = "model" } }
checks.positive_data_acceptance.expected-statuses = ${accepted(400)}

[[operations]]
include-name = "PUT /api/deployments/{name}/trainer"
parameters = { "path.name" = { dictionary = "model" } }
checks.positive_data_acceptance.expected-statuses = ${accepted(400, 413)}
checks.negative_data_rejection.expected-statuses = ${refused(413)}

[[operations]]
include-name = "POST /api/deployments"
checks.positive_data_acceptance.expected-statuses = ${accepted(400, 422)}

[[operations]]
include-name = "PATCH /api/deployments/{name}"
checks.positive_data_acceptance.expected-statuses = ${accepted(400, 422)}

[[operations]]
include-name = "POST /api/deployments/{name}/jobs"
parameters = { "path.name" = { dictionary = "model" } }
checks.positive_data_acceptance.expected-statuses = ${accepted(400, 413, 415)}
checks.negative_data_rejection.expected-statuses = ${refused(413)}

[[operations]]
include-name = [
  "POST /api/deployments/{name}/schedules",
  "POST /api/deployments/{name}/streams",
]
parameters = { "path.name" = { dictionary = "model" } }
checks.positive_data_acceptance.expected-statuses = ${accepted(400)}

# The event stream never ends: a request of it would only wait out the timeout.
[[operations]]
include-name = "GET /api/events"
enabled = false

# Deleting the deployment the others call would leave them nothing: DELETE has one of its own,
# and runs after the rest.
[[operations]]
include-name = "DELETE /api/deployments/{name}"
parameters = { "path.name" = { dictionary = "doomed" } }
`;
}

/** Runs the schemathesis CLI; resolves with its exit code and output. */
function schemathesis(
  py: string,
  cwd: string,
  args: string[],
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // In `cwd`: schemathesis and Hypothesis keep their caches in the folder they run in.
    const child = spawn(py, ['-m', 'schemathesis.cli', ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** What to show when a run fails: its failures and summary, without the progress lines. */
const failures = (out: string) => out.slice(Math.max(0, out.indexOf('=== FAILURES ===') - 40));

describe.skipIf(!python)('schemathesis against the real gateway process', () => {
  /** The document, the configuration and schemathesis' caches. */
  let work: string;
  let dataDir: string;
  let proc: GatewayProcess | undefined;
  let st: string;
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    st = await devPython();
    work = await mkdtemp(join(tmpdir(), 'slipway-schemathesis-'));
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-schemathesis-data-'));
    proc = await startGatewayProcess({
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_ADMIN_TOKEN: TOKEN,
      // Jobs are queued, not run: a generated URL input is never fetched.
      SLIPWAY_JOBS_AT_ONCE: '0',
      SLIPWAY_PYTHON: python!,
    });
    const publish = async (name: string, file: string) => {
      const bytes = await readFile(new URL(file, fixtures));
      const res = await fetch(`${proc!.url}/api/deployments`, {
        method: 'POST',
        headers: auth,
        body: publishForm({ name }, { bytes, filename: file.split('/').at(-1)! }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
    };
    // A model to call, one to delete, and a notebook with a run to read back.
    await publish('churn', 'pmml/s2p_logistic.pmml');
    await publish('doomed', 'pmml/s2p_logistic.pmml');
    await publish('report', 'notebooks/trivial.ipynb');
    const run = await fetch(`${proc.url}/fn/report`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"x": 2}',
    });
    expect(run.status, await run.clone().text()).toBe(200);
    const { id: runId } = (await run.json()) as { id: string };

    const doc = await fetch(`${proc.url}/api/openapi.json`, { headers: auth });
    await writeFile(join(work, 'openapi.json'), await doc.text());
    await writeFile(join(work, 'schemathesis.toml'), config({ runId }));
  }, 600_000);

  afterAll(async () => {
    await proc?.stop();
    for (const dir of [work, dataDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds no failure with every check, on every documented operation', async () => {
    const common = [
      `--config-file=${join(work, 'schemathesis.toml')}`,
      'run',
      join(work, 'openapi.json'),
      `--url=${proc!.url}`,
      `--header=Authorization: Bearer ${TOKEN}`,
      '--checks=all',
      // A call's \`id\` is taken as a resource /feedback must find: a refused call answered no
      // prediction, and no configuration turns the check off in the stateful phase.
      '--exclude-checks=ensure_resource_availability',
      `--max-examples=${MAX_EXAMPLES}`,
      `--seed=${SEED}`,
      '--workers=1',
      '--no-color',
      // No clock decides a result: a response may take as long as a loaded machine needs (the
      // bound only ends a hang), and Hypothesis' "generation is slow" health check is off.
      '--request-timeout=300',
      '--suppress-health-check=too_slow',
    ];
    const rest = await schemathesis(st, work, [...common, '--exclude-method=DELETE']);
    expect(rest.code, failures(rest.out)).toBe(0);
    const deletes = await schemathesis(st, work, [...common, '--include-method=DELETE']);
    expect(deletes.code, failures(deletes.out)).toBe(0);
  }, 600_000);
});
