import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from '../support/databases.js';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';
import { PageClient, publishSum } from './page-support.js';

const database = sharedTestDatabase();
let gw: TestGateway;
let reported: unknown[];
let browser: PageClient;

beforeEach(async () => {
  reported = [];
  gw = await startTestGateway({ database: database(), reportError: (e) => reported.push(e) });
  browser = new PageClient(gw);
  await publishSum(gw, 'sum', true);
});
afterEach(async () => {
  await gw.stop();
});

describe('GET /fn/:name for a browser', () => {
  it('answers a form made from the signature, with labels, hints, CSRF and no key', async () => {
    const res = await browser.get('/fn/sum');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<label for="in-0">a</label>');
    expect(html).toContain('<label for="in-1">b</label>');
    expect(html).toContain('name="in:a"');
    expect(html).toContain('inputmode="decimal"');
    expect(html).toContain('a number');
    expect(html).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{20,}"/);
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('name="viewport"');
    expect(html).toContain('id="csv-form"');
    const csrfCookie = res.headers.getSetCookie().join('\n');
    expect(csrfCookie).toMatch(/slipway_csrf=.*HttpOnly/);
    expect(csrfCookie).toMatch(/Path=\/fn\/sum/);
    expect(csrfCookie).toMatch(/SameSite=Strict/);
  });

  it('keeps answering JSON clients as before: GET is not a method of the API (405)', async () => {
    const res = await gw.app.request('/fn/sum', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const post = await gw.app.request('/fn/sum', {
      method: 'POST',
      body: '{"a":1,"b":2}',
      headers: { 'content-type': 'application/json' },
    });
    expect(await post.json()).toMatchObject({ prediction: 3 });
  });
});

describe('POST /fn/:name/page', () => {
  it('scores the form and renders the answer, with the JSON and curl of the same call', async () => {
    const res = await browser.submit('sum', { a: '1.5', b: '2' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<p class="value" data-output="sum">3.5<\/p>/);
    expect(html).toContain('Show as JSON / curl');
    expect(html).toContain('&quot;prediction&quot;');
    expect(html).toContain('curl -X POST &#39;http://slipway.test/fn/sum&#39;');
    expect(html).toContain('{&quot;a&quot;:1.5,&quot;b&quot;:2}');
    // The values stay in the form.
    expect(html).toContain('value="1.5"');
  });

  it('shows a wrong field beside it (400) and reports nothing as a server error', async () => {
    const res = await browser.submit('sum', { a: 'abc', b: '' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(
      /id="in-0" [^>]*aria-invalid="true"[^>]*>.*<p class="error" id="err-0" role="alert">a: expected a number, got &quot;abc&quot;<\/p>/s,
    );
    expect(html).toContain('<p class="error" id="err-1" role="alert">b: required</p>');
    expect(reported).toEqual([]);
  });

  it('refuses a post without the CSRF token of the page (403)', async () => {
    await browser.get('/fn/sum');
    const res = await browser.post(
      '/fn/sum/page',
      new URLSearchParams({ 'in:a': '1', 'in:b': '2' }),
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Reload the page');
    const forged = await browser.post(
      '/fn/sum/page',
      new URLSearchParams({ _csrf: 'x'.repeat(43), 'in:a': '1', 'in:b': '2' }),
    );
    expect(forged.status).toBe(403);
  });

  it('renders a classifier as its label and a bar per class probability', async () => {
    const bytes = await readFile(
      new URL('../fixtures/pmml/s2p_logistic_multiclass.pmml', import.meta.url),
    );
    const pub = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'iris', public: 'true' }, { bytes, filename: 'iris.pmml' }),
    });
    expect(pub.status).toBe(201);
    const res = await browser.submit('iris', {
      sepal_length: '5.8',
      sepal_width: '2.8',
      petal_length: '5.1',
      petal_width: '2.4',
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-output="species">virginica</p>');
    expect(html).toMatch(
      /<ul class="bars"><li><span>virginica<\/span>.*aria-label="virginica: 97.9%"/s,
    );
    expect(html).toContain('<span>setosa</span>');
  });

  it("renders a notebook's outputs", async () => {
    const pub = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'nb', public: 'true' },
        {
          bytes: '{ "toyNotebook": { "parameters": { "x": 1, "label": "hi" } } }',
          filename: 'nb.toynb.json',
        },
      ),
    });
    expect(pub.status).toBe(201);
    const page = await (await browser.get('/fn/nb')).text();
    expect(page).not.toContain('id="csv-form"');
    const res = await browser.submit('nb', { x: '7', label: 'hello' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('class="output"');
    expect(html).toContain('&quot;outputs&quot;');
  });
});

describe('CSV upload on the page', () => {
  it('scores every row at once and shows them as a table, refused rows with their reason', async () => {
    const res = await browser.upload('sum', 'a,b,extra\n1,2,x\n3,4,y\nnope,1,z\n');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('2 of 3 rows scored, 1 refused.');
    expect(html).toContain('Columns the model does not take, ignored: extra');
    expect(html).toMatch(/<td>1<\/td><td>1<\/td><td>2<\/td><td>3<\/td>/);
    expect(html).toMatch(/<td>2<\/td><td>3<\/td><td>4<\/td><td>7<\/td>/);
    expect(html).toContain('<td>nope</td><td>1</td><td></td><td>field a: expected float64');
  });

  it('names the columns a CSV lacks (400)', async () => {
    const res = await browser.upload('sum', 'x,y\n1,2\n');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('The CSV file cannot be scored');
    expect(html).toMatch(/no column &quot;a&quot;, &quot;b&quot;/);
    expect(reported).toEqual([]);
  });

  it('answers an oversize upload with a 413 page', async () => {
    await gw.stop();
    gw = await startTestGateway({ database: database(), config: { maxUploadBytes: 1024 } });
    browser = new PageClient(gw);
    await publishSum(gw, 'sum', true);
    const res = await browser.upload('sum', `a,b\n${'1,2\n'.repeat(2000)}`);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('Upload too large');
  });
});

describe('an image input on the page', () => {
  beforeEach(async () => {
    const bytes = await readFile(new URL('../fixtures/onnx/image_grey.onnx', import.meta.url));
    const pub = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'bright', public: 'true' }, { bytes, filename: 'bright.onnx' }),
    });
    expect(pub.status).toBe(201);
  });

  it('has a labelled file picker for images (shown by the script) beside its JSON field', async () => {
    const html = await (await browser.get('/fn/bright')).text();
    expect(html).toContain(
      '<div class="picker" id="pick-0" hidden><label for="file-0">Image file for image</label>',
    );
    expect(html).toMatch(/<input type="file" id="file-0" accept="image\/\*"/);
    expect(html).toMatch(/<textarea id="in-0" name="in:image"/);
    expect(html).toContain('pixels scaled to 0–1; a model that expects other normalisation');
    expect(html).toContain('"kind":"image","type":"float32"');
    expect(html).toContain('createImageBitmap');
  });

  it('scores the JSON the picker (or a person) fills, and shows the server’s 400 beside it', async () => {
    const white = JSON.stringify(Array.from({ length: 8 }, () => Array(8).fill([1])));
    const res = await browser.submit('bright', { image: white });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-output="label">1</p>');
    expect(html).toContain('0.9820137619972229');

    const wrong = await browser.submit('bright', { image: '[[[1]]]' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(
      /id="in-0" [^>]*aria-invalid="true"[^>]*>.*<p class="error" id="err-0" role="alert">[^<]*image[^<]+<\/p>/s,
    );
    expect(reported).toEqual([]);
  });
});

describe('a date parameter on the page', () => {
  it('gets a date control holding the default, and is sent as the same text', async () => {
    const pub = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'daily', public: 'true' },
        {
          bytes: '{ "toyNotebook": { "parameters": { "run_date": "2026-11-30" } } }',
          filename: 'x.toynb.json',
        },
      ),
    });
    expect(pub.status).toBe(201);
    const page = await (await browser.get('/fn/daily')).text();
    expect(page).toMatch(/<input type="date" id="in-0" name="in:run_date" value="2026-11-30"/);
    const res = await browser.submit('daily', { run_date: '2027-01-15' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('&quot;run_date&quot;: &quot;2027-01-15&quot;');
    const bad = await browser.submit('daily', { run_date: '15/01/2027' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain(
      'run_date: expected a date as YYYY-MM-DD, got &quot;15/01/2027&quot;',
    );
  });
});
