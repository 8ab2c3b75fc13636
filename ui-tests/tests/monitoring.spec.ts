import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';
import { admin, gateway, irisRecords, publishIris, screenshots } from '../iris.js';

/**
 * The monitoring loop end to end: a classifier is called, its labels are sent from the file
 * browser and its accuracy shows in the Quality tab; a reference is set the same way, shifted
 * inputs show as drift in the Drift tab, and a drift rule fires in the Alerts tab.
 */

// Not `iris`: slipway.spec.ts runs against the same gateway and publishes and deletes that one.
const NAME = 'iris-monitored';

test.describe.configure({ mode: 'serial' });

const records = irisRecords;

/** Calls the deployment; answers the prediction id (the call's X-Request-Id) and the label. */
async function call(request: APIRequestContext, key: string, X: number[]) {
  const res = await request.post(`${gateway}/fn/${NAME}`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { X },
  });
  expect(res.status()).toBe(200);
  const id = res.headers()['x-request-id'];
  expect(id).toBeTruthy();
  return { id: id!, label: (await res.json()).prediction.output_label as number };
}

/** Right-clicks a file in the file browser and picks a Slipway item of its menu. */
async function fileMenu(page: IJupyterLabPageFixture, dir: string, file: string, item: string) {
  await page.filebrowser.openDirectory(dir);
  await page.getByText(file, { exact: true }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: item }).click();
}

/** Picks the deployment in the ground truth / reference dialog and presses its button. */
async function sendTo(page: Page, button: string) {
  const dialog = page.locator('.jp-Dialog');
  await dialog.getByLabel('Deployment').selectOption(NAME);
  await dialog.getByRole('button', { name: button }).click();
}

/** Reads a message from the notification center (toasts are not shown to the test browser). */
async function notified(page: Page, text: RegExp): Promise<void> {
  await page.locator('.jp-Notification-Status').click();
  await expect(page.locator('.jp-Notification-Center')).toContainText(text, { timeout: 120_000 });
  await page.keyboard.press('Escape');
}

function monitor(page: Page) {
  return page
    .locator('.jp-SlipwayMonitor')
    .filter({ has: page.getByRole('heading', { name: NAME, exact: true }) });
}

async function openMonitor(page: Page) {
  await page.evaluate(
    (name) =>
      (
        window as unknown as {
          jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> } };
        }
      ).jupyterapp.commands.execute('slipway:open-monitor', { name }),
    NAME,
  );
  await expect(monitor(page).getByRole('heading', { name: NAME, exact: true })).toBeVisible();
}

let key = '';

// slipway.spec.ts counts the deployments of the same gateway: leave none behind.
test.afterAll(async ({ playwright }) => {
  const api = await playwright.request.newContext();
  await api.delete(`${gateway}/api/deployments/${NAME}`, { headers: admin });
  await api.dispose();
});

test('labels sent from the file browser show as accuracy in the Quality tab', async ({
  page,
  tmpPath,
  request,
}) => {
  key = await publishIris(request, NAME);

  // Four calls; the labels say the model was right three times.
  const calls = [];
  for (const X of records.slice(0, 4)) calls.push(await call(request, key, X));
  const rows = calls.map((c, i) => `${c.id},${i === 3 ? (c.label + 1) % 3 : c.label}`);
  await page.contents.uploadContent(
    ['id,actual', ...rows].join('\n'),
    'text',
    `${tmpPath}/labels.csv`,
  );

  await fileMenu(page, tmpPath, 'labels.csv', 'Send as Ground Truth to…');
  await sendTo(page, 'Send');
  await notified(page, new RegExp(`Ground truth for ${NAME}: 4 accepted, 0 rejected`));

  await openMonitor(page);
  // The Traffic tab lists the replica that answered: live, ready, on the cpu pool.
  const replicas = monitor(page).getByRole('table', { name: 'Replicas' });
  await expect(replicas.getByRole('row', { name: /v1 \(live\) 1 ready/ })).toContainText('cpu', {
    timeout: 60_000,
  });
  await monitor(page).getByRole('tab', { name: 'Quality' }).click();
  const figures = monitor(page).getByRole('table', { name: 'Quality figures' });
  await expect(figures.getByRole('row', { name: /^accuracy/ })).toContainText('0.75', {
    timeout: 120_000,
  });
  await expect(figures.getByRole('row', { name: /^labels/ })).toContainText('4');
  await expect(monitor(page).getByRole('table', { name: 'Confusion matrix' })).toBeVisible();
  await page.screenshot({ path: `${screenshots}monitor-quality.png` });
});

test('a reference and shifted inputs show drift, and a drift rule fires', async ({
  page,
  tmpPath,
  request,
}) => {
  // The reference: the fixture's flowers, as the monitor names a vector input's elements.
  const reference = [
    'X[0],X[1],X[2],X[3]',
    ...Array.from({ length: 5 }, () => records.map((X) => X.join(','))).flat(),
  ];
  await page.contents.uploadContent(reference.join('\n'), 'text', `${tmpPath}/reference.csv`);
  await fileMenu(page, tmpPath, 'reference.csv', 'Set as Reference for…');
  await sendTo(page, 'Set');
  await notified(page, new RegExp(`Reference for ${NAME}: ${reference.length - 1} rows`));

  await openMonitor(page);
  const panel = monitor(page);
  // Flowers ten centimetres larger in every measure: no iris the model was trained on.
  for (let i = 0; i < 40; i++)
    await call(
      request,
      key,
      records[i % records.length]!.map((v) => v + 10),
    );

  await panel.getByRole('tab', { name: 'Drift' }).click();
  await expect(panel.locator('.jp-SlipwayDrift-verdict')).toContainText(/^Dataset drift:/, {
    timeout: 120_000,
  });
  const features = panel.getByRole('table', { name: 'Feature drift' });
  await expect(features.getByRole('row', { name: /^X\[2\]/ })).toContainText('drift');
  await features.getByRole('button', { name: 'X[2]', exact: true }).click();
  await expect(
    panel.getByRole('img', { name: 'Reference and current distributions' }),
  ).toBeVisible();
  await page.screenshot({ path: `${screenshots}monitor-drift.png` });

  // A rule is evaluated when it is created: the drift is already there, so it fires at once.
  await panel.getByRole('tab', { name: 'Alerts' }).click();
  await panel.getByRole('button', { name: 'Add rule' }).click();
  const form = page.locator('.jp-Dialog .jp-SlipwayAlertRuleForm');
  await form.getByLabel('Rule name').fill('inputs drifted');
  await form.getByLabel('Condition').selectOption('drift');
  await form.getByLabel('Window (minutes)').fill('60');
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Save' }).click();
  const rules = panel.getByRole('table', { name: 'Alert rules' });
  await expect(rules).toContainText('inputs drifted');
  await expect(rules).toContainText('dataset drift');

  const alerts = panel.getByRole('table', { name: 'Alerts' });
  await expect(alerts.getByRole('row', { name: /firing/ })).toContainText('inputs drifted', {
    timeout: 120_000,
  });
  await expect(rules.getByRole('row', { name: /inputs drifted/ })).toContainText('firing');
  await page.screenshot({ path: `${screenshots}monitor-alerts.png` });
});
