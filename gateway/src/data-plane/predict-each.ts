import { InvalidInputError } from '../errors.js';
import type { Prediction } from '../runtimes/types.js';
import type { RejectedRecord } from './types.js';

/** What `predictEach` answers: a prediction per record, but where the model refused one. */
export interface EachPredicted {
  /** Aligned with the records: undefined where the model refused the record. */
  predictions: (Prediction | undefined)[];
  /** The refused records, by their index among those given, in order. */
  refused: RejectedRecord[];
}

/**
 * Scores records that passed validation in one call of the model, as a batch job's chunk and a
 * stream's messages are; when the model refuses the call for a value of one of them (a
 * `InvalidInputError`: a PMML value outside its field's valid values under
 * `invalidValueTreatment="returnInvalid"`, a basket that is not a list), the records are
 * scored again in halves, down to the refused ones, which are answered with the model's reason
 * instead of failing the others. The usual call is one call; one refused record in n costs
 * about 2·log2(n) more.
 */
export async function predictEach(
  predict: (records: readonly unknown[]) => Promise<Prediction[]>,
  records: readonly unknown[],
): Promise<EachPredicted> {
  const predictions = new Array<Prediction | undefined>(records.length);
  const refused: RejectedRecord[] = [];
  const score = async (from: number, to: number): Promise<void> => {
    try {
      const scored = await predict(
        from === 0 && to === records.length ? records : records.slice(from, to),
      );
      for (let i = from; i < to; i++) predictions[i] = scored[i - from];
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      if (to - from === 1) {
        refused.push({
          index: from,
          message: err.message,
          ...(err.field !== undefined && { field: err.field }),
        });
        return;
      }
      const middle = from + Math.ceil((to - from) / 2);
      await score(from, middle);
      await score(middle, to);
    }
  };
  await score(0, records.length);
  return { predictions, refused };
}
