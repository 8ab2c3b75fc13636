import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { admin, fixture, gateway, irisRecords, publishIris, screenshots } from '../iris.js';

/**
 * Batch scoring from JupyterLab against the real gateway: Score with… on a CSV in the file
 * browser runs a job, its progress shows until it ends, the output (one prediction per row)
 * and the errors file appear next to the input, and the job is listed in the monitor.
 */

// Its own name: the other specs run against the same gateway.
const NAME = 'iris-batch';

/** What the iris classifier answers for each of the fixture's flowers. */
const expectedLabels = (
  JSON.parse(
    readFileSync(fixture('../gateway/test/fixtures/onnx/classifier_zipmap.expected.json'), 'utf8'),
  ) as { predictions: { output_label: number }[] }
).predictions.map((p) => p.output_label);

function monitor(page: Page) {
  return page
    .locator('.jp-SlipwayMonitor')
    .filter({ has: page.getByRole('heading', { name: NAME, exact: true }) });
}

test.afterAll(async ({ playwright }) => {
  const api = await playwright.request.newContext();
  await api.delete(`${gateway}/api/deployments/${NAME}`, { headers: admin });
  await api.dispose();
});

test('Score with… writes the predictions next to the CSV, and the job shows in the monitor', async ({
  page,
  tmpPath,
  request,
}) => {
  await publishIris(request, NAME);
  // One row per flower (X as a JSON list, as the model takes it), and one it must refuse.
  const rows = irisRecords.map((X, i) => `f${i + 1},"${JSON.stringify(X)}"`);
  const csv = ['id,X', ...rows, 'bad,"[1, 2]"'].join('\n') + '\n';
  await page.contents.uploadContent(csv, 'text', `${tmpPath}/flowers.csv`);

  await page.filebrowser.openDirectory(tmpPath);
  await page.getByText('flowers.csv', { exact: true }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Score with…' }).click();
  const form = page.locator('.jp-Dialog .jp-SlipwayScoreForm');
  await form.getByLabel('Deployment').selectOption(NAME);
  // The CSV's header is offered as pass-through columns.
  await form.getByRole('checkbox', { name: 'id' }).check();
  await form.getByLabel('Maximum error rate (%)').fill('50');
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Score', exact: true }).click();

  // The progress dialog says when the job has ended and its files are saved.
  const progress = page.locator('.jp-Dialog .jp-SlipwayScoreProgress');
  await expect(progress).toHaveClass(/\bjp-mod-(done|failed|cancelled)\b/, { timeout: 180_000 });
  await expect(progress).toHaveClass(/\bjp-mod-done\b/);
  const all = rows.length + 1;
  await expect(progress.getByRole('status')).toHaveText(
    new RegExp(`^Done: (${all} of )?${all} rows, 1 error\\.$`),
  );
  await expect(progress.getByRole('listitem')).toHaveText([
    `${tmpPath}/flowers.predictions.csv`,
    `${tmpPath}/flowers.predictions.errors.jsonl`,
  ]);
  await page.screenshot({ path: `${screenshots}batch-job-done.png` });
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();

  // Next to the input, in the file browser and on the server: a prediction per good row.
  await expect(page.getByText('flowers.predictions.csv', { exact: true })).toBeVisible();
  const output = await request.get(`/files/${tmpPath}/flowers.predictions.csv`);
  expect(output.status()).toBe(200);
  const [header, ...lines] = (await output.text()).trim().split(/\r?\n/);
  const columns = header!.split(',');
  expect(columns[0]).toBe('id');
  expect(columns).toContain('output_label');
  expect(columns[columns.length - 1]).toBe('prediction_id');
  const label = columns.indexOf('output_label');
  const scored = lines.map((line) => line.split(','));
  expect(scored.map((cells) => cells[0])).toEqual(irisRecords.map((_, i) => `f${i + 1}`));
  expect(scored.map((cells) => Number(cells[label]))).toEqual(expectedLabels);
  expect(scored.every((cells) => cells[cells.length - 1]!.length > 0)).toBe(true);
  const errors = await request.get(`/files/${tmpPath}/flowers.predictions.errors.jsonl`);
  const refused = (await errors.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { row: number; error: string });
  expect(refused).toHaveLength(1);
  expect(refused[0]!.row).toBe(rows.length + 1);

  // The monitor's Jobs tab lists it.
  await page.evaluate(
    (name) =>
      (
        window as unknown as {
          jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> } };
        }
      ).jupyterapp.commands.execute('slipway:open-monitor', { name }),
    NAME,
  );
  await monitor(page).getByRole('tab', { name: 'Jobs' }).click();
  const jobs = monitor(page).getByRole('table', { name: 'Batch jobs' });
  const row = jobs.getByRole('row', { name: /flowers\.csv/ });
  await expect(row).toContainText('succeeded');
  await expect(row).toContainText(`${all} of ${all} rows`);
  await expect(
    row.getByRole('button', { name: 'Download the output of flowers.csv' }),
  ).toBeVisible();
  await expect(
    monitor(page).getByText(`No stream binding: POST /api/deployments/${NAME}/streams`),
  ).toBeVisible();
  await page.screenshot({ path: `${screenshots}monitor-jobs.png` });
});

test('a stream binding shows in the monitor with its topics, state and reason', async ({
  page,
  request,
}) => {
  // Run alone (--grep), the first test has not published the deployment.
  const existing = await request.get(`${gateway}/api/deployments/${NAME}`, { headers: admin });
  if (existing.status() === 404) await publishIris(request, NAME);
  // Port 1: no broker listens there; the binding exists and says why it cannot consume.
  const created = await request.post(`${gateway}/api/deployments/${NAME}/streams`, {
    headers: admin,
    data: { brokers: ['127.0.0.1:1'], inputTopic: 'flowers', outputTopic: 'scores' },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  try {
    await page.evaluate(
      (name) =>
        (
          window as unknown as {
            jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> } };
          }
        ).jupyterapp.commands.execute('slipway:open-monitor', { name }),
      NAME,
    );
    await monitor(page).getByRole('tab', { name: 'Jobs' }).click();
    const streams = monitor(page).getByRole('table', { name: 'Streams' });
    const row = streams.getByRole('row', { name: /flowers → scores/ });
    await expect(row).toContainText('(dead letters: flowers.dead-letter)');
    await expect(row.getByRole('button', { name: 'Pause the stream from flowers' })).toBeVisible();
    // The tab polls while shown: the consumer's failure to reach the broker shows with its reason.
    await expect(row.locator('.jp-SlipwayStreamState')).toHaveText(/retrying|failed/, {
      timeout: 120_000,
    });
    await expect(row.locator('.jp-SlipwayJob-message')).not.toBeEmpty();
    await page.screenshot({ path: `${screenshots}monitor-streams.png` });
  } finally {
    await request.delete(`${gateway}/api/streams/${id}`, { headers: admin });
  }
});
