import { describe, expect, it } from 'vitest';
import type { Signature } from '../protocol/signature.js';
import { breakingSignatureChanges, signatureChanges } from './signature-changes.js';

const live: Signature = {
  inputs: [
    { name: 'a', type: 'float64', shape: [] },
    { name: 'b', type: 'float64', shape: [] },
  ],
  outputs: [{ name: 'y', type: 'float64', shape: [] }],
};

describe('signature changes', () => {
  it('lists every difference, and only the ones that break callers as breaking', () => {
    const next: Signature = {
      inputs: [
        { name: 'a', type: 'int64', shape: [] },
        { name: 'c', type: 'float64', shape: [], required: false },
        { name: 'd', type: 'float64', shape: [] },
      ],
      outputs: [
        { name: 'y', type: 'float64', shape: [2] },
        { name: 'p', type: 'float64' },
      ],
    };
    expect(signatureChanges(live, next)).toEqual([
      'input a is int64, was float64',
      'input b is gone',
      'input c is new (optional)',
      'input d is new',
      'output y has shape [2], was []',
      'output p is new',
    ]);
    expect(breakingSignatureChanges(live, next)).toEqual([
      'input a is int64, was float64',
      'input b is gone',
      'input d is new',
      'output y has shape [2], was []',
    ]);
  });

  it('counts an input with a default as optional', () => {
    const next = { ...live, inputs: [...live.inputs, { name: 'k', type: 'int64', default: 3 }] };
    expect(breakingSignatureChanges(live, next as Signature)).toEqual([]);
  });
});
