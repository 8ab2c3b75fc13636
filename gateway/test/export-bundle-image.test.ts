import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGateway, extractTarball } from './support/bundle.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * An export bundle's Dockerfile, built into an image with buildah (on the debootstrap base of
 * scripts/image/) and run: the bundle inside answers as the gateway did. Run by the `image`
 * suite (scripts/image/test-image.sh sets SLIPWAY_TEST_BUNDLE_IMAGE=1): it needs root, buildah
 * and debootstrap, and minutes.
 */
const enabled = process.env.SLIPWAY_TEST_BUNDLE_IMAGE === '1';
const fixture = fileURLToPath(new URL('./fixtures/pmml/s2p_logistic', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/image/build-bundle-image.sh', import.meta.url));

let gw: TestGateway | undefined;
let work: string | undefined;
afterAll(async () => {
  await gw?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!enabled)(
  enabled ? 'an export bundle as an image' : 'bundle image: SKIPPED, the image suite runs it',
  () => {
    it('builds from the bundle Dockerfile and answers as the gateway does', async () => {
      work = await mkdtemp(join(tmpdir(), 'slipway-bundle-image-'));
      await chmod(work, 0o755);
      gw = await startTestGateway({ runnerBuild: buildGateway(join(work, 'build')) });
      const name = 'image-pmml';
      const publish = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm(
          { name, public: 'true' },
          { bytes: await readFile(`${fixture}.pmml`), filename: 's2p_logistic.pmml' },
        ),
      });
      expect(publish.status).toBe(201);
      const records = (
        JSON.parse(await readFile(`${fixture}.expected.json`, 'utf8')) as { records: unknown[] }
      ).records.slice(0, 5);
      const res = await gw.app.request(`/fn/${name}`, {
        method: 'POST',
        body: JSON.stringify(records),
        headers: { 'content-type': 'application/json' },
      });
      const { id: _id, ids: _ids, ...answer } = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(200);

      const exported = await gw.admin(`/api/deployments/${name}/export`);
      expect(exported.status).toBe(200);
      await extractTarball(exported.body as WebStream<Uint8Array>, join(work, 'bundle'));
      const smoke = join(work, 'smoke');
      await mkdir(smoke);
      await writeFile(join(smoke, 'request.json'), JSON.stringify({ name, body: records }));
      await writeFile(
        join(smoke, 'expected.json'),
        JSON.stringify({ status: res.status, body: answer }),
      );
      const build = spawnSync(
        'bash',
        [script, join(work, 'bundle', `${name}-v1`), '--smoke', smoke],
        { encoding: 'utf8' },
      );
      expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
      expect(build.stderr).toContain('as the gateway answered');
    }, 900_000);
  },
);
