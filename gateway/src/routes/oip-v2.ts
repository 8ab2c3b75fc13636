import { Hono, type Context } from 'hono';
import { InvalidInputError } from '../errors.js';
import { decodeOipRequest, encodeOipMetadata, encodeOipResponse } from '../invoke/codecs/index.js';
import type { Invoker } from '../invoke/invoker.js';
import { readJsonBody } from '../invoke/read-json-body.js';
import type { DeploymentRepository } from '../db/deployment-repository.js';

export interface OipRoutesDeps {
  invoker: Invoker;
  repo: DeploymentRepository;
  maxBodyBytes: number;
  maxBatch: number;
}

/** `/v2/models/...`: the Open Inference Protocol v2 (KServe, MLServer, Triton clients). */
export function oipRoutes({ invoker, repo, maxBodyBytes, maxBatch }: OipRoutesDeps) {
  const app = new Hono();

  const versionParam = (v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!/^[1-9][0-9]{0,8}$/.test(v))
      throw new InvalidInputError('version: expected a positive integer', 'version');
    return Number(v);
  };

  const metadata = async (name: string, auth: string | undefined, version?: number) => {
    const record = await invoker.authorize(name, auth);
    const target = await invoker.target(record, version);
    const versions = (await repo.versions(name)).map((v) => String(v.version));
    return encodeOipMetadata({
      name,
      versions,
      platform: `slipway-${record.live.format}`,
      signature: target.served.signature,
    });
  };

  app.get('/:name', async (c) =>
    c.json(await metadata(c.req.param('name'), c.req.header('authorization'))),
  );
  app.get('/:name/versions/:version', async (c) =>
    c.json(
      await metadata(
        c.req.param('name'),
        c.req.header('authorization'),
        versionParam(c.req.param('version')),
      ),
    ),
  );
  app.get('/:name/ready', async (c) => {
    const record = await invoker.authorize(c.req.param('name'), c.req.header('authorization'));
    await invoker.target(record);
    return c.body(null, 200);
  });

  const infer = async (c: Context, version?: number) => {
    const started = performance.now();
    const name = c.req.param('name')!;
    const record = await invoker.authorize(name, c.req.header('authorization'));
    const target = await invoker.target(record, version);
    const body = await readJsonBody(c, maxBodyBytes);
    const signature = target.served.signature;
    let requestId: string | undefined;
    let outputsRequested: string[] | undefined;
    const result = await invoker.predict(
      target,
      body,
      (raw) => {
        const decoded = decodeOipRequest(raw, signature, maxBatch);
        requestId = decoded.requestId;
        outputsRequested = decoded.outputsRequested;
        return decoded.records;
      },
      'oip-v2',
      started,
      { signal: c.req.raw.signal },
    );
    return c.json(
      encodeOipResponse({
        modelName: name,
        modelVersion: String(result.version),
        requestId: requestId ?? result.id,
        predictions: result.predictions,
        ids: result.ids,
        signature,
        outputsRequested,
      }),
    );
  };

  app.post('/:name/infer', (c) => infer(c));
  app.post('/:name/versions/:version/infer', (c) => infer(c, versionParam(c.req.param('version'))));

  return app;
}
