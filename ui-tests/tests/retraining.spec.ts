import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';
import { admin, fixture, gateway, irisRecords, publishIris, screenshots } from '../iris.js';

/**
 * The retraining loop from JupyterLab: a notebook becomes a classifier's trainer through the
 * Publish dialog; Retrain now in the monitor runs it, the run ends with a candidate version,
 * its executed notebook opens, and the candidate is promoted, then the old version tried as a
 * canary and rolled back, each change showing in the Versions tab.
 */

// Its own name: the other specs run against the same gateway.
const NAME = 'iris-retrained';

const records = irisRecords;

/** Publishes the classifier, calls it, and labels every call with the model's own answer. */
async function labelledClassifier(request: APIRequestContext): Promise<void> {
  const key = await publishIris(request, NAME);
  const rows = ['id,actual'];
  for (let i = 0; i < 10; i++) {
    const res = await request.post(`${gateway}/fn/${NAME}`, {
      headers: { Authorization: `Bearer ${key}` },
      data: { X: records[i % records.length] },
    });
    expect(res.status()).toBe(200);
    rows.push(`${res.headers()['x-request-id']},${(await res.json()).prediction.output_label}`);
  }
  const labels = await request.post(`${gateway}/api/deployments/${NAME}/feedback`, {
    headers: { ...admin, 'Content-Type': 'text/csv' },
    data: rows.join('\n'),
  });
  expect(labels.status(), await labels.text()).toBe(200);
  expect(await labels.json()).toMatchObject({ accepted: 10, rejected: 0 });
}

function monitor(page: Page) {
  return page
    .locator('.jp-SlipwayMonitor')
    .filter({ has: page.getByRole('heading', { name: NAME, exact: true }) });
}

/** The Versions tab's row of version `v`. */
function versionRow(page: Page, v: number) {
  return monitor(page)
    .getByRole('table', { name: 'Version timeline' })
    .getByRole('row', { name: new RegExp(`^v${v}\\b`) });
}

/** Presses a button of the open dialog. */
async function answer(page: Page, button: string): Promise<void> {
  await page.locator('.jp-Dialog').getByRole('button', { name: button, exact: true }).click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
}

test.afterAll(async ({ playwright }) => {
  const api = await playwright.request.newContext();
  await api.delete(`${gateway}/api/deployments/${NAME}`, { headers: admin });
  await api.dispose();
});

