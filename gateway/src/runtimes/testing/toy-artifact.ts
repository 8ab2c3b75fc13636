import { readFile } from 'node:fs/promises';
import { UnusableArtifactError } from '../../errors.js';

/**
 * A toy's JSON artifact, checked by `pick` (which answers the toy's part, or undefined when the
 * file is not this toy): a file that is not JSON or not this toy is a 422 saying `expected`.
 */
export async function readToyArtifact<T>(
  path: string,
  what: string,
  expected: string,
  pick: (json: unknown) => T | undefined,
): Promise<T> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UnusableArtifactError(`not a ${what}: ${(err as Error).message}`);
  }
  const picked = pick(json);
  if (picked === undefined) throw new UnusableArtifactError(`not a ${what}: expected ${expected}`);
  return picked;
}
