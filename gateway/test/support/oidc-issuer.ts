// A real OpenID Connect provider for the tests (panva's oidc-provider, the certified
// implementation on npm), on a free port: its discovery document and keys are served as any
// issuer serves them, and it issues signed JWT access tokens by the client-credentials grant,
// each client's token carrying the claims given for it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface OidcIssuer {
  issuer: string;
  /** A fresh access token for `client` (its claims, its expiry). */
  token(client: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startOidcIssuer(opts: {
  audience: string;
  /** Client id → the claims its tokens carry. */
  clients: Record<string, Record<string, unknown>>;
  /** Seconds a token lives; default an hour. */
  ttlSeconds?: number;
}): Promise<OidcIssuer> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const secret = (client: string) => `${client}-secret-0123456789`;
  const provider = new Provider(issuer, {
    clients: Object.keys(opts.clients).map((client_id) => ({
      client_id,
      client_secret: secret(client_id),
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    })),
    jwks: { keys: [jwk] },
    ttl: { ClientCredentials: opts.ttlSeconds ?? 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => opts.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'slipway',
          audience: opts.audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: opts.ttlSeconds ?? 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) =>
      opts.clients[(token as { clientId?: string }).clientId ?? ''] ?? {},
  });
  server.on('request', provider.callback());
  return {
    issuer,
    async token(client) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client}:${secret(client)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: opts.audience }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token)
        throw new Error(`the issuer gave no token for ${client}: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
