import { InvalidInputError } from '../errors.js';

/** What jsonb refuses in text: a NUL, or a lone surrogate (no UTF-8 exists for one). */
const UNSTORABLE = /\0|\p{Cs}/u;

/**
 * Checks that the database can store a JSON value as jsonb (a config, settings): no key or
 * string in it holds a NUL or a lone surrogate. A 400 names the first one found
 * (`config.labels[2]`). Walks without recursion: a value nested however deep is checked, not
 * a stack overflow.
 */
export function checkStorableJson(value: unknown, field: string): void {
  const stack: [unknown, string][] = [[value, field]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) throw refused(path);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if (UNSTORABLE.test(k)) throw refused(`${path}.${k.replace(UNSTORABLE, '\uFFFD')}`);
        stack.push([child, `${path}.${k}`]);
      }
    }
  }
}

function refused(path: string): InvalidInputError {
  return new InvalidInputError(
    `${path}: must not contain a NUL character or a lone surrogate (the database stores neither)`,
    path,
  );
}
