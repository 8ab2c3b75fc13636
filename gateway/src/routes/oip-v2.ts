import { Hono, type Context } from 'hono';
import { encodeOipMetadata, encodeOipResponse, oipCodec } from '../codecs/index.js';
import type { DataPlane } from '../data-plane/index.js';
import type { CallEnv } from '../middleware/call-id.js';
import { callerOf, setIgnoredFields, setWarnings } from './call-context.js';
import { readRequestBody } from './read-json-body.js';

export interface OipRoutesDeps {
  dataPlane: DataPlane;
  maxBodyBytes: number;
  maxBatch: number;
}

/** `/v2/models/...`: the Open Inference Protocol v2 (KServe, MLServer, Triton clients). */
export function oipRoutes({ dataPlane, maxBodyBytes, maxBatch }: OipRoutesDeps) {
  const app = new Hono<CallEnv>();
  const codec = oipCodec(maxBatch);

  // Checked by the data plane, after the caller is authorised: a stranger learns nothing.
  // Digits only ("1.0", "0x1" or " 1" are not versions): anything else reaches it as NaN.
  const versionParam = (v: string | undefined) =>
    v === undefined ? undefined : /^[0-9]+$/.test(v) ? Number(v) : NaN;

  const metadata = async (c: Context<CallEnv>) => {
    const view = await dataPlane.describe({
      ...callerOf(c),
      version: versionParam(c.req.param('version')),
    });
    return c.json(
      encodeOipMetadata({
        name: view.name,
        versions: view.versions.map(String),
        platform: `slipway-${view.format}`,
        signature: view.signature,
      }),
    );
  };
  app.get('/:name', metadata);
  app.get('/:name/versions/:version', metadata);
  app.get('/:name/ready', async (c) => {
    await dataPlane.describe(callerOf(c));
    return c.body(null, 200);
  });

  const infer = async (c: Context<CallEnv>) => {
    const result = await dataPlane.infer({
      ...callerOf(c),
      version: versionParam(c.req.param('version')),
      codec,
      body: () => readRequestBody(c, maxBodyBytes),
    });
    // A call without a version went where the traffic split sent it: say which answered.
    c.header('X-Slipway-Version', String(result.version));
    setIgnoredFields(c, result.ignoredFields);
    setWarnings(c, result.warnings);
    return c.json(
      encodeOipResponse({
        modelName: c.req.param('name')!,
        modelVersion: String(result.version),
        requestId: result.meta.requestId ?? result.id,
        predictions: result.predictions,
        ids: result.ids,
        signature: result.signature,
        outputsRequested: result.meta.outputsRequested,
      }),
    );
  };
  app.post('/:name/infer', infer);
  app.post('/:name/versions/:version/infer', infer);

  return app;
}
