import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { cellToolbarButton, openScaleNotebook, publishFromDialog } from '../galata-helpers.js';
import { fixture, screenshots } from '../iris.js';
import { ADMIN_TOKEN, GATEWAY_PORT } from '../stack.js';

// One gateway and one JupyterLab for the whole file; the steps build on each other.
test.describe.configure({ mode: 'serial' });

/** Selects a notebook cell, right-clicks it and picks an item of its context menu. */
async function cellMenu(page: Page, index: number, item: string): Promise<void> {
  const cell = page.locator('.jp-Notebook .jp-Cell').nth(index);
  await cell.locator('.jp-InputPrompt').click();
  await cell.locator('.jp-InputPrompt').click({ button: 'right' });
  // A toggled command is a menuitemcheckbox, an untoggled one a menuitem: match the label.
  await page.locator('.lm-Menu .lm-Menu-itemLabel', { hasText: new RegExp(`^${item}$`) }).click();
}

/** Publishes from the open dialog; the result shows the curl of the URL too. */
async function publishWithCurl(page: Page, name: string) {
  const published = await publishFromDialog(page, name);
  await expect(published.result.locator('.jp-SlipwayPublishResult-curl')).toContainText(
    `curl -X POST '${published.url}'`,
  );
  return published;
}

test('tags cells, publishes the notebook and answers its URL with the posted parameters', async ({
  page,
  tmpPath,
  request,
}) => {
  await openScaleNotebook(page, tmpPath);

  await cellMenu(page, 1, 'Tag as Parameters');
  await (await cellToolbarButton(page, 3, 'Tag as Output')).click();
  const cells = page.locator('.jp-Notebook .jp-Cell');
  await expect(cells.nth(1).getByLabel('Slipway tags')).toHaveText('parameters');
  await expect(cells.nth(3).getByLabel('Slipway tags')).toHaveText('output');
  expect(await page.notebook.getCellTextInput(1)).toContain('factor = 3');
  // The tags are in the notebook's metadata, where papermill looks for them.
  await expect
    .poll(() =>
      page.evaluate(() => {
        const app = (window as unknown as { jupyterapp: { shell: { currentWidget: unknown } } })
          .jupyterapp;
        const panel = app.shell.currentWidget as {
          content: { model: { cells: { get(i: number): { getMetadata(k: string): unknown } } } };
        };
        return [1, 3].map((i) => panel.content.model.cells.get(i).getMetadata('tags'));
      }),
    )
    .toEqual([['parameters'], ['output']]);
  // Toggling again removes the tag, and again puts it back.
  await cellMenu(page, 3, 'Tag as Output');
  await expect(cells.nth(3).getByLabel('Slipway tags')).toHaveCount(0);
  await cellMenu(page, 3, 'Tag as Output');
  await expect(cells.nth(3).getByLabel('Slipway tags')).toHaveText('output');

  await page.locator('.jp-NotebookPanel-toolbar [data-command="slipway:publish-notebook"]').click();
  await expect(page.locator('.jp-Dialog').getByLabel('Deployment name')).toHaveValue('scale');
  const { url, key } = await publishWithCurl(page, 'scale');
  expect(url).toMatch(/\/fn\/scale$/);
  await page.screenshot({ path: `${screenshots}publish-result.png` });
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();

  const res = await request.post(url, {
    headers: { Authorization: `Bearer ${key}` },
    data: { x: 5, factor: 4 },
  });
  const body = await res.json();
  expect(res.status(), JSON.stringify(body)).toBe(200);
  expect(body.outputs).toEqual([{ x: 5, factor: 4, result: 20 }]);
  const unauthorised = await request.post(url, { data: { x: 1 } });
  expect(unauthorised.status()).toBe(401);

  // The monitoring panel opened beside the notebook and shows both calls: the refused one
  // counts too, so that callers who all fail show as an error rate, not as silence.
  const monitor = page.locator('.jp-SlipwayMonitor');
  await expect(monitor.getByRole('heading', { name: 'scale' })).toBeVisible();
  await expect(monitor.getByLabel('requests')).toHaveText(/^2\s*requests$/, { timeout: 120_000 });
  await expect(monitor.getByLabel('error rate')).toHaveText(/^50\.0%/);
  await expect(monitor.getByRole('table', { name: 'Recent calls' })).toContainText('"factor":4');
});

