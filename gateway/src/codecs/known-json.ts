/**
 * The JSON text a value was parsed from (a worker's reply): whoever writes the value out again as
 * JSON (the invocation log) takes the text instead of writing megabytes a second time. Only a
 * value nothing changes after it was parsed may be remembered.
 */
const texts = new WeakMap<object, string>();

export function rememberJson(value: object, text: string): void {
  texts.set(value, text);
}

/** The text remembered for `value`, if any. */
export function knownJson(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? texts.get(value) : undefined;
}
