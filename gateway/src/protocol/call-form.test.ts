import { describe, expect, it } from 'vitest';
import { fieldHint, formBody, formFields, imageShape } from './call-form.js';
import { callSnippets, pythonLiteral } from './call-snippets.js';
import type { Signature, ValueType } from './signature.js';

const signature: Signature = {
  inputs: [
    { name: 'X', type: 'float32', shape: [4] },
    { name: 'plan', type: 'string', shape: [], values: ['basic', 'pro'], default: 'pro' },
    { name: 'age', type: 'float64', shape: [] },
    { name: 'visits', type: 'int64', shape: [], required: false },
    { name: 'vip', type: 'bool', shape: [], default: true },
    { name: 'note', type: 'string', shape: [], default: 'hi', help: 'free text' },
    { name: 'grid', type: 'float32', shape: [2, null] },
    { name: 'level', type: 'int32', shape: [], values: [1, 2, 3] },
  ],
  outputs: [],
};

describe('formFields', () => {
  it('types each input: lists, choices with the default, numbers, checkboxes, text, JSON', () => {
    const fields = formFields(signature);
    expect(fields.map((f) => [f.name, f.kind, f.required, f.initial])).toEqual([
      ['X', 'list', true, ''],
      ['plan', 'choice', false, 'pro'],
      ['age', 'number', true, ''],
      ['visits', 'integer', false, ''],
      ['vip', 'boolean', false, true],
      ['note', 'text', false, 'hi'],
      ['grid', 'json', true, ''],
      ['level', 'choice', true, '1'],
    ]);
    expect(fields[0]!.length).toBe(4);
    expect(fields[1]!.choices).toEqual([
      { value: 'basic', label: 'basic' },
      { value: 'pro', label: 'pro' },
    ]);
    expect(fields[5]!.help).toBe('free text');
  });
});

describe('formBody', () => {
  const fields = formFields(signature);

  it('makes the record, typed as the signature says, leaving out empty optional fields', () => {
    const result = formBody(fields, {
      X: '5.1, 3.5,1.4 , 0.2',
      age: '42',
      vip: false,
      grid: '[[1, 2], [3, 4]]',
      level: '2',
    });
    expect(result).toEqual({
      ok: true,
      body: {
        X: [5.1, 3.5, 1.4, 0.2],
        plan: 'pro',
        age: 42,
        vip: false,
        note: 'hi',
        grid: [
          [1, 2],
          [3, 4],
        ],
        level: 2,
      },
    });
  });

  it('names every field that is wrong and what it expected', () => {
    const result = formBody(fields, {
      X: '1, 2, x, 4',
      plan: 'gold',
      age: '',
      visits: '2.5',
      grid: '[1,',
      level: '7',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { field: 'X', message: 'X: value 3: expected a number, got "x"' },
      { field: 'plan', message: 'plan: expected one of basic, pro' },
      { field: 'age', message: 'age: required' },
      { field: 'visits', message: 'visits: expected a whole number, got "2.5"' },
      { field: 'grid', message: 'grid: expected JSON, e.g. [1, 2] or {"a": 1}' },
      { field: 'level', message: 'level: expected one of 1, 2, 3' },
    ]);
  });

  it('refuses a list of the wrong length', () => {
    const result = formBody(fields, { X: '1, 2', age: '1', grid: '[]', level: '1' });
    expect(result).toEqual({
      ok: false,
      errors: [{ field: 'X', message: 'X: expected 4 comma-separated values, got 2' }],
    });
  });
});