test('publishes an ONNX model from the file browser, calls it and watches it', async ({
  page,
  tmpPath,
  request,
}) => {
  await page.contents.uploadFile(
    fixture('../gateway/test/fixtures/onnx/classifier_zipmap.onnx'),
    `${tmpPath}/Iris Classifier.onnx`,
  );
  await page.filebrowser.openDirectory(tmpPath);
  await page.getByText('Iris Classifier.onnx', { exact: true }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Publish Model' }).click();
  await expect(page.locator('.jp-Dialog').getByLabel('Deployment name')).toHaveValue(
    'iris-classifier',
  );
  const { url, key } = await publishWithCurl(page, 'iris');
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();

  for (const X of [
    [5.1, 3.5, 1.4, 0.2],
    [6.7, 3.0, 5.2, 2.3],
    [5.9, 3.0, 4.2, 1.5],
  ]) {
    const res = await request.post(url, {
      headers: { Authorization: `Bearer ${key}` },
      data: { X },
    });
    expect(res.status()).toBe(200);
    expect((await res.json()).prediction).toHaveProperty('output_label');
  }
  const bad = await request.post(url, {
    headers: { Authorization: `Bearer ${key}` },
    data: { X: 'x' },
  });
  expect(bad.status()).toBe(400);

  const monitor = page
    .locator('.jp-SlipwayMonitor')
    .filter({ has: page.getByRole('heading', { name: 'iris', exact: true }) });
  await expect(monitor.getByLabel('requests')).toHaveText(/^4\s*requests$/, { timeout: 120_000 });
  await expect(monitor.getByLabel('error rate')).toContainText('25.0%');
  await expect(
    monitor.getByRole('table', { name: 'Recent calls' }).locator('tbody tr'),
  ).toHaveCount(4);
  await expect(monitor.locator('canvas')).toBeVisible();
  await page.screenshot({ path: `${screenshots}monitor.png` });

  // The sidebar lists both deployments (and those other specs made on the same gateway).
  await page.evaluate(() =>
    (
      window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
    ).jupyterapp.commands.execute('slipway:open-deployments'),
  );
  const list = page.getByRole('list', { name: 'Deployments' });
  await expect(list.locator('li[data-name="scale"]')).toHaveCount(1);
  await expect(list.locator('li[data-name="iris"]')).toContainText('onnx · cpu · v1');
  await page.screenshot({ path: `${screenshots}deployments.png` });
});

test('shows why a file was rejected and creates nothing', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(fixture('fixtures/scale.ipynb'), `${tmpPath}/broken.onnx`);
  await page.filebrowser.openDirectory(tmpPath);
  await page.getByText('broken.onnx', { exact: true }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Publish Model' }).click();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Publish' }).click();
  const error = page.locator('.jp-Dialog .jp-SlipwayPublishResult-error');
  await expect(error).toContainText('The gateway cannot use this file');
  await page.screenshot({ path: `${screenshots}rejected.png` });
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();
  await page.evaluate(() =>
    (
      window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
    ).jupyterapp.commands.execute('slipway:open-deployments'),
  );
  // Nothing was made (other specs' deployments may be listed too).
  const list = page.getByRole('list', { name: 'Deployments' });
  await expect(list.locator('li[data-name="iris"]')).toHaveCount(1);
  await expect(list.locator('li[data-name="broken"]')).toHaveCount(0);
});

