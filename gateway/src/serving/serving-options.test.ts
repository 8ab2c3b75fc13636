import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { servingOptions } from './serving-options.js';

describe('servingOptions', () => {
  it('defaults by kind: models 30 s and unknown fields ignored, notebooks 300 s and refused', () => {
    expect(servingOptions({}, 'model')).toEqual({ timeoutMs: 30_000, unknownFields: 'ignore' });
    expect(servingOptions({}, 'notebook')).toEqual({
      timeoutMs: 300_000,
      unknownFields: 'reject',
    });
  });

  it('takes the shared options, leaving the format options to the runtime', () => {
    expect(
      servingOptions({ timeoutSeconds: 2.5, unknownFields: 'reject', warmKernels: 3 }, 'model'),
    ).toEqual({ timeoutMs: 2_500, unknownFields: 'reject' });
  });

  it.each([
    [{ timeoutSeconds: 0 }, 'config.timeoutSeconds'],
    [{ timeoutSeconds: 86_401 }, 'config.timeoutSeconds'],
    [{ timeoutSeconds: '5' }, 'config.timeoutSeconds'],
    [{ unknownFields: 'drop' }, 'config.unknownFields'],
  ])('refuses %j with a 400 naming %s', (config, field) => {
    let err: unknown;
    try {
      servingOptions(config, 'model');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ status: 400, field });
  });
});
