import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../gateway/src/protocol/index.js';
import { isCompatibleGateway } from '../client/compatibility.js';
import { tagsOf, toggleTag } from './cell-tags.js';
import { DEPLOYMENT_NAME, deploymentNameProblem, slugFromFilename } from './deployment-name.js';
import { modelFormatOf } from './model-files.js';
import { chartSeries, formatLatency } from './monitor-model.js';
import { publishProblems, toPublishRequest } from './publish-options.js';

const trans = nullTranslator.load('slipway');

describe('deployment names', () => {
  it.each([
    ['Churn Model v2.ipynb', 'churn-model-v2'],
    ['work/Über_Modell (final).onnx', 'uber-modell-final'],
    ['---.pmml', 'model'],
    [`${'a'.repeat(80)}.pkl`, 'a'.repeat(63)],
    ['x-.ipynb', 'x'],
  ])('%s → %s, always valid', (file, slug) => {
    expect(slugFromFilename(file)).toBe(slug);
    expect(DEPLOYMENT_NAME.test(slugFromFilename(file))).toBe(true);
  });

  it('explains what an invalid name must look like', () => {
    expect(deploymentNameProblem('ok-name', trans)).toBeNull();
    expect(deploymentNameProblem('', trans)).toMatch(/required/);
    expect(deploymentNameProblem('Bad_Name', trans)).toMatch(
      /lowercase letters, digits and dashes/,
    );
  });
});

describe('cell tags', () => {
  it('toggles a tag and keeps the others in order', () => {
    expect(toggleTag(['a', 'parameters', 'b'], 'parameters')).toEqual(['a', 'b']);
    expect(toggleTag(['a'], 'output')).toEqual(['a', 'output']);
    expect(toggleTag(undefined, 'parameters')).toEqual(['parameters']);
  });

  it('reads malformed tag metadata as tags it can use', () => {
    expect(tagsOf('parameters')).toEqual([]);
    expect(tagsOf(['output', 3, null])).toEqual(['output']);
  });
});

describe('model files', () => {
  it.each([
    ['m.onnx', 'onnx'],
    ['dir/m.PMML', 'pmml'],
    ['m.xml', 'pmml'],
    ['m.pkl', 'pickle'],
    ['m.joblib', 'pickle'],
    ['booster.ubj', 'pickle'],
    ['gbm.zip', 'mojo'],
    ['notes.txt', null],
    ['Makefile', null],
  ])('%s publishes as %s', (path, format) => {
    expect(modelFormatOf(path)).toBe(format);
  });
});

describe('publish options', () => {
  it('sends the snippets and timeout in config, and leaves empty ones out', () => {
    const blob = new Blob(['x']);
    const req = toPublishRequest(
      { blob, filename: 'm.pkl', format: 'pickle' },
      {
        name: 'm',
        pool: 'cpu',
        public: true,
        timeoutSeconds: 5,
        preprocess: 'def preprocess(r): return r',
        predict: '  ',
      },
    );
    expect(req).toMatchObject({
      name: 'm',
      pool: 'cpu',
      public: true,
      format: 'pickle',
      filename: 'm.pkl',
    });
    expect(req.config).toEqual({ timeoutSeconds: 5, preprocess: 'def preprocess(r): return r' });
  });

  it('sends declared pickle inputs as the signature, and asks for them with a preprocess snippet', () => {
    const base = { name: 'm', pool: 'cpu', public: false };
    const req = toPublishRequest(
      { blob: new Blob(['x']), filename: 'm.pkl' },
      {
        ...base,
        preprocess: 'def preprocess(r): ...',
        inputs: '[{"name":"text","type":"string"}]',
      },
    );
    expect(req.config).toMatchObject({ signature: { inputs: [{ name: 'text', type: 'string' }] } });
    expect(
      publishProblems({ ...base, preprocess: 'def preprocess(r): ...' }, trans),
    ).toHaveProperty('inputs');
    expect(publishProblems({ ...base, inputs: '{"not": "a list"}' }, trans).inputs).toMatch(
      /JSON list/,
    );
    expect(publishProblems({ ...base, inputs: 'nope' }, trans).inputs).toMatch(/JSON list/);
  });

  it('names the fields that cannot be sent', () => {
    expect(publishProblems({ name: 'ok', pool: 'cpu', public: false }, trans)).toEqual({});
    const problems = publishProblems(
      { name: 'No', pool: 'cpu', public: false, timeoutSeconds: -1 },
      trans,
    );
    expect(Object.keys(problems).sort()).toEqual(['name', 'timeoutSeconds']);
  });
});

describe('gateway compatibility', () => {
  it('accepts the same 0.minor and refuses others', () => {
    expect(isCompatibleGateway('0.1.0')).toBe(true);
    expect(isCompatibleGateway('0.1.7-rc.1')).toBe(true);
    expect(isCompatibleGateway('0.2.0')).toBe(false);
    expect(isCompatibleGateway('1.1.0')).toBe(false);
    expect(isCompatibleGateway('garbage')).toBe(false);
    expect(isCompatibleGateway('1.4.2', '1.x')).toBe(true);
  });
});

describe('monitor figures', () => {
  it('orders the series by minute and keeps gaps as null', () => {
    const metrics = {
      series: [
        {
          minute: '2026-11-22T10:02:00.000Z',
          count: 3,
          errors: 1,
          serverErrors: 0,
          p50: 2,
          p95: 4,
          p99: 5,
        },
        {
          minute: '2026-11-22T10:01:00.000Z',
          count: 1,
          errors: 0,
          serverErrors: 0,
          p50: null,
          p95: null,
          p99: null,
        },
      ],
    } as unknown as Metrics;
    const s = chartSeries(metrics);
    expect(s.count).toEqual([1, 3]);
    expect(s.errors).toEqual([0, 1]);
    expect(s.p50).toEqual([null, 2]);
    expect(s.labels).toHaveLength(2);
    expect(s.labels[0]).toMatch(/^\d\d:\d\d$/);
  });

  it('formats latencies for people', () => {
    expect(formatLatency(null, trans)).toBe('–');
    expect(formatLatency(0.4211, trans)).toBe('0.42 ms');
    expect(formatLatency(42.4, trans)).toBe('42 ms');
    expect(formatLatency(1530, trans)).toBe('1.5 s');
  });
});
