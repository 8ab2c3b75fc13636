// The notebook kernel `npm start` gives (issue 14, E.17): the usual data-science set is there,
// so a first plot works, and onnxruntime is there to check an ONNX export.
import { expect, test } from '@jupyterlab/galata';

test('a new notebook plots with matplotlib and has onnxruntime', async ({ page }) => {
  await page.notebook.createNew('first-plot.ipynb');
  await page.notebook.setCell(
    0,
    'code',
    [
      'import matplotlib.pyplot as plt, onnxruntime, sklearn, pandas',
      "print('onnxruntime', onnxruntime.__version__)",
      'plt.plot([1, 3, 2]); plt.show()',
    ].join('\n'),
  );
  await page.notebook.runCell(0);
  const output = page.locator('.jp-Notebook .jp-Cell').first().locator('.jp-OutputArea');
  await expect(output).toContainText('onnxruntime 1.');
  // The figure, rendered as an image (a missing package would show a traceback instead).
  await expect(output.locator('img')).toBeVisible();
  await expect(output).not.toContainText('Error');
});
