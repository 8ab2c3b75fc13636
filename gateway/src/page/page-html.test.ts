import { describe, expect, it } from 'vitest';
import { formFields } from '../protocol/call-form.js';
import type { Signature } from '../protocol/signature.js';
import { outputsHtml, predictionHtml } from './answer-html.js';
import { postedValues, recordFormHtml } from './form-html.js';
import { scriptJson } from './html-text.js';

const signature: Signature = {
  inputs: [
    { name: 'plan', type: 'string', shape: [], values: ['basic', 'pro'], default: 'pro' },
    { name: 'visits', type: 'int64', shape: [], required: false },
    { name: 'vip', type: 'bool', shape: [], default: true },
    { name: 'note', type: 'string', shape: [], default: 'hi', help: 'what the customer said' },
    { name: 'X', type: 'float32', shape: [3] },
    { name: 'grid', type: 'float32', shape: [2, null] },
  ],
  outputs: [],
};
const fields = formFields(signature);
const form = (values = {}, errors = new Map<string, string>()) =>
  recordFormHtml({ action: '/fn/m/page', csrf: 'tok', fields, values, errors });

describe('the record form', () => {
  it('gives each input its control: a picker, a whole number, a checkbox, text, a list, JSON', () => {
    const html = form();
    expect(html).toContain(
      '<select id="in-0" name="in:plan" aria-describedby="err-0"><option value="basic">basic</option><option value="pro" selected>pro</option></select>',
    );
    expect(html).toMatch(
      /<input type="text" id="in-1" name="in:visits" value="" inputmode="numeric"/,
    );
    expect(html).toContain('<label for="in-1">visits <span class="help">(optional)</span></label>');
    expect(html).toMatch(/<input type="checkbox" id="in-2" name="in:vip" value="true" checked/);
    expect(html).toContain('<p class="help" id="help-3">what the customer said — text</p>');
    expect(html).toContain('value="hi"');
    expect(html).toContain('3 comma-separated numbers');
    expect(html).toMatch(/<textarea id="in-5" name="in:grid"/);
    expect(html).toContain('<input type="hidden" name="_csrf" value="tok">');
  });

  it('keeps what was posted, an unticked checkbox too, and shows each mistake beside its field', () => {
    const values = postedValues({ 'in:plan': 'basic', 'in:X': '1,2', _csrf: 'tok' }, fields);
    expect(values).toEqual({ plan: 'basic', vip: false, X: '1,2' });
    const html = form(values, new Map([['X', 'X: expected 3 comma-separated values, got 2']]));
    expect(html).toContain('<option value="basic" selected>');
    expect(html).not.toMatch(/id="in-2"[^>]* checked/);
    expect(html).toMatch(/id="in-4" [^>]*aria-invalid="true"/);
    expect(html).toContain(
      '<p class="error" id="err-4" role="alert">X: expected 3 comma-separated values, got 2</p>',
    );
  });

  it('escapes what the signature and the user wrote', () => {
    const evil = formFields({
      inputs: [{ name: '"><script>x</script>', type: 'string', shape: [], default: '</textarea>' }],
      outputs: [],
    });
    const html = recordFormHtml({
      action: '/fn/m/page',
      csrf: 't',
      fields: evil,
      values: {},
      errors: new Map(),
    });
    expect(html).not.toContain('<script>x');
    expect(html.split('<script type="application/json"')[1]).not.toMatch(/<\/script>.*<\/script>/s);
    expect(scriptJson('</script>')).toBe('"\\u003c/script\\u003e"');
  });
});

describe('answers for people', () => {
  it('a classifier: its label, and a bar per class probability, likeliest first', () => {
    const html = predictionHtml({ label: 'b', probabilities: { a: 0.25, b: 0.75 } });
    expect(html).toContain('data-output="label">b</p>');
    expect(html).toMatch(/<li><span>b<\/span>.*aria-label="b: 75.0%".*<li><span>a<\/span>/s);
  });

  it('a regression: its value', () => {
    expect(predictionHtml(12.3456789)).toContain(
      '<p class="value" data-output="prediction">12.3457</p>',
    );
  });

  it("a notebook's outputs: tables as tables, images, text and JSON", () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const html = outputsHtml([[{ a: 1, b: 'x' }, { a: 2 }], png, 'plain text', { n: 2 }]);
    expect(html).toContain('<thead><tr><th scope="col">a</th><th scope="col">b</th></tr></thead>');
    expect(html).toContain('<tr><td>2</td><td></td></tr>');
    expect(html).toContain(`<img src="${png}" alt="image output">`);
    expect(html).toContain('<pre>plain text</pre>');
    expect(html).toContain('<pre>{\n  &quot;n&quot;: 2\n}</pre>');
    expect(outputsHtml(['data:text/html;base64,PHNjcmlwdD4='])).toContain('<pre>data:text/html');
  });
});
