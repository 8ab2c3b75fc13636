import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import { cellToolbarButton, openScaleNotebook, publishFromDialog } from '../galata-helpers.js';
import { admin, gateway, publishIris, screenshots } from '../iris.js';

/**
 * The workspace stays usable (issue 14, D.10 to D.14): monitors share one tab area and come
 * back with the workspace, they read well in a narrow column and in the dark theme, Publish
 * has a label, a shortcut and a Slipway menu, Open Slipway Monitor… picks from the
 * deployments, and the Settings Editor holds no gateway credential. Takes the README's screenshots
 * in both themes.
 */

// Their own names: the other specs run against the same gateway and count theirs.
const NOTEBOOK = 'ws-scale';
const OTHERS = ['ws-iris-a', 'ws-iris-b'];

test.describe.configure({ mode: 'serial' });

test.afterAll(async ({ playwright }) => {
  const api = await playwright.request.newContext();
  for (const name of [NOTEBOOK, ...OTHERS])
    await api.delete(`${gateway}/api/deployments/${name}`, { headers: admin });
  await api.dispose();
});

type App = {
  jupyterapp: { commands: { execute(id: string, args?: unknown): Promise<unknown> } };
};

async function execute(page: Page, command: string, args: Record<string, unknown> = {}) {
  await page.evaluate(
    ([command, args]) =>
      (window as unknown as App).jupyterapp.commands.execute(command as string, args),
    [command, args] as const,
  );
}

function monitor(page: Page, name: string): Locator {
  return page
    .locator('.jp-SlipwayMonitor')
    .filter({ has: page.getByRole('heading', { name, exact: true }) });
}

/** The labels of the main area's tab bars, one list per tab bar. */
function mainTabBars(page: Page): Promise<string[][]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('#jp-main-dock-panel .lm-DockPanel-tabBar')].map((bar) =>
      [...bar.querySelectorAll('.lm-TabBar-tabLabel')].map((l) => l.textContent ?? ''),
    ),
  );
}

/** Every `Monitor: …` tab is in one tab bar, and it holds them all. */
async function monitorTabAreas(page: Page): Promise<string[][]> {
  const bars = await mainTabBars(page);
  return bars
    .map((labels) => labels.filter((l) => l.startsWith('Monitor: ')).sort())
    .filter((labels) => labels.length > 0);
}

/** Grey canvas pixels that are light (words in a dark theme) and dark (words in a light one). */
function canvasInk(canvas: Locator): Promise<{ light: number; dark: number }> {
  return canvas.evaluate((node: HTMLCanvasElement) => {
    const ctx = node.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, node.width, node.height);
    let light = 0;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! < 150) continue;
      const max = Math.max(data[i]!, data[i + 1]!, data[i + 2]!);
      const min = Math.min(data[i]!, data[i + 1]!, data[i + 2]!);
      // Words are grey; the series' colours (an orange line is bright too) are not.
      if (max - min > 16) continue;
      if (max > 230) light++;
      else if (max < 50) dark++;
    }
    return { light, dark };
  });
}

/**
 * The WCAG contrast of an element's words on the background it is drawn on (its own, else
 * the nearest ancestor's), and whether its colour is that of `variable` in the theme.
 */
function readability(node: Locator, variable: string) {
  return node.evaluate((el: HTMLElement, variable) => {
    const rgba = (css: string) => {
      const [r = 0, g = 0, b = 0, a = 1] = (css.match(/[\d.]+/g) ?? []).map(Number);
      return { r, g, b, a };
    };
    let bg = rgba('rgb(255, 255, 255)');
    for (let at: HTMLElement | null = el; at; at = at.parentElement) {
      const c = rgba(getComputedStyle(at).backgroundColor);
      if (c.a > 0) {
        bg = c;
        break;
      }
    }
    const fg = rgba(getComputedStyle(el).color);
    const over = (f: number, b: number) => f * fg.a + b * (1 - fg.a);
    const blended = { r: over(fg.r, bg.r), g: over(fg.g, bg.g), b: over(fg.b, bg.b) };
    const lum = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const lin = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const [hi, lo] = [lum(blended), lum(bg)].sort((a, b) => b - a);
    const probe = document.createElement('span');
    probe.style.color = `var(${variable})`;
    document.body.append(probe);
    const expected = getComputedStyle(probe).color;
    probe.remove();
    return {
      contrast: (hi! + 0.05) / (lo! + 0.05),
      fromTheme: getComputedStyle(el).color === expected,
    };
  }, variable);
}

async function setTheme(page: IJupyterLabPageFixture, dark: boolean) {
  if (dark) await page.theme.setDarkTheme();
  else await page.theme.setLightTheme();
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-name',
    dark ? 'JupyterLab Dark' : 'JupyterLab Light',
  );
}

