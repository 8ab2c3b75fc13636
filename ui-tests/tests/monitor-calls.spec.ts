import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';
import { admin, gateway, publishIris, screenshots } from '../iris.js';

/**
 * The monitor's recent calls open in full (a failed one too: status, error, input; a notebook
 * call's traceback, and its executed notebook in JupyterLab), and the Try it tab calls the
 * deployment from a form made from its signature.
 */

// Names of their own: the other specs use the same gateway and count its deployments.
const IRIS = 'iris-calls';
const NOTEBOOK = 'failing-calls';

test.describe.configure({ mode: 'serial' });

test.afterAll(async ({ playwright }) => {
  const api = await playwright.request.newContext();
  for (const name of [IRIS, NOTEBOOK])
    await api.delete(`${gateway}/api/deployments/${name}`, { headers: admin });
  await api.dispose();
});

/** A notebook whose `fail` parameter makes its second cell raise. */
const failingNotebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
    language_info: { name: 'python' },
  },
  cells: [
    {
      cell_type: 'code',
      id: 'params',
      metadata: { tags: ['parameters'] },
      execution_count: null,
      outputs: [],
      source: 'x = 1\nfail = False',
    },
    {
      cell_type: 'code',
      id: 'work',
      metadata: {},
      execution_count: null,
      outputs: [],
      source: 'if fail:\n    raise ValueError("told to fail")\ny = x * 2',
    },
    {
      cell_type: 'code',
      id: 'answer',
      metadata: { tags: ['output'] },
      execution_count: null,
      outputs: [],
      source: 'y',
    },
  ],
};

/** Calls `/fn/:name`; answers the call id (X-Request-Id) and the status. */
async function call(request: APIRequestContext, name: string, key: string, body: unknown) {
  const res = await request.post(`${gateway}/fn/${name}`, {
    headers: { Authorization: `Bearer ${key}` },
    data: body,
  });
  const id = res.headers()['x-request-id'];
  expect(id).toBeTruthy();
  return { id: id!, status: res.status() };
}

function monitor(page: Page, name: string) {
  return page
    .locator('.jp-SlipwayMonitor')
    .filter({ has: page.getByRole('heading', { name, exact: true }) });
}

async function openMonitor(page: Page, name: string) {
  await page.evaluate(
    (n) =>
      (
        window as unknown as {
          jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> } };
        }
      ).jupyterapp.commands.execute('slipway:open-monitor', { name: n }),
    name,
  );
  await expect(monitor(page, name).getByRole('heading', { name, exact: true })).toBeVisible();
}

let irisKey = '';

test('a failed call opens in full from the recent calls: status, error, input', async ({
  page,
  request,
}) => {
  irisKey = await publishIris(request, IRIS);
  const good = await call(request, IRIS, irisKey, { X: [5.1, 3.5, 1.4, 0.2] });
  expect(good.status).toBe(200);
  const bad = await call(request, IRIS, irisKey, { X: 'not numbers' });
  expect(bad.status).toBe(400);

  await openMonitor(page, IRIS);
  const panel = monitor(page, IRIS);
  const row = panel.locator(`tr[data-call="${bad.id}"]`);
  await expect(row).toHaveClass(/jp-mod-error/);
  await row.click();
  const detail = panel.getByRole('region', { name: 'Call detail' });
  await expect(detail).toBeVisible();
  await expect(detail.getByRole('heading', { name: `Call ${bad.id.slice(0, 8)}` })).toBeVisible();
  await expect(detail.locator('dd.jp-mod-error')).toHaveText('400');
  await expect(detail.getByLabel('Error', { exact: true })).toContainText('X');
  await expect(detail.getByLabel('Input', { exact: true })).toContainText('not numbers');
  await page.screenshot({ path: `${screenshots}call-detail.png` });

  // The good call: its output, no error.
  await panel.locator(`tr[data-call="${good.id}"]`).click();
  await expect(detail.getByLabel('Output', { exact: true })).toContainText('output_label');
  await expect(detail.getByLabel('Error', { exact: true })).toHaveCount(0);
  await detail.getByRole('button', { name: 'Close call detail' }).click();
  await expect(detail).toBeHidden();
});

test('a failed notebook call shows its traceback and opens its executed notebook', async ({
  page,
  request,
}) => {
  const published = await request.post(`${gateway}/api/deployments`, {
    headers: admin,
    multipart: {
      name: NOTEBOOK,
      file: {
        name: 'failing.ipynb',
        mimeType: 'application/x-ipynb+json',
        buffer: Buffer.from(JSON.stringify(failingNotebook)),
      },
    },
  });
  expect(published.status()).toBe(201);
  const key = (await published.json()).invokeKey as string;
  const failed = await call(request, NOTEBOOK, key, { x: 3, fail: true });
  expect(failed.status).toBe(500);

  await openMonitor(page, NOTEBOOK);
  const panel = monitor(page, NOTEBOOK);
  await panel.locator(`tr[data-call="${failed.id}"]`).click();
  const detail = panel.getByRole('region', { name: 'Call detail' });
  await expect(detail.getByLabel('Traceback', { exact: true })).toContainText(
    'ValueError: told to fail',
  );
  await expect(detail.getByLabel('Input', { exact: true })).toContainText('"fail": true');
  await detail.getByRole('button', { name: 'Open executed notebook' }).click();
  // Saved under slipway-runs/ and opened as a notebook of JupyterLab's.
  const tab = page.locator('.lm-TabBar-tab', { hasText: `${NOTEBOOK}-${failed.id}.ipynb` });
  await expect(tab).toBeVisible();
  await expect(page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output')).toContainText(
    'told to fail',
  );
  await page.screenshot({ path: `${screenshots}call-notebook.png` });
});

test('Try it: a form from the signature, the response, and the call as code', async ({ page }) => {
  await openMonitor(page, IRIS);
  const panel = monitor(page, IRIS);
  await panel.getByRole('tab', { name: 'Try it' }).click();
  const x = panel.getByLabel('X', { exact: true });
  await x.fill('5.1, 3.5');
  await panel.getByRole('button', { name: 'Send' }).click();
  await expect(panel.locator('.jp-SlipwayCallForm-error:visible')).toHaveText(
    'X: expected 4 comma-separated values, got 2',
  );

  // The first flower of the fixture: the classifier answers 0.
  await x.fill('5.8, 4.0, 1.2, 0.2');
  await panel.getByRole('button', { name: 'Send' }).click();
  const response = panel.getByRole('region', { name: 'Response' });
  await expect(response.getByRole('status')).toContainText('HTTP 200');
  await expect(response.getByLabel('Response body')).toContainText('"output_label": 0');
  const code = panel.getByRole('region', { name: 'The same call as code' });
  await expect(code.getByLabel('curl', { exact: true })).toContainText(
    `-d '{"X":[5.8,4,1.2,0.2]}'`,
  );
  await expect(code.getByLabel('Python (requests)', { exact: true })).toContainText(
    'requests.post(',
  );
  await expect(code.getByLabel('JavaScript (fetch)', { exact: true })).toContainText(
    'await fetch(',
  );
  await page.screenshot({ path: `${screenshots}try-it.png` });
});
