import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { parseNotebookConfig } from './notebook-config.js';
import { looksLikeNotebook } from './notebook-runtime.js';
import { fromCliString, notebookSignature } from './notebook-signature.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/notebooks/${name}.ipynb`, import.meta.url));

describe('notebookSignature', () => {
  it('types inputs from the defaults, all optional, with defaults and the comments as help', () => {
    const sig = notebookSignature([
      { name: 'count', type: 'int', source: '3', default: 3, help: 'how many items' },
      { name: 'rate', type: 'float', source: '0.5', default: 0.5, help: '' },
      { name: 'on', type: 'bool', source: 'True', default: true, help: ' a flag ' },
      { name: 'label', type: 'str', source: "'x'", default: 'x', help: '' },
      { name: 'items', type: 'list', source: '[1]', default: [1], help: '' },
      { name: 'opts', type: 'dict', source: '{}', default: {}, help: '' },
      { name: 'day', type: 'object', source: 'date.today()', help: 'when' },
      { name: 'maybe', type: 'NoneType', source: 'None', default: null, help: '' },
    ]);
    expect(sig.inputs).toEqual([
      {
        name: 'count',
        type: 'int64',
        shape: [],
        required: false,
        default: 3,
        help: 'how many items',
      },
      { name: 'rate', type: 'float64', shape: [], required: false, default: 0.5 },
      { name: 'on', type: 'bool', shape: [], required: false, default: true, help: 'a flag' },
      { name: 'label', type: 'string', shape: [], required: false, default: 'x' },
      { name: 'items', type: 'json', required: false, default: [1] },
      { name: 'opts', type: 'json', required: false, default: {} },
      // No JSON form for the default: its source is the help.
      { name: 'day', type: 'json', required: false, help: 'when; default: date.today()' },
      { name: 'maybe', type: 'json', required: false, default: null },
    ]);
    expect(sig.outputs).toEqual([{ name: 'outputs', type: 'json' }]);
  });

  it('has no inputs for a notebook without parameters', () => {
    expect(notebookSignature([]).inputs).toEqual([]);
  });
});

describe('fromCliString', () => {
  it.each([
    ['True', undefined, true],
    ['False', 'bool', false],
    ['None', undefined, null],
    ['12', 'int64', 12],
    ['-3', undefined, -3],
    ['1.5', 'float64', 1.5],
    ['1e3', undefined, 1000],
    ['hello', undefined, 'hello'],
    ['42', 'string', '42'],
    ['True', 'string', 'True'],
    ['[1, 2]', 'json', [1, 2]],
    ['{"a": 1}', 'json', { a: 1 }],
    ['not json', 'json', 'not json'],
  ] as const)('converts %j (declared %s) as papermill -p does', (value, type, expected) => {
    expect(fromCliString(value, type)).toEqual(expected);
  });
});

describe('looksLikeNotebook', () => {
  const head = (bytes: Uint8Array) => bytes.subarray(0, 4096);

  it('knows notebooks by name and by content', () => {
    expect(looksLikeNotebook({ head: new Uint8Array(), filename: 'Analysis.IPYNB' })).toBe(true);
    expect(looksLikeNotebook({ head: head(fixture('typed')) })).toBe(true);
    expect(looksLikeNotebook({ head: head(fixture('typed')), filename: 'typed.json' })).toBe(true);
  });

  it('knows a big notebook whose "nbformat" key lies past the first bytes', () => {
    const nb = JSON.parse(fixture('typed').toString());
    nb.cells[0].source = 'x'.repeat(10_000);
    const bytes = new TextEncoder().encode(JSON.stringify(nb, null, 1));
    expect(new TextDecoder().decode(head(bytes))).not.toContain('"nbformat"');
    expect(looksLikeNotebook({ head: head(bytes) })).toBe(true);
  });

  it('refuses other files', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(looksLikeNotebook({ head: enc('{"inputs": [1, 2]}') })).toBe(false);
    expect(looksLikeNotebook({ head: enc('<PMML version="4.4">') })).toBe(false);
    expect(
      looksLikeNotebook({ head: new Uint8Array([0x08, 0x07, 0x12]), filename: 'model.onnx' }),
    ).toBe(false);
  });
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('parseNotebookConfig', () => {
  it('fills defaults and names a bad field', () => {
    expect(parseNotebookConfig({})).toMatchObject({
      maxConcurrency: 4,
      warmKernels: 2,
    });
    const err = catching(() => parseNotebookConfig({ warmKernels: -1 }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ status: 400, field: 'config.warmKernels' });
  });

  it('takes requirements as the pickle runtime does: a list or requirements.txt text', () => {
    expect(parseNotebookConfig({}).requirements).toEqual([]);
    expect(
      parseNotebookConfig({ requirements: '# for the report\nhumanize>=4\n\n' }),
    ).toMatchObject({
      requirements: ['humanize>=4'],
    });
    const err = catching(() => parseNotebookConfig({ requirements: ['-r other.txt'] }));
    expect(err).toMatchObject({ status: 400, field: 'config.requirements.0' });
    expect((err as Error).message).toContain('not a pip option');
  });
});
