import { USER_HEADER } from '../identity/authenticator.js';
import { Hono } from 'hono';
import type { DataPlane } from '../data-plane/index.js';
import type { CallEnv } from '../middleware/call-id.js';
import { deploymentOpenApi } from '../openapi/deployment-openapi.js';
import { callerOf } from './call-context.js';

export interface DeploymentOpenApiRoutesDeps {
  dataPlane: Pick<DataPlane, 'authorize' | 'kindOf'>;
  publicUrl: string;
  maxBatch: number;
}

/**
 * `GET /fn/:name/openapi.json`: the deployment's own OpenAPI document, for whoever may call it
 * (a public deployment: anyone; else its invoke key or the admin token). Made from the live
 * version's signature, without loading the model.
 */
export function deploymentOpenApiRoutes({
  dataPlane,
  publicUrl,
  maxBatch,
}: DeploymentOpenApiRoutesDeps) {
  const app = new Hono<CallEnv>();
  app.get('/:name/openapi.json', async (c) => {
    const { name, token } = callerOf(c);
    const record = await dataPlane.authorize(name, token, c.req.header(USER_HEADER));
    return c.json(
      deploymentOpenApi({
        name: record.name,
        version: record.liveVersion,
        format: record.live.format,
        notebook: dataPlane.kindOf(record.live.format) === 'notebook',
        public: record.public,
        signature: record.live.signature,
        publicUrl,
        maxBatch,
      }),
    );
  });
  return app;
}
