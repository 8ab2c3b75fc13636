import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { MAX_GRACE_MINUTES, rotationProblem, rotationRequest } from './key-rotation.js';

const trans = nullTranslator.load('slipway');

describe('key rotation', () => {
  it('asks the gateway to keep, revoke now, or revoke after the grace period', () => {
    expect(rotationRequest({ oldKeys: 'keep', graceMinutes: 5 })).toEqual({});
    expect(rotationRequest({ oldKeys: 'now', graceMinutes: 5 })).toEqual({
      revokeOthersAfterSeconds: 0,
    });
    expect(rotationRequest({ oldKeys: 'grace', graceMinutes: 90 })).toEqual({
      revokeOthersAfterSeconds: 5400,
    });
  });

  it('takes a grace period of whole minutes, 1 to a year', () => {
    expect(rotationProblem({ oldKeys: 'grace', graceMinutes: 1 }, trans)).toBeNull();
    expect(
      rotationProblem({ oldKeys: 'grace', graceMinutes: MAX_GRACE_MINUTES }, trans),
    ).toBeNull();
    for (const m of [0, 1.5, NaN, MAX_GRACE_MINUTES + 1])
      expect(rotationProblem({ oldKeys: 'grace', graceMinutes: m }, trans)).toMatch(/minutes/);
    // The minutes matter only for a grace period.
    expect(rotationProblem({ oldKeys: 'now', graceMinutes: NaN }, trans)).toBeNull();
  });
});
