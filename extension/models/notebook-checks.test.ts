import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { cellsLosingTag } from './cell-tags.js';
import { parametersOf, previewNotebook, type NotebookCell } from './notebook-checks.js';
import {
  publishDisabledReason,
  publishProblems,
  toPublishRequest,
  type PublishOptions,
} from './publish-options.js';
import { parsePythonLiteral } from './python-literal.js';

const trans = nullTranslator.load('slipway');

describe('Python literals', () => {
  it.each([
    ['3', 3, 'int'],
    ['-2', -2, 'int'],
    ['1_000', 1000, 'int'],
    ['0x1F', 31, 'int'],
    ['0.5', 0.5, 'float'],
    ['1e-3', 0.001, 'float'],
    ['5.', 5, 'float'],
    ['.25', 0.25, 'float'],
    ['True', true, 'bool'],
    ['None', null, 'NoneType'],
    ["'it''s'", 'its', 'str'],
    ['"a\\tb\\u00e9"', 'a\tbé', 'str'],
    ["r'C:\\dir'", 'C:\\dir', 'str'],
    ['"""two\nlines"""', 'two\nlines', 'str'],
    ['[1, 2.5, "x", None]', [1, 2.5, 'x', null], 'list'],
    ['(1,)', [1], 'tuple'],
    ['(7)', 7, 'int'],
    ['{"a": [1, {"b": False}], 2: "c",}', { a: [1, { b: false }], 2: 'c' }, 'dict'],
    ['[\n  1,  # one\n  2,\n]', [1, 2], 'list'],
  ])('%s is a literal', (text, value, type) => {
    expect(parsePythonLiteral(text)).toEqual({ literal: true, value, pythonType: type });
  });

  it.each([
    'np.float64(0.5)',
    'date.today()',
    'threshold',
    "f'{x}'",
    "b'raw'",
    '{1, 2}',
    '1 + 2',
    '1j',
    '[1, 2',
    '"open',
    '',
  ])('%s is not', (text) => {
    expect(parsePythonLiteral(text)).toEqual({ literal: false });
  });
});

describe('a parameters cell read as the gateway reads it', () => {
  it('types from the annotation, else the default; non-literals become json with no default', () => {
    const params = parametersOf(
      [
        'x = 5  # the number to scale',
        'rate: float = 1  # an annotated int is a float',
        'threshold = np.float64(0.5)',
        'names = ["a", "b"]',
        'label = "yes"  # type: str what to call it',
        'when = None',
        'day: "int" = date.today().day',
        'import numpy as np',
        'if x:',
        '    y = 2',
        'a = b = 3',
        'shape = (',
        '    2,  # rows',
        '    3,',
        ')',
        '%matplotlib inline',
      ].join('\n'),
    );
    expect(params.map((p) => [p.name, p.type, p.default, p.literal])).toEqual([
      ['x', 'int64', 5, true],
      ['rate', 'float64', 1, true],
      ['threshold', 'json', undefined, false],
      ['names', 'json', ['a', 'b'], true],
      ['label', 'string', 'yes', true],
      ['when', 'json', null, true],
      ['day', 'int64', undefined, false],
      ['shape', 'json', [2, 3], true],
    ]);
    expect(params[0]!.help).toBe('the number to scale');
    expect(params[4]!.help).toBe('what to call it');
    expect(params[2]!.source).toBe('np.float64(0.5)');
  });

  it('keeps `#` and `=` inside strings', () => {
    expect(parametersOf('q = "a # b = c"  # help')).toEqual([
      {
        name: 'q',
        type: 'string',
        default: 'a # b = c',
        source: '"a # b = c"',
        literal: true,
        help: 'help',
      },
    ]);
  });
});

const code = (source: string, ...tags: string[]): NotebookCell => ({ type: 'code', source, tags });

