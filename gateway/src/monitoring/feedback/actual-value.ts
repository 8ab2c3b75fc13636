import type { Label } from '../../protocol/monitoring.js';
import type { PredictionView } from '../prediction-view.js';

export type ActualCheck = { ok: true; value: Label } | { ok: false; message: string };

/**
 * A label as the monitor keeps it, or why it cannot be one. A classifier's label must be one of
 * its classes (text that spells a class, as a CSV cell does, is that class); a regression's a
 * finite number (or text of one). Without known classes, a label takes the type of the
 * prediction it answers where it can (`"1"` for a predicted `1` is `1`).
 */
export function checkActual(
  actual: unknown,
  view: PredictionView,
  predicted: Label | null,
): ActualCheck {
  if (actual === undefined || actual === null)
    return { ok: false, message: 'actual: expected the true class or value, got nothing' };
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean')
    return {
      ok: false,
      message: `actual: expected a string, number or boolean, got ${kindOf(actual)}`,
    };
  if (typeof actual === 'string' && (actual.length > 1000 || /\0|\p{Cs}/u.test(actual)))
    return {
      ok: false,
      message: 'actual: expected a class name (at most 1,000 characters, no NUL)',
    };
  if (view.task === null)
    return {
      ok: false,
      message:
        'the deployment has no prediction the monitor can read; publish it with config.monitoring.prediction',
    };
  if (view.task === 'regression') {
    const x = typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : actual;
    return typeof x === 'number' && Number.isFinite(x)
      ? { ok: true, value: x }
      : {
          ok: false,
          message: `actual: expected a number (the model is a regression), got ${JSON.stringify(actual)}`,
        };
  }
  if (typeof actual === 'number' && !Number.isFinite(actual))
    return { ok: false, message: 'actual: expected a class, got a non-finite number' };
  if (view.classes) {
    const same =
      view.classes.find((c) => c === actual) ??
      view.classes.find((c) => String(c) === String(actual));
    return same !== undefined
      ? { ok: true, value: same }
      : {
          ok: false,
          message: `actual: ${JSON.stringify(actual)} is not a class of the model (${view.classes
            .slice(0, 20)
            .map((c) => JSON.stringify(c))
            .join(', ')}${view.classes.length > 20 ? ', …' : ''})`,
        };
  }
  if (
    predicted !== null &&
    typeof predicted !== typeof actual &&
    String(predicted) === String(actual)
  )
    return { ok: true, value: predicted };
  if (
    typeof predicted === 'number' &&
    typeof actual === 'string' &&
    actual.trim() !== '' &&
    Number.isFinite(Number(actual))
  )
    return { ok: true, value: Number(actual) };
  return { ok: true, value: actual };
}

const kindOf = (v: unknown) =>
  Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
