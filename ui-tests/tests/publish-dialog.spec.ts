// The publish dialog in a real JupyterLab against a real gateway (issue 14): what it shows
// before the upload (signature, warnings, why Publish is disabled), the tag toggles' checked
// state, a result that outlives a closed dialog, the curl of a version 2 run in bash, a new
// invoke key from the sidebar, and a name that exists with another signature.
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { cellToolbarButton, openNewNotebook, openPublish } from '../galata-helpers.js';
import { admin, fixture, gateway, publishIris, screenshots } from '../iris.js';

test.describe.configure({ mode: 'serial' });

const run = promisify(execFile);
/** Publishes go here, whichever host name the settings give the gateway. */
const DEPLOYMENTS = /\/api\/deployments$/;

// slipway.spec.ts counts the deployments of the same gateway: leave none behind.
test.afterAll(async ({ playwright }) => {
  const api = await playwright.request.newContext();
  for (const name of ['times', 'flowers'])
    await api.delete(`${gateway}/api/deployments/${name}`, { headers: admin });
  await api.dispose();
});

/** Opens the notification center and answers it. */
async function notificationCenter(page: Page) {
  const center = page.locator('.jp-Notification-Center');
  if (!(await center.isVisible())) await page.locator('.jp-Notification-Status').click();
  await expect(center).toBeVisible();
  return center;
}

test('shows the signature and the warnings before the upload; the tag toggles show their state', async ({
  page,
  tmpPath,
}) => {
  await openNewNotebook(page, `${tmpPath}/checks.ipynb`, [
    ['%pip install tqdm', []],
    ['x = 2  # the input\nthreshold = np.float64(0.5)', []],
    ['x * 3', []],
  ]);

  // No parameters cell, a %pip cell, no output cell: said before anything is sent.
  let form = await openPublish(page);
  const warnings = form.getByRole('list', { name: 'Warnings' });
  await expect(warnings).toContainText('No cell is tagged "parameters"');
  await expect(warnings).toContainText('Cell 1 installs packages (%pip install tqdm)');
  await expect(form.locator('.jp-SlipwayPublishForm-returns')).toHaveText(
    'No cell is tagged "output": a call returns the outputs of the last code cell (cell 3). Tag the cells to return with Tag as Output.',
  );
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Cancel' }).click();

  // The toggle is checked on the tagged cell only; tagging a second cell moves the tag.
  const tagSecond = await cellToolbarButton(page, 1, 'Tag as Parameters');
  await tagSecond.click();
  await expect(tagSecond).toHaveAttribute('aria-pressed', 'true');
  const tagThird = await cellToolbarButton(page, 2, 'Tag as Parameters');
  await expect(tagThird).toHaveAttribute('aria-pressed', 'false');
  await tagThird.click();
  const cells = page.locator('.jp-Notebook .jp-Cell');
  await expect(cells.nth(2).getByLabel('Slipway tags')).toHaveText('parameters');
  await expect(cells.nth(1).getByLabel('Slipway tags')).toHaveCount(0);
  const back = await cellToolbarButton(page, 1, 'Tag as Parameters');
  await expect(back).toHaveAttribute('aria-pressed', 'false');
  await back.click();
  await expect(back).toHaveAttribute('aria-pressed', 'true');
  await expect(cells.nth(2).getByLabel('Slipway tags')).toHaveCount(0);

  form = await openPublish(page);
  const rows = form.getByRole('table', { name: 'Parameters' }).locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveText(/x\s*int64\s*2/);
  await expect(rows.nth(1)).toContainText('none (np.float64(0.5) is not a literal)');
  await expect(form.getByRole('list', { name: 'Warnings' })).toContainText(
    'The default of threshold (np.float64(0.5)) is not a literal, so it becomes type json',
  );
  await expect(form.getByRole('list', { name: 'Warnings' })).not.toContainText(
    'No cell is tagged "parameters"',
  );
  // A timeout of 0: Publish is disabled, and says why.
  await form.getByLabel('Timeout in seconds').fill('0');
  const publish = page.locator('.jp-Dialog').getByRole('button', { name: 'Publish' });
  await expect(publish).toBeDisabled();
  await expect(form.locator('.jp-SlipwayPublishForm-disabled')).toHaveText(
    /^Publish is disabled until this is fixed: Timeout \(s\): A timeout is a number of seconds between 1 and 86400/,
  );
  await page.screenshot({ path: `${screenshots}publish-dialog-checks.png` });
  await form.getByLabel('Timeout in seconds').fill('60');
  await expect(publish).toBeEnabled();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Cancel' }).click();
});

