import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { irisDeployment } from '../testing/deployments.js';
import { monitorChoices } from './monitor-picker.js';

const trans = nullTranslator.load('slipway');
const deployments = [
  irisDeployment({ name: 'scale', format: 'notebook', version: 3 }),
  irisDeployment({ name: 'iris', status: 'loading' }),
  irisDeployment({ name: 'churn', format: 'pmml', status: 'failed' }),
];

describe('monitorChoices', () => {
  it('lists every deployment by name, with version, format and status', () => {
    expect(monitorChoices(deployments, trans).items).toEqual([
      'churn (v1 · pmml · failed)',
      'iris (v1 · onnx · loading)',
      'scale (v3 · notebook · ready)',
    ]);
  });

  it('answers the deployment an item stands for, and nothing for anything else', () => {
    const choices = monitorChoices(deployments, trans);
    expect(choices.items.map((item) => choices.nameOf(item))).toEqual(['churn', 'iris', 'scale']);
    expect(choices.nameOf(null)).toBeNull();
    expect(choices.nameOf('')).toBeNull();
    expect(choices.nameOf('iris')).toBeNull();
  });

  it('selects the monitor shown last first, else the first deployment', () => {
    expect(monitorChoices(deployments, trans, 'scale').current).toBe(2);
    expect(monitorChoices(deployments, trans, 'gone').current).toBe(0);
    expect(monitorChoices(deployments, trans).current).toBe(0);
  });

  it('has nothing to offer when nothing is published', () => {
    expect(monitorChoices([], trans).items).toEqual([]);
  });
});