test('rolls a deployment back from its monitor and deletes it from the sidebar', async ({
  page,
  request,
}) => {
  // Version 2 of iris, published through the API as a CI job would.
  const gateway = `http://127.0.0.1:${GATEWAY_PORT}`;
  const v2 = await request.post(`${gateway}/api/deployments`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    multipart: {
      name: 'iris',
      // Its outputs differ from v1's (no ZipMap): a version 2 on purpose.
      allowSignatureChange: 'true',
      file: {
        name: 'iris.onnx',
        mimeType: 'application/octet-stream',
        buffer: readFileSync(fixture('../gateway/test/fixtures/onnx/classifier_nozipmap.onnx')),
      },
    },
  });
  expect(v2.status()).toBe(201);
  expect((await v2.json()).version).toBe(2);

  await page.evaluate(() =>
    (
      window as unknown as {
        jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> } };
      }
    ).jupyterapp.commands.execute('slipway:open-monitor', { name: 'iris' }),
  );
  const monitor = page
    .locator('.jp-SlipwayMonitor')
    .filter({ has: page.getByRole('heading', { name: 'iris', exact: true }) });
  const versions = monitor.getByRole('table', { name: 'Versions' });
  await expect(versions.locator('tbody tr')).toHaveCount(2);
  await expect(monitor.locator('.jp-SlipwayMonitor-header')).toContainText('v2');
  await versions.getByRole('button', { name: 'Roll back to version 1' }).click();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Roll back' }).click();
  await expect(monitor.locator('.jp-SlipwayMonitor-header')).toContainText('v1');
  await expect(versions.getByRole('button', { name: 'Roll back to version 2' })).toBeVisible();
  const live = await request.get(`${gateway}/api/deployments/iris`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect((await live.json()).version).toBe(1);

  await page.evaluate(() =>
    (
      window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
    ).jupyterapp.commands.execute('slipway:open-deployments'),
  );
  const list = page.getByRole('list', { name: 'Deployments' });
  await list.getByRole('button', { name: 'Delete iris', exact: true }).click();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(list.locator('li[data-name="iris"]')).toHaveCount(0);
  await expect(list.locator('li[data-name="scale"]')).toHaveCount(1);
  const gone = await request.get(`${gateway}/api/deployments/iris`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(gone.status()).toBe(404);
});

test('publishes a pickle with pre-processing and prediction snippets and calls it', async ({
  page,
  tmpPath,
  request,
}) => {
  const fixtureDir = '../gateway/test/fixtures/pickle';
  const expected = JSON.parse(
    readFileSync(fixture(`${fixtureDir}/snippet_iris_mm.expected.json`), 'utf8'),
  );
  await page.contents.uploadFile(
    fixture(`${fixtureDir}/snippet_iris_mm.pkl`),
    `${tmpPath}/iris_mm.pkl`,
  );
  await page.filebrowser.openDirectory(tmpPath);
  await page.getByText('iris_mm.pkl', { exact: true }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Publish Model' }).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.getByLabel('Pre-processing snippet').fill(expected.config.preprocess);
  await dialog.getByLabel('Prediction snippet').fill(expected.config.predict);
  await dialog.getByLabel('Inputs (JSON)').fill(JSON.stringify(expected.config.signature.inputs));
  await page.screenshot({ path: `${screenshots}publish-pickle.png` });
  const { url, key } = await publishWithCurl(page, 'iris-mm');
  await dialog.getByRole('button', { name: 'Close' }).click();

  const res = await request.post(url, {
    headers: { Authorization: `Bearer ${key}` },
    data: expected.records,
  });
  const body = await res.json();
  expect(res.status(), JSON.stringify(body)).toBe(200);
  expect(body.predictions).toHaveLength(expected.records.length);
  body.predictions.forEach((p: { species: string; confidence: number }, i: number) => {
    expect(p.species).toBe(expected.predictions[i].species);
    expect(p.confidence).toBeCloseTo(expected.predictions[i].confidence, 9);
  });
});

// An unreachable gateway and a refused credential are the Jupyter server's set-up since the
// extension goes through its proxy: ui-tests/wheel/installed.spec.ts starts servers set up wrong.
