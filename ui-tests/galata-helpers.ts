// What the notebook specs share: a notebook opened from its cells or from the scale fixture,
// a button of a cell's toolbar, and the publish dialog: opened, filled and published.
import { expect, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import { fixture } from './iris.js';

/** A notebook's JSON with these code cells (source, tags). */
function notebook(cells: [string, string[]][]): string {
  return JSON.stringify({
    cells: cells.map(([source, tags], i) => ({
      cell_type: 'code',
      execution_count: null,
      id: `cell-${i}`,
      metadata: tags.length ? { tags } : {},
      outputs: [],
      source,
    })),
    metadata: {
      kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
      language_info: { name: 'python' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** Opens the notebook at `path` and makes its tab the active one. */
async function openAndActivate(page: IJupyterLabPageFixture, path: string): Promise<void> {
  await page.notebook.openByPath(path);
  await page.notebook.activate(path.slice(path.lastIndexOf('/') + 1));
}

/** Writes a notebook of these code cells (source, tags) to `path` and opens it. */
export async function openNewNotebook(
  page: IJupyterLabPageFixture,
  path: string,
  cells: [string, string[]][],
): Promise<void> {
  await page.contents.uploadContent(notebook(cells), 'text', path);
  await openAndActivate(page, path);
}

/** Uploads the scale fixture notebook (ui-tests/fixtures/scale.ipynb) to `dir` and opens it. */
export async function openScaleNotebook(page: IJupyterLabPageFixture, dir: string): Promise<void> {
  await page.contents.uploadFile(fixture('fixtures/scale.ipynb'), `${dir}/scale.ipynb`);
  await openAndActivate(page, `${dir}/scale.ipynb`);
}

/** Selects the notebook cell at `index` and answers the button `name` of its cell toolbar. */
export async function cellToolbarButton(page: Page, index: number, name: string): Promise<Locator> {
  const cell = page.locator('.jp-Notebook .jp-Cell').nth(index);
  await cell.locator('.jp-InputPrompt').click();
  return cell.getByRole('toolbar', { name: 'Cell toolbar' }).getByRole('button', { name });
}

/** Opens the active notebook's publish dialog from its toolbar; answers the form. */
export async function openPublish(page: Page): Promise<Locator> {
  await page.locator('.jp-NotebookPanel-toolbar [data-command="slipway:publish-notebook"]').click();
  const form = page.locator('.jp-Dialog .jp-SlipwayPublishForm');
  await expect(form).toBeVisible();
  return form;
}

/**
 * Fills the open publish dialog with `name`, presses Publish, waits for the version to be live
 * and answers the URL and key the result shows, and the result itself.
 */
export async function publishFromDialog(page: Page, name: string) {
  const form = page.locator('.jp-Dialog .jp-SlipwayPublishForm');
  await expect(form).toBeVisible();
  await form.getByLabel('Deployment name').fill(name);
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Publish' }).click();
  const result = page.locator('.jp-Dialog .jp-SlipwayPublishResult.jp-mod-done');
  await expect(result).toBeVisible({ timeout: 180_000 });
  const url = (await result.locator('.jp-SlipwayPublishResult-url').textContent())!;
  const key = (await result.locator('.jp-SlipwayPublishResult-key').textContent())!;
  return { url, key, result };
}
