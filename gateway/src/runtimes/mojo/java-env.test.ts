import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotReadyError } from '../../errors.js';
import { checkJava, ensureJvmWorkerJar, jarIsFresh, parseJavaVersion } from './java-env.js';

describe('parseJavaVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "11" 2018-09-25', 11],
    ['openjdk version "21-ea" 2023-09-19', 21],
    ['no banner here', undefined],
  ])('%s → %s', (banner, major) => expect(parseJavaVersion(banner)).toBe(major));
});

describe('checkJava', () => {
  it('refuses a java that does not run with 503 saying what to install', async () => {
    const err = await checkJava('/nonexistent/bin/java').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotReadyError);
    expect((err as Error).message).toMatch(/install a JDK 11 or newer/);
  });

  it('refuses a java older than 11', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-java-'));
    const fake = join(dir, 'java');
    await writeFile(fake, '#!/bin/sh\necho \'java version "1.8.0_392"\' >&2\n', { mode: 0o755 });
    const err = await checkJava(fake).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotReadyError);
    expect((err as Error).message).toMatch(/needs Java 11 or newer.* is 8/);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('the worker jar', () => {
  let dir: string;
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const jar = () => join(dir, 'target', 'slipway-jvm-worker.jar');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-jar-'));
    await mkdir(join(dir, 'src', 'main'), { recursive: true });
    await mkdir(join(dir, 'target'));
    await writeFile(join(dir, 'pom.xml'), '<project/>');
    await writeFile(join(dir, 'src', 'main', 'A.java'), 'class A {}');
    await utimes(join(dir, 'pom.xml'), at(1), at(1));
    await utimes(join(dir, 'src', 'main', 'A.java'), at(2), at(2));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is fresh only when newer than pom.xml and every source', async () => {
    expect(await jarIsFresh(dir)).toBe(false);
    await writeFile(jar(), 'jar');
    await utimes(jar(), at(3), at(3));
    expect(await jarIsFresh(dir)).toBe(true);
    await utimes(join(dir, 'src', 'main', 'A.java'), at(4), at(4));
    expect(await jarIsFresh(dir)).toBe(false);
  });

  it('is not rebuilt when fresh (no Maven needed)', async () => {
    await writeFile(jar(), 'jar');
    await utimes(jar(), at(3), at(3));
    await expect(ensureJvmWorkerJar({ dir, mvn: '/nonexistent/mvn' })).resolves.toBe(jar());
  });

  it('without Maven: a stale jar is used as it is, a missing one is a 503 saying what to do', async () => {
    const err = await ensureJvmWorkerJar({ dir, mvn: '/nonexistent/mvn' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotReadyError);
    expect((err as Error).message).toMatch(/npm run java --workspace gateway/);
    await writeFile(jar(), 'jar');
    await utimes(jar(), at(0), at(0));
    await expect(ensureJvmWorkerJar({ dir, mvn: '/nonexistent/mvn' })).resolves.toBe(jar());
  });
});