test('retrains from the monitor, opens the run notebook and promotes the candidate', async ({
  page,
  tmpPath,
  request,
}) => {
  await labelledClassifier(request);

  // The notebook becomes the trainer through the Publish dialog of its toolbar.
  await page.contents.uploadFile(
    fixture('./fixtures/copy-trainer.ipynb'),
    `${tmpPath}/copy-trainer.ipynb`,
  );
  await page.notebook.openByPath(`${tmpPath}/copy-trainer.ipynb`);
  await page.notebook.activate('copy-trainer.ipynb');
  await page.locator('.jp-NotebookPanel-toolbar [data-command="slipway:publish-notebook"]').click();
  const form = page.locator('.jp-Dialog .jp-SlipwayPublishForm');
  await form.getByLabel('Use as the trainer of…').check();
  await form.getByLabel('Deployment to retrain').selectOption(NAME);
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Publish' }).click();
  const result = page.locator('.jp-Dialog .jp-SlipwayPublishResult.jp-mod-done');
  await expect(result).toContainText(`copy-trainer.ipynb is the training notebook of ${NAME}.`, {
    timeout: 120_000,
  });
  await expect(result).toContainText('training_data_path, live_model_path');
  await answer(page, 'Close');

  // The monitor opened on its Retraining tab.
  const panel = monitor(page);
  const retraining = panel.getByRole('tab', { name: 'Retraining' });
  await expect(retraining).toHaveAttribute('aria-selected', 'true');
  await expect(panel).toContainText('Training notebook: copy-trainer.ipynb');

  await panel.getByRole('tab', { name: 'Versions' }).click();
  await expect(versionRow(page, 1)).toContainText('live');
  await expect(versionRow(page, 1)).toContainText('uploaded iris.onnx');

  await retraining.click();
  await panel.getByRole('button', { name: 'Retrain now' }).click();
  const runs = panel.getByRole('table', { name: 'Retraining runs' }).locator('tbody tr');
  await expect(runs).toHaveCount(1);
  await expect(runs.first()).toContainText('button');
  // papermill starts a kernel and runs the notebook: the stream says when the run ends.
  await expect(runs.first().locator('.jp-SlipwayRunStatus')).toHaveText('succeeded', {
    timeout: 240_000,
  });
  await expect(runs.first()).toContainText('v2');
  await page.screenshot({ path: `${screenshots}monitor-retraining.png` });

  // The executed notebook opens in JupyterLab, saved under slipway-runs/.
  const runId = await runs.first().getAttribute('data-run');
  await panel
    .getByRole('button', { name: `Open the notebook of run ${runId!.slice(0, 8)}` })
    .click();
  await expect(page.activity.getTabLocator(`${NAME}-${runId}.ipynb`)).toBeVisible();
  // papermill's injected cell holds the paths the gateway passed.
  const executedNotebook = page.locator('.jp-NotebookPanel:visible', { hasText: '# Parameters' });
  await expect(executedNotebook).toContainText('output_model_path = "/');
  await expect(executedNotebook).toContainText(
    'shutil.copyfile(live_model_path, output_model_path)',
  );
  // Both notebooks closed and one tab at a time, the monitor has the main area to itself.
  await page.notebook.close(true);
  await page.activity.activateTab('copy-trainer.ipynb');
  await page.notebook.close(true);
  await page.activity.activateTab(`Monitor: ${NAME}`);
  await page.setSimpleMode(true);

  // The candidate, with where it came from and its gate; promoted, it becomes live.
  await panel.getByRole('tab', { name: 'Versions' }).click();
  const candidate = versionRow(page, 2);
  await expect(candidate).toContainText('candidate');
  await expect(candidate).toContainText(/retraining run [0-9a-f]{8} \(button\)/);
  await expect(candidate).toContainText(/accuracy: candidate 1 vs live 1 on \d+ held-back label/);
  await page.screenshot({ path: `${screenshots}monitor-versions.png` });
  await candidate.getByRole('button', { name: 'Promote version 2' }).click();
  await answer(page, 'Promote');
  await expect(versionRow(page, 2).locator('.jp-SlipwayVersionState')).toHaveText('live');
  await expect(versionRow(page, 1).locator('.jp-SlipwayVersionState')).toHaveText('previous');
  await expect(panel.locator('.jp-SlipwayMonitor-header')).toContainText('v2 ·');

  // The old version as a canary on 10% of the calls, then rolled back.
  await versionRow(page, 1).getByRole('button', { name: 'Start a canary of version 1' }).click();
  await expect(page.locator('.jp-Dialog input')).toHaveValue('10');
  await answer(page, 'Start canary');
  await expect(versionRow(page, 1).locator('.jp-SlipwayVersionState')).toHaveText('canary 10%');
  const canary = panel.getByRole('region', { name: 'Canary' });
  await expect(canary).toContainText('Canary: version 1 answers 10% of the calls');
  await page.screenshot({ path: `${screenshots}monitor-canary.png` });
  await versionRow(page, 1)
    .getByRole('button', { name: 'Roll back the canary of version 1' })
    .click();
  await answer(page, 'Roll back canary');
  await expect(canary).toContainText('The last canary, version 1, was rolled back.');
  await expect(versionRow(page, 1).locator('.jp-SlipwayVersionState')).not.toHaveText(/canary/);
  await expect(versionRow(page, 2).locator('.jp-SlipwayVersionState')).toHaveText('live');
});
