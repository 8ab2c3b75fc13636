import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { notebookSignature } from '../runtimes/notebook/notebook-signature.js';
import type { ParameterMode } from '../runtimes/types.js';
import { compileValidator } from '../validation/validate-records.js';
import { runParameters } from './parameters.js';

const signature = notebookSignature([
  { name: 'count', type: 'int', source: '3', default: 3, help: '' },
  { name: 'label', type: 'str', source: "'x'", default: 'x', help: '' },
]);
const validate = compileValidator(signature, { unknownFields: 'reject' });
const runtime = (parameterMode: ParameterMode) => ({
  parameterMode,
  parameterWarnings: (names: readonly string[]) =>
    names.filter((n) => n !== 'count' && n !== 'label').map((n) => `unknown: ${n}`),
});

describe('runParameters', () => {
  it('typed: checks the parameters, and passes the notebook only those the caller gave', () => {
    const taken = runParameters(
      { json: { count: 5 }, text: {} },
      signature,
      validate,
      runtime('typed'),
    );
    expect(taken.passed).toEqual({ count: 5 });
    expect(taken.given).toEqual({ count: 5 });
    // Monitoring sees the whole record, the notebook's defaults filled in.
    expect(taken.monitored).toEqual({ count: 5, label: 'x' });
    expect(taken.warnings).toEqual([]);
    expect(runParameters({ text: {} }, signature, validate, runtime('typed')).passed).toEqual({});
  });

  it('typed: a wrong type or an unknown name is a 400 naming it', () => {
    for (const json of [{ count: '5' }, { other: 1 }]) {
      const take = () => runParameters({ json, text: {} }, signature, validate, runtime('typed'));
      expect(take).toThrow(InvalidInputError);
      expect(take).toThrow(Object.keys(json)[0]!);
    }
  });

  it('typed: form values are converted by the declared type; papermill: left to the worker', () => {
    const text = { label: '12', count: '4' };
    const typed = runParameters({ text }, signature, validate, runtime('typed'));
    expect(typed.passed).toEqual({ label: '12', count: 4 });
    // papermill: as text, for the worker to convert with papermill's own rules.
    const papermill = runParameters({ text }, signature, validate, runtime('papermill'));
    expect(papermill.passed).toEqual({});
    expect(papermill.text).toEqual(text);
    expect(papermill.given).toEqual(text);
    const both = runParameters(
      { json: { count: 1 }, text },
      signature,
      validate,
      runtime('papermill'),
    );
    expect([both.passed, both.text]).toEqual([{ count: 1 }, { label: '12' }]);
  });

  it("papermill: anything goes to the notebook unchecked, with papermill's warnings", () => {
    const json = { count: '7', other: [1] };
    const taken = runParameters({ json, text: {} }, signature, validate, runtime('papermill'));
    expect(taken.passed).toEqual(json);
    expect(taken.warnings).toEqual(['unknown: other']);
    // Not the declared types: the run is not monitored rather than refused.
    expect(taken.monitored).toBeUndefined();
    const valid = runParameters(
      { json: { count: 2 }, text: {} },
      signature,
      validate,
      runtime('papermill'),
    );
    expect(valid.monitored).toEqual({ count: 2, label: 'x' });
  });
});
