import { InvalidInputError } from '../errors.js';
import type { RecordValue } from '../protocol/signature.js';
import type { RecordValidator } from '../validation/validate-records.js';
import type { RejectedRecord } from './types.js';

/** Records validated one by one: those that passed (with their indexes), the refused ones. */
export interface EachValidated {
  passed: RecordValue[];
  /** Each passed record's index among those given. */
  indexes: number[];
  rejected: RejectedRecord[];
  /** Fields of the passed records that the signature does not name, ignored (sorted). */
  ignored: string[];
}

/**
 * Validates each record on its own, as a batch job's chunk and a stream's messages are: the
 * refused ones are named with their reasons instead of failing the rest. All at once first
 * (the usual chunk: one validation, nothing made per record); only when one is refused, each
 * on its own, so that each refusal names its own field.
 */
export function validateEach(
  validate: RecordValidator,
  records: readonly unknown[],
): EachValidated {
  const ignored = new Set<string>();
  const all = validateAll(validate, records);
  if (all) {
    for (const name of all.ignored) ignored.add(name);
    return {
      passed: all.records,
      indexes: Array.from({ length: records.length }, (_, i) => i),
      rejected: [],
      ignored: [...ignored].sort(),
    };
  }
  const passed: RecordValue[] = [];
  const indexes: number[] = [];
  const rejected: RejectedRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    try {
      const one = validate([records[i]]);
      passed.push(one.records[0]!);
      indexes.push(i);
      for (const name of one.ignored) ignored.add(name);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      rejected.push({
        index: i,
        message: err.message,
        ...(err.field !== undefined && { field: err.field }),
      });
    }
  }
  return { passed, indexes, rejected, ignored: [...ignored].sort() };
}

/** All the records validated at once; undefined when one of them is refused. */
function validateAll(validate: RecordValidator, records: readonly unknown[]) {
  try {
    // The validator reads the array, never changes it.
    return validate(records as unknown[]);
  } catch (err) {
    if (err instanceof InvalidInputError) return undefined;
    throw err;
  }
}
