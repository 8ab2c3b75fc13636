// The end-user page in a real browser against a real gateway: no JupyterLab is needed, so this
// spec uses plain Playwright. Screenshots land in ui-tests/screenshots/ for the README.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, GATEWAY_PORT } from '../stack.js';

const gateway = `http://127.0.0.1:${GATEWAY_PORT}`;
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const screenshots = fileURLToPath(new URL('../screenshots/', import.meta.url));
mkdirSync(screenshots, { recursive: true });
const NAME = 'iris-page';
const pmml = readFileSync(
  fileURLToPath(
    new URL('../../gateway/test/fixtures/pmml/s2p_logistic_multiclass.pmml', import.meta.url),
  ),
);

test.describe.configure({ mode: 'serial' });

async function publish(request: APIRequestContext): Promise<void> {
  const res = await request.post(`${gateway}/api/deployments`, {
    headers: admin,
    multipart: {
      name: NAME,
      file: { name: 'iris.pmml', mimeType: 'application/xml', buffer: pmml },
    },
  });
  expect(res.status()).toBe(201);
}

async function shareLink(request: APIRequestContext): Promise<{ id: string; url: string }> {
  const res = await request.post(`${gateway}/api/deployments/${NAME}/share-links`, {
    headers: admin,
    data: { label: 'ui test' },
  });
  expect(res.status()).toBe(201);
  const link = (await res.json()) as { id: string; url: string };
  // The gateway's public URL may name another host than the one the test reaches it at.
  return { id: link.id, url: `${gateway}${new URL(link.url).pathname}${new URL(link.url).search}` };
}

/** Opens the share link and waits for the page it moves on to, without the token. */
async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForURL(`${gateway}/fn/${NAME}`);
  await expect(page.getByRole('heading', { name: NAME })).toBeVisible();
}

async function fill(page: Page, values: Record<string, string>): Promise<void> {
  for (const [label, value] of Object.entries(values))
    await page.getByLabel(label, { exact: true }).fill(value);
}

const virginica = {
  sepal_length: '5.8',
  sepal_width: '2.8',
  petal_length: '5.1',
  petal_width: '2.4',
};

let link: { id: string; url: string };

test.beforeAll(async ({ request }) => {
  await publish(request);
  link = await shareLink(request);
});

test('a share link opens the form; fill, submit, see the label and its probabilities', async ({
  page,
}) => {
  await open(page, link.url);
  expect(await page.content()).not.toContain(new URL(link.url).searchParams.get('share')!);
  await fill(page, virginica);
  await page.getByRole('button', { name: 'Predict' }).click();
  const answer = page.locator('#answer');
  await expect(answer.getByRole('heading', { name: 'Answer' })).toBeVisible();
  await expect(answer.locator('[data-output="species"]')).toHaveText('virginica');
  await expect(answer.getByRole('img', { name: /^virginica: 9\d\.\d%$/ })).toBeVisible();
  await page.screenshot({ path: `${screenshots}page-answer-light.png`, fullPage: true });

  await answer.getByText('Show as JSON / curl').click();
  await expect(answer.locator('#answer-curl')).toContainText('$SLIPWAY_KEY');
  await expect(answer.locator('#answer-json')).toContainText('"prediction"');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${screenshots}page-answer-dark.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: `${screenshots}page-phone.png`, fullPage: true });
});

test('a wrong field is named beside it, before the post and by the server', async ({
  page,
  browser,
}) => {
  await open(page, link.url);
  await fill(page, { ...virginica, sepal_width: 'abc' });
  await page.getByRole('button', { name: 'Predict' }).click();
  const field = page.getByLabel('sepal_width', { exact: true });
  await expect(page.locator('#err-1')).toHaveText('sepal_width: expected a number, got "abc"');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toBeFocused();
  await page.screenshot({ path: `${screenshots}page-field-error.png`, fullPage: true });

  // Without script the server checks the same and answers the page with the same message.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noScript = await plain.newPage();
  await open(noScript, link.url);
  await fill(noScript, { ...virginica, sepal_width: 'abc' });
  const [response] = await Promise.all([
    noScript.waitForResponse((r) => r.url().endsWith(`/fn/${NAME}/page`)),
    noScript.getByRole('button', { name: 'Predict' }).click(),
  ]);
  expect(response.status()).toBe(400);
  await expect(noScript.locator('#err-1')).toHaveText('sepal_width: expected a number, got "abc"');
  await plain.close();
});

