// Whether a build's output is up to date with its sources. A build records a fingerprint of
// what it read (file names and contents); the next start compares. Contents, not times: a test
// run writing a cache under extension/node_modules, an editor touching a file or a fresh
// checkout changes times but not what the build would produce.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** What no build reads: dependencies, caches and dot-files, tests and their reports. */
export function isBuildInput(name: string, isDirectory: boolean): boolean {
  if (name.startsWith('.') || name === 'node_modules' || name === '__pycache__') return false;
  if (isDirectory) return name !== 'testing';
  return !/\.test\.tsx?$/.test(name) && name !== 'test-results.json';
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => isBuildInput(e.name, e.isDirectory()))
    .flatMap((e) => filesUnder(join(path, e.name)));
}

/**
 * A fingerprint of the files under `sources` (paths relative to `root`, files or folders) that
 * `isBuildInput` keeps, and of `extra` (what else the output depends on, e.g. an interpreter).
 */
export function sourceFingerprint(root: string, sources: string[], extra = ''): string {
  const hash = createHash('sha256').update(`${extra}\n`);
  const files = sources.flatMap((s) => filesUnder(join(root, s)));
  for (const file of files.map((f) => relative(root, f).split(sep).join('/')).sort()) {
    hash
      .update(`${file}\n`)
      .update(readFileSync(join(root, file)))
      .update('\n');
  }
  return hash.digest('hex');
}

/** What a build is: its sources, where it records them, and what it makes. */
export interface BuildSpec {
  /** Files or folders relative to the repository root. */
  sources: string[];
  /** Anything else the output depends on (e.g. the Python the extension is built with). */
  extra?: string;
  /** Where the fingerprint of the last build is kept. */
  stamp: string;
  /** Files the build makes: a missing one means it must run. */
  outputs: string[];
}

/** The fingerprint of a build's sources now. */
export function fingerprintOf(root: string, spec: BuildSpec): string {
  return sourceFingerprint(root, spec.sources, spec.extra);
}

/** Whether the last build was of these sources and its outputs are all there. */
export function isUpToDate(spec: BuildSpec, fingerprint: string): boolean {
  return (
    spec.outputs.every((f) => existsSync(f)) &&
    existsSync(spec.stamp) &&
    readFileSync(spec.stamp, 'utf8').trim() === fingerprint
  );
}

/** Records a finished build of sources with this fingerprint (taken before it started). */
export function recordBuild(spec: BuildSpec, fingerprint: string): void {
  mkdirSync(dirname(spec.stamp), { recursive: true });
  writeFileSync(spec.stamp, `${fingerprint}\n`);
}