test('a publish whose dialog was closed ends in a notification that shows URL and key', async ({
  page,
  tmpPath,
  request,
}) => {
  await openNewNotebook(page, `${tmpPath}/times.ipynb`, [
    ['x = 2', ['parameters']],
    ['x * 10', ['output']],
  ]);
  // The upload is held until the dialog is closed: the publish is surely still running then.
  let release!: () => void;
  const closed = new Promise<void>((resolve) => (release = resolve));
  await page.route(DEPLOYMENTS, async (route) => {
    if (route.request().method() === 'POST') await closed;
    await route.continue();
  });
  const form = await openPublish(page);
  await form.getByLabel('Deployment name').fill('times');
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Publish' }).click();
  const result = page.locator('.jp-Dialog .jp-SlipwayPublishResult');
  await expect(result).toBeVisible();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  release();

  const center = await notificationCenter(page);
  await expect(center).toContainText('Version 1 of times is live', { timeout: 180_000 });
  await center.getByRole('button', { name: 'Show' }).click();
  const shown = page.locator('.jp-Dialog .jp-SlipwayPublishResult');
  const url = (await shown.locator('.jp-SlipwayPublishResult-url').textContent())!;
  const key = (await shown.locator('.jp-SlipwayPublishResult-key').textContent())!;
  expect(url).toMatch(/\/fn\/times$/);
  await page.screenshot({ path: `${screenshots}publish-notification-show.png` });
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();
  await page.unroute(DEPLOYMENTS);

  const res = await request.post(url, {
    headers: { Authorization: `Bearer ${key}` },
    data: { x: 4 },
  });
  const body = await res.json();
  expect(res.status(), JSON.stringify(body)).toBe(200);
  // The one output cell's result, 40, however the gateway encodes it.
  expect(body.outputs).toHaveLength(1);
  expect(JSON.stringify(body.outputs[0])).toContain('40');
});

test('a name that exists with another signature asks first; the curl of its version 2 works in bash', async ({
  page,
  tmpPath,
}) => {
  const key = await publishIris(page.request, 'flowers');
  await page.contents.uploadFile(
    fixture('../gateway/test/fixtures/onnx/classifier_nozipmap.onnx'),
    `${tmpPath}/flowers.onnx`,
  );
  await page.filebrowser.openDirectory(tmpPath);
  await page.getByText('flowers.onnx', { exact: true }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: /Publish Model/i }).click();
  const dialog = page.locator('.jp-Dialog');
  const form = dialog.locator('.jp-SlipwayPublishForm');
  await expect(form.getByLabel('Deployment name')).toHaveValue('flowers');
  // The file is checked with the gateway first: the inputs it would publish, and what they
  // would break for the name's callers (v1 answers a zipmap, this file does not).
  await expect(form.getByRole('table', { name: 'Model inputs' })).toContainText('Xfloat32[4]');
  await expect(form.locator('.jp-SlipwayPublishForm-existing')).toContainText(
    'flowers exists: v1, onnx, inputs X; this becomes v2 as onnx with inputs X. Today’s callers would fail:',
  );
  // Without a choice nothing is sent: the dialog comes back saying what to do.
  await dialog.getByRole('button', { name: 'Publish' }).click();
  await expect(form.locator('.jp-SlipwayPublishForm-problem').first()).toContainText(
    'Choose "Publish as a new version of flowers", or change the name.',
  );
  await form.locator('input[name="newVersion"]').check();
  await dialog.getByRole('button', { name: 'Publish' }).click();
  // Other outputs than v1: the gateway's list of differences, and an explicit Publish anyway.
  await expect(dialog.locator('.jp-SlipwayPublishResult-error')).toContainText('flowers v1', {
    timeout: 120_000,
  });
  await page.screenshot({ path: `${screenshots}publish-signature-changed.png` });
  await dialog.getByRole('button', { name: 'Publish anyway' }).click();
  const result = dialog.locator('.jp-SlipwayPublishResult.jp-mod-done');
  await expect(result).toContainText('Version 2 of flowers is live', { timeout: 120_000 });
  // A version 2 shows no key (v1's still works): its curl takes it from $SLIPWAY_KEY.
  await expect(result.locator('.jp-SlipwayPublishResult-key')).toHaveCount(0);
  const curl = (await result.locator('.jp-SlipwayPublishResult-curl').textContent())!;
  expect(curl).toContain('"Authorization: Bearer $SLIPWAY_KEY"');
  await dialog.getByRole('button', { name: 'Close' }).click();
  const { stdout } = await run('bash', ['-c', `${curl} --silent --show-error --fail-with-body`], {
    env: { ...process.env, SLIPWAY_KEY: key },
  });
  const answer = JSON.parse(stdout);
  expect(answer.version).toBe(2);
  expect(answer).toHaveProperty('prediction');
});

test('New invoke key… in the sidebar gives a key that works', async ({ page, request }) => {
  await page.evaluate(() =>
    (
      window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
    ).jupyterapp.commands.execute('slipway:open-deployments'),
  );
  const list = page.getByRole('list', { name: 'Deployments' });
  await list.getByRole('button', { name: 'New invoke key for flowers' }).click();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Issue key' }).click();
  const shown = page.locator('.jp-Dialog .jp-SlipwayNewKey .jp-SlipwayPublishResult-key');
  await expect(shown).toBeVisible();
  const key = (await shown.textContent())!;
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Done' }).click();
  const irisRecord = JSON.parse(
    readFileSync(fixture('../gateway/test/fixtures/onnx/classifier_zipmap.expected.json'), 'utf8'),
  ).records[0];
  const res = await request.post(`${gateway}/fn/flowers`, {
    headers: { Authorization: `Bearer ${key}` },
    data: irisRecord,
  });
  expect(res.status(), await res.text()).toBe(200);
  const refused = await request.post(`${gateway}/fn/flowers`, {
    headers: { Authorization: 'Bearer sk_not-a-key' },
    data: irisRecord,
  });
  expect(refused.status()).toBe(401);
  // The gateway lists the new key among the deployment's keys.
  const keys = await request.get(`${gateway}/api/deployments/flowers/keys`, { headers: admin });
  expect(keys.status()).toBe(200);
});