describe('the notebook checks before a publish', () => {
  it('says nothing when parameters and outputs are tagged and nothing runs twice', () => {
    const preview = previewNotebook(
      [
        { type: 'markdown', source: '# Scale .fit( %pip install x', tags: [] },
        code('x = 2', 'parameters'),
        code('y = x * 3'),
        code('y', 'output'),
      ],
      trans,
    );
    expect(preview.warnings).toEqual([]);
    expect(preview.parameters.map((p) => p.name)).toEqual(['x']);
    expect(preview.returns).toBe('A call returns the outputs of cell 4 (tagged "output").');
  });

  it('warns about a missing parameters cell, installs and training, and names the last cell', () => {
    const preview = previewNotebook(
      [
        code('%pip install scikit-learn==1.5.2'),
        code('import sklearn\n!pip install -q xgboost'),
        code('model = LogisticRegression().fit(X, y)'),
        code('model.predict(X[:1])'),
        { type: 'markdown', source: 'done', tags: [] },
      ],
      trans,
    );
    expect(preview.warnings.map((w) => w.kind)).toEqual([
      'no-parameters',
      'installs-packages',
      'installs-packages',
      'training',
    ]);
    expect(preview.warnings[1]!.message).toBe(
      'Cell 1 installs packages (%pip install scikit-learn==1.5.2): it would run on every call. List the packages under Requirements instead (installed once, at publish) and remove the line.',
    );
    expect(preview.warnings[2]!.message).toContain(
      'Cell 2 installs packages (!pip install -q xgboost)',
    );
    expect(preview.warnings[3]!.message).toContain('Cell 3 looks like training (.fit(…)');
    expect(preview.returns).toBe(
      'No cell is tagged "output": a call returns the outputs of the last code cell (cell 4). Tag the cells to return with Tag as Output.',
    );
  });

  it('warns about two parameters cells and a default that is not a literal', () => {
    const preview = previewNotebook(
      [code('threshold = np.float64(0.5)', 'parameters'), code('n = 3', 'parameters'), code('n')],
      trans,
    );
    expect(preview.parameters.map((p) => p.name)).toEqual(['threshold']);
    expect(preview.warnings.map((w) => w.message)).toEqual([
      'Cells 1, 2 are tagged "parameters"; only the first (cell 1) declares the parameters. Remove the tag from the others.',
      'The default of threshold (np.float64(0.5)) is not a literal, so it becomes type json with no default. Write a literal such as 0.5, "text", True or [1, 2], or annotate the type (threshold: float = …).',
    ]);
  });
});

describe('the parameters tag is on one cell', () => {
  it('moves from the other cells when a second cell takes it', () => {
    const tags = [['parameters'], [], ['output', 'parameters']];
    expect(cellsLosingTag(tags, 1, 'parameters')).toEqual([0, 2]);
    // Untagging, and other tags, move nothing.
    expect(cellsLosingTag(tags, 0, 'parameters')).toEqual([]);
    expect(cellsLosingTag([['output'], []], 1, 'output')).toEqual([]);
  });
});

describe("the notebook's publish options", () => {
  const base: PublishOptions = { name: 'scale', pool: 'cpu', public: false };

  it('go into config as the gateway names them', () => {
    const request = toPublishRequest(
      { blob: new Blob(['{}']), filename: 'scale.ipynb', format: 'notebook' },
      {
        ...base,
        maxConcurrency: 2,
        warmKernels: 0,
        idleSeconds: 30,
        asyncCalls: true,
      },
    );
    // Asynchronous calls are a way of calling, shown in the result: nothing to store.
    expect(request.config).toEqual({ maxConcurrency: 2, warmKernels: 0, idleSeconds: 30 });
  });

  it("send a pickle's requirements as the gateway's list, without comments", () => {
    const request = toPublishRequest(
      { blob: new Blob(['pickle']), filename: 'model.pkl', format: 'pickle' },
      { ...base, requirements: 'scikit-learn==1.5.2  # the model\n\nxgboost\n' },
    );
    expect(request.config).toEqual({ requirements: ['scikit-learn==1.5.2', 'xgboost'] });
  });

  it.each<[Partial<PublishOptions>, keyof PublishOptions, RegExp]>([
    [{ timeoutSeconds: 0 }, 'timeoutSeconds', /between 1 and 86400; leave it empty/],
    [{ maxConcurrency: 0 }, 'maxConcurrency', /whole number between 1 and 64/],
    [{ maxConcurrency: 1.5 }, 'maxConcurrency', /whole number between 1 and 64/],
    [{ warmKernels: 17 }, 'warmKernels', /whole number between 0 and 16/],
    [{ idleSeconds: Number.NaN }, 'idleSeconds', /between 1 and 604800/],
    [{ requirements: 'numpy\n-r other.txt' }, 'requirements', /"-r other.txt" is not one/],
  ])('%o is refused, naming %s', (over, field, message) => {
    const problems = publishProblems({ ...base, ...over }, trans);
    expect(Object.keys(problems)).toEqual([field]);
    expect(problems[field]).toMatch(message);
  });

  it('say why Publish is disabled, field by field, and nothing when it is not', () => {
    expect(publishDisabledReason(publishProblems(base, trans), trans)).toBeUndefined();
    expect(
      publishDisabledReason(
        publishProblems({ ...base, name: '', timeoutSeconds: 0 }, trans),
        trans,
      ),
    ).toMatch(
      /^Publish is disabled until this is fixed: Name: .*required.* Timeout \(s\): A timeout is/,
    );
  });
});
