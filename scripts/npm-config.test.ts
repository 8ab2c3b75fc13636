// Point 19 of the first-run issue: npm commands in this repository print no warning about our
// configuration, and onnxruntime-node's install script (a CUDA download) stays held back
// while the package itself, whose CPU binaries ship in it, still loads.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const npm = (...args: string[]) => run('npm', args, { cwd: root, timeout: 120_000 });

describe('npm configuration', () => {
  it('prints no "Unknown project config" warning', async () => {
    const { stderr } = await npm('config', 'list');
    expect(stderr).not.toMatch(/Unknown (project|user|env) config/);
  });

  it("holds back onnxruntime-node's install script, and the package still loads", async () => {
    // --foreground-scripts prints "> onnxruntime-node@x postinstall" for a script that runs.
    const { stdout, stderr } = await npm('rebuild', 'onnxruntime-node', '--foreground-scripts');
    expect(`${stdout}\n${stderr}`).not.toMatch(/onnxruntime-node@\S+ postinstall/);
    const gatewayRequire = createRequire(new URL('../gateway/package.json', import.meta.url));
    const ort = gatewayRequire('onnxruntime-node') as { InferenceSession?: unknown };
    expect(typeof ort.InferenceSession).toBe('function');
  });
});
