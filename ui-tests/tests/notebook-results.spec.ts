// What a published notebook answers (issue 14, B.5 and B.6), in a real JupyterLab against a
// real gateway: a cell whose result is a dict comes back as a JSON object, and a failing
// notebook's error names the cell as JupyterLab shows it after Run All, with the links to
// the run and to its executed notebook, whose traceback is there to read.
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { openNewNotebook, openPublish, publishFromDialog } from '../galata-helpers.js';
import { admin, gateway, screenshots } from '../iris.js';

test.describe.configure({ mode: 'serial' });

// slipway.spec.ts counts the deployments of the same gateway: leave none behind.
test.afterAll(async ({ playwright }) => {
  const api = await playwright.request.newContext();
  for (const name of ['dict-result', 'failing-result'])
    await api.delete(`${gateway}/api/deployments/${name}`, { headers: admin });
  await api.dispose();
});

/** Publishes the open notebook as `name` from its dialog, closes it, and answers URL and key. */
async function publish(page: Page, name: string) {
  await openPublish(page);
  const { url, key } = await publishFromDialog(page, name);
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();
  return { url, key };
}

test('a cell whose result is a dict answers a JSON object, not its repr', async ({
  page,
  tmpPath,
  request,
}) => {
  await openNewNotebook(page, `${tmpPath}/dict-result.ipynb`, [
    ["label = 'demo'  # a name", ['parameters']],
    ['import numpy as np\nscores = np.array([0.25, 0.75])', []],
    ["{'label': label, 'n': 3, 'scores': scores, 'best': scores.max()}", ['output']],
  ]);
  // In JupyterLab the result is the dict's repr...
  await page.notebook.run();
  await expect(
    page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-OutputArea'),
  ).toContainText("{'label': 'demo'");

  const { url, key } = await publish(page, 'dict-result');
  const res = await request.post(url, {
    headers: { Authorization: `Bearer ${key}` },
    data: { label: 'from a caller' },
  });
  const body = await res.json();
  expect(res.status(), JSON.stringify(body)).toBe(200);
  // ...and a caller gets the object itself, numpy values included.
  expect(body.outputs).toEqual([
    { label: 'from a caller', n: 3, scores: [0.25, 0.75], best: 0.75 },
  ]);
});

test('a failing notebook names the cell as JupyterLab shows it, and links the run and its traceback', async ({
  page,
  tmpPath,
  request,
}) => {
  await openNewNotebook(page, `${tmpPath}/failing-result.ipynb`, [
    ['divisor = 0  # what to divide by', ['parameters']],
    ['a = 1', []],
    ['value = 10 / divisor', []],
    ['value', ['output']],
  ]);
  // Run All stops at the failing cell (page.notebook.run() would wait for the cells after it);
  // its prompt is what the user knows it by.
  await page.menu.clickMenuItem('Run>Run All Cells');
  const failing = page.locator('.jp-Notebook .jp-Cell').nth(2);
  await expect(failing.locator('.jp-OutputArea')).toContainText('ZeroDivisionError', {
    timeout: 120_000,
  });
  // The prompt turns from [*] to its number just after the output shows: wait for that.
  await expect(failing.locator('.jp-InputPrompt')).toHaveText('[3]:');
  const prompt = ((await failing.locator('.jp-InputPrompt').textContent()) ?? '').trim();
  expect(prompt).toBe('[3]:');

  const { url, key } = await publish(page, 'failing-result');
  await page.screenshot({ path: `${screenshots}notebook-results-failing.png` });
  const res = await request.post(url, { headers: { Authorization: `Bearer ${key}` }, data: {} });
  expect(res.status()).toBe(500);
  const { error } = await res.json();
  expect(error).toMatchObject({
    code: 'notebook_failed',
    message:
      'cell [3] (3rd cell, “value = 10 / divisor”) raised ZeroDivisionError: division by zero',
    cell: { position: 3, executionCount: 3, firstLine: 'value = 10 / divisor' },
  });
  expect(error.message).toContain(`cell ${prompt.replace(/:$/, '')}`);
  const runId = res.headers()['x-request-id'];
  expect(error.runId).toBe(runId);
  expect(error.statusUrl).toBe(`${url}/runs/${runId}`);
  expect(error.notebookUrl).toBe(`${url}/runs/${runId}/notebook`);

  // The links answer with the same invoke key: the failed run, and the executed notebook with
  // the traceback, numbered as papermill numbers it (no parameters passed, so no injected
  // cell: [3] as in JupyterLab), papermill's marker at the top pointing at it.
  const auth = { headers: { Authorization: `Bearer ${key}` } };
  const run = await (await request.get(error.statusUrl, auth)).json();
  expect(run).toMatchObject({ id: runId, status: 'failed', error: { code: 'notebook_failed' } });
  const executed = await request.get(error.notebookUrl, auth);
  expect(executed.status()).toBe(200);
  const nb = (await executed.json()) as {
    cells: {
      source: string | string[];
      execution_count: number | null;
      outputs?: { output_type: string; traceback?: string[] }[];
    }[];
  };
  const failed = nb.cells.find((c) => c.outputs?.some((o) => o.output_type === 'error'))!;
  expect(failed.execution_count).toBe(3);
  expect([nb.cells[0]!.source].flat().join('')).toContain('An Exception was encountered at');
  const traceback = failed.outputs!.find((o) => o.output_type === 'error')!.traceback!.join('\n');
  expect(traceback).toContain('ZeroDivisionError');
});