test('a CSV upload scores every row, and one with wrong columns names them', async ({ page }) => {
  await open(page, link.url);
  const rows =
    'sepal_length,sepal_width,petal_length,petal_width\n5.8,2.8,5.1,2.4\n5.0,3.4,1.5,0.2\n6.0,2.2,4.0,1.0\n';
  await page.setInputFiles('#csv-file', {
    name: 'flowers.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(rows),
  });
  await page.getByRole('button', { name: 'Score file' }).click();
  const table = page.getByRole('table', { name: 'Scored rows' });
  await expect(table).toBeVisible();
  await expect(page.locator('#answer')).toContainText('3 of 3 rows scored');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await page.screenshot({ path: `${screenshots}page-csv.png`, fullPage: true });

  await page.setInputFiles('#csv-file', {
    name: 'wrong.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('length,width\n1,2\n'),
  });
  await page.getByRole('button', { name: 'Score file' }).click();
  await expect(page.locator('#answer')).toContainText('no column "sepal_length"');
});

test('a revoked share link answers a page that says so', async ({ page, request }) => {
  await open(page, link.url);
  const res = await request.delete(`${gateway}/api/deployments/${NAME}/share-links/${link.id}`, {
    headers: admin,
  });
  expect(res.status()).toBe(204);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${gateway}/fn/${NAME}`),
    page.reload(),
  ]);
  expect(response.status()).toBe(401);
  await expect(page.getByRole('heading', { name: 'Share link revoked' })).toBeVisible();
  await page.screenshot({ path: `${screenshots}page-revoked.png`, fullPage: true });
});

test('an image input takes a picked file: resized in the browser, previewed and scored', async ({
  page,
  request,
}) => {
  const onnx = readFileSync(
    fileURLToPath(new URL('../../gateway/test/fixtures/onnx/image_grey.onnx', import.meta.url)),
  );
  const res = await request.post(`${gateway}/api/deployments`, {
    headers: admin,
    multipart: {
      name: 'bright-page',
      public: 'true',
      file: { name: 'bright.onnx', mimeType: 'application/octet-stream', buffer: onnx },
    },
  });
  expect(res.status()).toBe(201);
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.goto(`${gateway}/fn/bright-page`);
  const picker = page.getByLabel('Image file for image');
  await expect(picker).toBeVisible();
  // The picker is the page's first control: the keyboard reaches it.
  await page.keyboard.press('Tab');
  await expect(picker).toBeFocused();

  // 32×32, its left quarter black: resized to the model's 8×8 grey [H, W, 1], pixels 0–1.
  await picker.setInputFiles(
    fileURLToPath(new URL('../fixtures/three-quarters-white.png', import.meta.url)),
  );
  await expect(page.locator('#picked-0')).toHaveText(
    'three-quarters-white.png (32×32), resized to 8×8.',
  );
  await expect(page.getByRole('img', { name: /^What the model is sent/ })).toBeVisible();
  const image = JSON.parse(
    await page.getByLabel('image', { exact: true }).inputValue(),
  ) as number[][][];
  expect(image).toHaveLength(8);
  expect(image.every((row) => row.length === 8 && row.every((p) => p.length === 1))).toBe(true);
  expect(image[3]![0]).toEqual([0]);
  expect(image[3]![7]).toEqual([1]);
  await page.screenshot({ path: `${screenshots}page-image-picked.png`, fullPage: true });

  await page.getByRole('button', { name: 'Predict' }).click();
  const answer = page.locator('#answer');
  await expect(answer.locator('[data-output="label"]')).toHaveText('1');
  await expect(answer).toContainText('0.88');
  await page.screenshot({ path: `${screenshots}page-image-answer.png`, fullPage: true });
});
