import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { failedRun, gate, retrainRun, RUN_ID } from '../testing/retraining.js';
import { publishProblems } from './publish-options.js';
import { decisionLabel, formatDuration, runMessage, runNotebookPath } from './retraining-model.js';
import {
  canaryPercentOf,
  gateText,
  gateVerdict,
  originText,
  stateLabel,
  versionActions,
} from './versions-model.js';

const trans = nullTranslator.load('slipway');

describe('the version timeline in words', () => {
  it('offers the actions of each state, and no second canary', () => {
    const none = { canaryRunning: false };
    expect(versionActions('live', none)).toEqual([]);
    expect(versionActions('candidate', none)).toEqual(['promote', 'canary', 'shadow', 'retire']);
    expect(versionActions('canary', none)).toEqual(['promote', 'endCanary']);
    expect(versionActions('shadow', none)).toEqual(['promote', 'canary', 'stopShadow']);
    expect(versionActions('previous', none)).toEqual(['rollback', 'canary', 'shadow', 'retire']);
    expect(versionActions('retired', none)).toEqual([]);
    expect(versionActions('candidate', { canaryRunning: true })).toEqual([
      'promote',
      'shadow',
      'retire',
    ]);
  });

  it('states with their share, origins and gates', () => {
    expect(stateLabel('canary', 10, trans)).toBe('canary 10%');
    expect(stateLabel('live', null, trans)).toBe('live');
    expect(originText({ kind: 'upload', filename: 'iris.onnx' }, trans)).toBe('uploaded iris.onnx');
    expect(originText({ kind: 'upload', filename: null }, trans)).toBe('uploaded');
    expect(originText({ kind: 'retraining', runId: RUN_ID, trigger: 'alert' }, trans)).toBe(
      'retraining run 1a2b3c4d (alert)',
    );
    expect(gateText(gate, trans)).toBe(
      'accuracy: candidate 0.95 vs live 0.9 on 40 held-back labels',
    );
    expect(gateVerdict(gate, trans)).toBe('passed');
    expect(gateVerdict({ ...gate, passed: false, reason: 'not better than live' }, trans)).toBe(
      'not passed: not better than live',
    );
  });

  it('takes a canary share of 1 to 99 whole percent', () => {
    expect(canaryPercentOf(10)).toBe(10);
    expect([0, 100, 2.5, Number.NaN].map(canaryPercentOf)).toEqual([null, null, null, null]);
  });
});

describe('retraining runs in words', () => {
  it('durations, decisions and messages', () => {
    expect(formatDuration(null, trans)).toBe('–');
    expect(formatDuration(4_400, trans)).toBe('4 s');
    expect(formatDuration(65_000, trans)).toBe('1 min 5 s');
    expect(formatDuration(3_720_000, trans)).toBe('1 h 2 min');
    expect(decisionLabel('awaiting_promotion', trans)).toBe('awaiting promotion');
    expect(decisionLabel(null, trans)).toBe('–');
    expect(runMessage(failedRun)).toBe('NameError in cell 3');
    expect(runMessage(retrainRun())).toBe('');
    expect(runMessage(retrainRun({ gate: { ...gate, passed: false, reason: 'worse' } }))).toBe(
      'worse',
    );
  });

  it('saves a run notebook under slipway-runs/, named by deployment and run', () => {
    expect(runNotebookPath({ deployment: 'iris', id: RUN_ID })).toBe(
      `slipway-runs/iris-${RUN_ID}.ipynb`,
    );
    expect(runNotebookPath({ deployment: 'a/b', id: '../x' })).toBe('slipway-runs/a_b-.._x.ipynb');
  });
});

describe('a training notebook in the publish dialog', () => {
  const base = { name: 'Not A Slug', pool: 'cpu', public: false, as: 'trainer' as const };

  it('needs a deployment, and training data in CSV or Parquet if any', () => {
    expect(publishProblems({ ...base, trainerOf: 'iris' }, trans)).toEqual({});
    expect(
      publishProblems({ ...base, trainerOf: 'iris', trainingFile: 'd/t.parquet' }, trans),
    ).toEqual({});
    expect(Object.keys(publishProblems({ ...base, trainerOf: '' }, trans))).toEqual(['trainerOf']);
    expect(
      Object.keys(publishProblems({ ...base, trainerOf: 'iris', trainingFile: 't.jsonl' }, trans)),
    ).toEqual(['trainingFile']);
    // Published as a function, the name is checked as before.
    expect(Object.keys(publishProblems({ ...base, as: 'function' }, trans))).toEqual(['name']);
  });
});