test('Publish has a label, a shortcut and a menu; monitors share one tab area and come back', async ({
  page,
  tmpPath,
  request,
}) => {
  await openScaleNotebook(page, tmpPath);
  const notebook = page.locator('.jp-NotebookPanel');
  const notebookId = await notebook.getAttribute('id');
  const fullWidth = (await notebook.boundingBox())!.width;

  // Publish: its own icon and a label, unlike the file browser's Upload arrow.
  const publish = page.locator(
    '.jp-NotebookPanel-toolbar [data-command="slipway:publish-notebook"]',
  );
  await expect(publish).toBeVisible();
  await expect(publish).toHaveText('Publish');
  await expect(publish.locator('[data-icon="slipway:publish"]')).toHaveCount(1);

  // The Slipway menu.
  await page.getByRole('menuitem', { name: 'Slipway', exact: true }).click();
  const menu = page.locator('.lm-Menu');
  for (const item of ['Publish Ctrl+Alt+P', 'Open Slipway Monitor…', 'Show Slipway Deployments'])
    await expect(menu.getByRole('menuitem', { name: item, exact: true })).toBeVisible();
  await page.keyboard.press('Escape');

  // Parameters and output tagged from the cells' toolbar, so that the function takes x.
  for (const [index, button] of [
    [1, 'Tag as Parameters'],
    [3, 'Tag as Output'],
  ] as const)
    await (await cellToolbarButton(page, index, button)).click();

  // The shortcut opens the publish dialog.
  await page.locator('.jp-Notebook .jp-Cell').first().locator('.jp-InputPrompt').click();
  await page.keyboard.press('Control+Alt+p');
  const { url, key } = await publishFromDialog(page, NOTEBOOK);
  // The monitor opened behind the result: its figures in the screenshots too.
  await expect(monitor(page, NOTEBOOK).getByRole('heading', { name: NOTEBOOK })).toBeVisible();
  await expect(monitor(page, NOTEBOOK).locator('canvas')).toBeVisible();
  await page.screenshot({ path: `${screenshots}publish-result-light.png` });
  await setTheme(page, true);
  await page.screenshot({ path: `${screenshots}publish-result-dark.png` });
  await setTheme(page, false);
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();
  for (const x of [1, 2, 3]) {
    const res = await request.post(url, {
      headers: { Authorization: `Bearer ${key}` },
      data: { x, factor: 2 },
    });
    expect(res.status(), await res.text()).toBe(200);
  }
  await expect(monitor(page, NOTEBOOK).getByRole('heading', { name: NOTEBOOK })).toBeVisible();

  // Two more publishes open their monitors beside the first, as tabs: the layout they leave
  // is what the workspace saves.
  const saved = page.waitForRequest((req) => {
    if (req.method() !== 'PUT' || !req.url().includes('/api/workspaces')) return false;
    const layout = (req.postDataJSON() as { data?: Record<string, unknown> }).data?.[
      'layout-restorer:data'
    ];
    return OTHERS.every((name) => JSON.stringify(layout ?? '').includes(`slipway-monitor:${name}`));
  });
  for (const name of OTHERS) {
    await publishIris(request, name);
    await execute(page, 'slipway:open-monitor', { name, ref: notebookId });
    await expect(monitor(page, name).getByRole('heading', { name })).toBeVisible();
  }
  const monitors = [NOTEBOOK, ...OTHERS].map((n) => `Monitor: ${n}`).sort();
  expect(await monitorTabAreas(page)).toEqual([monitors]);

  // The notebook keeps its width, and its cells their toolbar with the tag buttons.
  await page.getByRole('main').getByRole('tab', { name: 'scale.ipynb' }).click();
  expect((await notebook.boundingBox())!.width).toBeGreaterThanOrEqual(fullWidth - 2);
  const cell = page.locator('.jp-Notebook .jp-Cell').nth(1);
  await cell.locator('.jp-InputPrompt').click();
  await expect(
    cell
      .getByRole('toolbar', { name: 'Cell toolbar' })
      .getByRole('button', { name: 'Tag as Parameters' }),
  ).toBeVisible();

  // The monitors come back with the workspace, still in one tab area.
  await saved;
  // Galata's own readiness check looks for the Launcher, which the restored layout has not.
  // (Its option is Galata's own: Playwright's signature of reload, which the types pick, lacks it.)
  const reload = page.reload as (opts: { waitForIsReady: boolean }) => Promise<unknown>;
  await reload.call(page, { waitForIsReady: false });
  for (const name of [NOTEBOOK, ...OTHERS])
    await expect(
      page.getByRole('main').getByRole('tab', { name: `Monitor: ${name}` }),
    ).toBeAttached();
  expect(await monitorTabAreas(page)).toEqual([monitors]);
});

