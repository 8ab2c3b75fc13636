import { ELEMENT_TYPES, type InputPlan, type OutputPlan } from '../tensors.js';

/** An input's plan as `planModel` makes it, for tests: its width when every dim is fixed. */
export const inputPlan = (
  name: string,
  type: string,
  dims: (number | null)[] | undefined,
): InputPlan => ({
  name,
  tensorType: type,
  element: ELEMENT_TYPES.get(type)!.element,
  dims,
  width: dims?.every((d) => d !== null) ? (dims as number[]).reduce((a, b) => a * b, 1) : undefined,
});

/** An output's plan as `planModel` makes it, for tests. */
export const outputPlan = (
  name: string,
  type: string,
  shape: OutputPlan['shape'],
  keys?: string[],
): OutputPlan => ({
  name,
  tensorType: type,
  element: ELEMENT_TYPES.get(type)!.element,
  shape,
  ...(keys ? { keys } : {}),
});
