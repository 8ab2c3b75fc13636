import { InvalidInputError } from '../errors.js';
import type { Signature } from '../protocol/signature.js';
import { fromCliString } from '../runtimes/notebook/notebook-signature.js';
import { isObject, putField } from '../validation/put-field.js';
import type { ParameterInput } from './types.js';

/**
 * One set of notebook parameters from what the caller sent: text values (query string, form)
 * typed by the parameters' defaults as `papermill -p` types them, then a JSON object over them.
 * Not yet validated: the signature's validator checks names and types.
 */
export function notebookParameters(
  input: ParameterInput,
  signature: Signature,
): Record<string, unknown> {
  const types = new Map(signature.inputs.map((f) => [f.name, f.type]));
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.text))
    putField(params, k, fromCliString(v, types.get(k)));
  if (input.json === undefined) return params;
  if (!isObject(input.json))
    throw new InvalidInputError('a notebook takes one JSON object of parameters, e.g. {"n": 3}');
  for (const [k, v] of Object.entries(input.json)) putField(params, k, v);
  return params;
}