test('in a narrow notebook the toolbar folds into "…" and Publish, first, stays', async ({
  page,
  tmpPath,
}) => {
  // Narrow before the notebook opens, so that the toolbar is laid out narrow from the start
  // (a resize of a page with restored tabs did not always reach it).
  await page.setViewportSize({ width: 640, height: 900 });
  await openScaleNotebook(page, tmpPath);
  await expect(
    page.locator('.jp-NotebookPanel-toolbar .jp-Toolbar-responsive-opener'),
  ).toBeVisible();
  const publish = page.locator(
    '.jp-NotebookPanel-toolbar [data-command="slipway:publish-notebook"]',
  );
  await expect(publish).toBeVisible();
  await expect(publish).toHaveText('Publish');
  await expect(
    page.locator('.jp-Toolbar-responsive-popup [data-command="slipway:publish-notebook"]'),
  ).toHaveCount(0);
});

test('the monitor reads well in a narrow column and in the dark theme', async ({ page }) => {
  await execute(page, 'slipway:open-monitor', { name: NOTEBOOK });
  const panel = monitor(page, NOTEBOOK);
  await expect(panel.getByLabel('requests')).toHaveText(/^3\s*requests$/, { timeout: 120_000 });
  const canvas = panel.locator('canvas');
  await expect(canvas).toBeVisible();

  // Light: dark words on the chart, the status badge readable.
  await expect.poll(async () => (await canvasInk(canvas)).dark).toBeGreaterThan(100);
  const lightInk = await canvasInk(canvas);
  expect(lightInk.light, JSON.stringify(lightInk)).toBeLessThan(lightInk.dark / 4);
  const badge = panel.locator('.jp-SlipwayStatus.jp-mod-ready');
  expect((await readability(badge, '--jp-ui-font-color1')).contrast).toBeGreaterThan(4.5);
  await page.screenshot({ path: `${screenshots}monitor-light.png` });

  // Dark: the chart is drawn again in the dark theme's words; the badge keeps its contrast.
  await setTheme(page, true);
  await expect.poll(async () => (await canvasInk(canvas)).light).toBeGreaterThan(100);
  const darkInk = await canvasInk(canvas);
  expect(darkInk.dark, JSON.stringify(darkInk)).toBeLessThan(darkInk.light / 4);
  const darkBadge = await readability(badge, '--jp-ui-inverse-font-color1');
  expect(darkBadge.fromTheme).toBe(true);
  expect(darkBadge.contrast).toBeGreaterThan(4.5);
  const heading = await readability(panel.getByLabel('requests'), '--jp-ui-font-color1');
  expect(heading.fromTheme).toBe(true);
  expect(heading.contrast).toBeGreaterThan(4.5);
  await page.screenshot({ path: `${screenshots}monitor-dark.png` });
  await setTheme(page, false);

  // Narrow: nothing wider than the panel; the figures wrap instead.
  await page.sidebar.close('left');
  await page.setViewportSize({ width: 480, height: 900 });
  await expect(panel.getByLabel('requests')).toBeVisible();
  await expect
    .poll(() => panel.evaluate((n) => n.scrollWidth - n.clientWidth))
    .toBeLessThanOrEqual(0);
  for (const stat of ['requests', 'error rate', 'p99'])
    await expect(panel.getByLabel(stat)).toBeInViewport();
  await page.screenshot({ path: `${screenshots}monitor-narrow.png` });
});

test('Open Slipway Monitor… picks from the deployments', async ({ page }) => {
  await page.getByRole('menuitem', { name: 'Slipway', exact: true }).click();
  await page.getByRole('menuitem', { name: 'Open Slipway Monitor…' }).click();
  const dialog = page.locator('.jp-Dialog');
  const picker = dialog.getByRole('combobox');
  for (const name of [NOTEBOOK, ...OTHERS])
    await expect(picker.locator('option', { hasText: `${name} (v1 ·` })).toHaveCount(1);
  await picker.selectOption({ label: 'ws-iris-b (v1 · onnx · ready)' });
  await dialog.getByRole('button', { name: 'Open' }).click();
  await expect(
    monitor(page, 'ws-iris-b').getByRole('heading', { name: 'ws-iris-b' }),
  ).toBeVisible();
});

test('the Settings Editor holds preferences only: no gateway URL, no credential', async ({
  page,
}) => {
  await execute(page, 'settingeditor:open', { query: 'Slipway' });
  // The form's titles are headings, not labels: the field is found by its schema key.
  const form = page.getByRole('main').getByRole('group', { name: 'Slipway', exact: true });
  await expect(form.getByRole('heading', { name: 'Monitor refresh (seconds)' })).toBeVisible();
  await expect(form.locator('input[id$="_token"]')).toHaveCount(0);
  await expect(form.locator('input[id$="_gatewayUrl"]')).toHaveCount(0);
  await expect(form).toContainText('c.Slipway.gateway_url');
  await page.screenshot({ path: `${screenshots}settings-preferences.png` });
});