describe('image fields', () => {
  const image = (type: ValueType, shape: (number | null)[]) =>
    formFields({ inputs: [{ name: 'img', type, shape }], outputs: [] })[0]!;

  it('are numeric inputs shaped like a picture: [H, W], [H, W, 1|3] or [1|3, H, W]', () => {
    expect(image('float32', [8, 8, 1]).image).toEqual({
      height: 8,
      width: 8,
      channels: 1,
      layout: 'hwc',
    });
    expect(image('uint8', [3, 32, 24]).image).toEqual({
      height: 32,
      width: 24,
      channels: 3,
      layout: 'chw',
    });
    expect(image('float64', [28, 28]).image).toEqual({
      height: 28,
      width: 28,
      channels: 1,
      layout: 'hw',
    });
    expect(image('int32', [4, 6, 3]).kind).toBe('image');
    // A channel dimension last wins over one first.
    expect(image('float32', [3, 5, 3]).image?.layout).toBe('hwc');
  });

  it('leave anything else as it was: free or small dimensions, other channels, other types', () => {
    for (const [type, shape] of [
      ['float32', [8, null, 3]],
      ['float32', [1, 8, 1]],
      ['float32', [8, 8, 4]],
      ['float32', [2, 8, 8, 3]],
      ['string', [8, 8]],
      ['bool', [8, 8]],
      ['float32', [64]],
    ] as [ValueType, (number | null)[]][]) {
      expect(image(type, shape).kind, JSON.stringify([type, shape])).not.toBe('image');
      expect(imageShape({ name: 'x', type, shape })).toBeNull();
    }
  });

  it('take the same JSON as a JSON field, and say what a picked file becomes', () => {
    const f = image('float32', [8, 8, 1]);
    expect(formBody([f], { img: '[[[0.5]]]' })).toEqual({ ok: true, body: { img: [[[0.5]]] } });
    expect(formBody([f], { img: '[[' })).toEqual({
      ok: false,
      errors: [{ field: 'img', message: 'img: expected JSON, e.g. [1, 2] or {"a": 1}' }],
    });
    expect(fieldHint(f)).toBe(
      'a grey image, resized to 8×8 (or JSON nested arrays [8][8][1]); pixels scaled to 0–1; a model that expects other normalisation should do it itself',
    );
    expect(fieldHint(image('uint8', [3, 32, 24]))).toBe(
      'a colour (RGB) image, resized to 24×32 (or JSON nested arrays [3][32][24]); pixels 0–255',
    );
  });
});

describe('date fields', () => {
  const fields = formFields({
    inputs: [
      { name: 'run_date', type: 'string', shape: [], default: '2026-11-30' },
      { name: 'label', type: 'string', shape: [], default: '2026-13-40' },
    ],
    outputs: [],
  });

  it('are text inputs whose default is an ISO date; a non-date default stays text', () => {
    expect(fields.map((f) => [f.kind, f.initial, f.required])).toEqual([
      ['date', '2026-11-30', false],
      ['text', '2026-13-40', false],
    ]);
    expect(fieldHint(fields[0]!)).toBe('a date, YYYY-MM-DD');
  });

  it('send the date as the same text, and refuse one that is not a date', () => {
    expect(formBody(fields, { run_date: '2027-02-28' })).toEqual({
      ok: true,
      body: { run_date: '2027-02-28', label: '2026-13-40' },
    });
    expect(formBody(fields, { run_date: '2027-02-29' })).toEqual({
      ok: false,
      errors: [
        { field: 'run_date', message: 'run_date: expected a date as YYYY-MM-DD, got "2027-02-29"' },
      ],
    });
  });
});

describe('call snippets', () => {
  it('quote the URL and body for bash and read the key from the variable', () => {
    const s = callSnippets({
      url: 'http://h/fn/m',
      body: { name: "O'Brien", ok: true, n: null },
      keyVariable: 'SLIPWAY_KEY',
    });
    expect(s.curl).toBe(
      `curl -X POST 'http://h/fn/m' \\\n  -H "Authorization: Bearer $SLIPWAY_KEY" \\\n` +
        `  -H 'Content-Type: application/json' \\\n  -d '{"name":"O'\\''Brien","ok":true,"n":null}'`,
    );
    expect(s.python).toContain('os.environ["SLIPWAY_KEY"]');
    expect(s.python).toContain(`json={"name": "O'Brien", "ok": True, "n": None},`);
    expect(s.javascript).toContain('Authorization: `Bearer ${process.env.SLIPWAY_KEY}`');
  });

  it('send no key for a public deployment', () => {
    const s = callSnippets({ url: 'http://h/fn/m', body: {}, keyVariable: null });
    for (const text of Object.values(s)) expect(text).not.toMatch(/Authorization|os\.environ/);
  });

  it('write JSON as Python literals', () => {
    expect(pythonLiteral([1.5, 'a\n"b"', false, { k: [null] }])).toBe(
      '[1.5, "a\\n\\"b\\"", False, {"k": [None]}]',
    );
  });
});

describe('fieldHint', () => {
  it('says in a few words what each kind of field takes', () => {
    expect(formFields(signature).map(fieldHint)).toEqual([
      '4 comma-separated numbers',
      null,
      'a number',
      'a whole number',
      null,
      'text',
      'JSON, e.g. [1, 2] or {"a": 1}',
      null,
    ]);
  });
});
