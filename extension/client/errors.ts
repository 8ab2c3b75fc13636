import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * What can go wrong talking to the gateway. Each error knows how to tell the user what to do,
 * in the user's language (the bundle it is given); the UI shows `userMessage(err)` and never
 * a bare stack.
 */

/** The gateway did not answer at all (not started, wrong URL, blocked by the browser). */
export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
  constructor(
    trans: TranslationBundle,
    readonly baseUrl: string,
    options?: { cause?: unknown },
  ) {
    super(
      trans.__(
        'Slipway gateway not reachable at %1. Start it with "npm start" in the Slipway folder, or change the gateway URL in Settings → Slipway.',
        baseUrl,
      ),
      options,
    );
  }
}

/**
 * 401/403: the token is missing, wrong, or not allowed here. Through the Jupyter server
 * (`viaServer`) the credential is the server's configuration: its administrator fixes it.
 */
export class GatewayAuthError extends Error {
  override name = 'GatewayAuthError';
  constructor(
    trans: TranslationBundle,
    readonly status: number,
    detail: string,
    readonly viaServer = false,
  ) {
    super(
      viaServer
        ? trans.__(
            'The Slipway gateway refused the Jupyter server (%1: %2). The server is misconfigured: its administrator must set the gateway credential (c.Slipway.token, or SLIPWAY_GATEWAY_TOKEN) and restart it.',
            status,
            detail,
          )
        : trans.__(
            'The gateway refused the token (%1: %2). Set the admin token (the gateway prints it at first start and keeps it in .slipway/admin-token) in Settings → Slipway → token.',
            status,
            detail,
          ),
    );
  }
}

/** The gateway answered with an error body: invalid input, rejected artifact, conflict… */
export class GatewayRequestError extends Error {
  override name = 'GatewayRequestError';
  constructor(
    trans: TranslationBundle,
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly field?: string,
  ) {
    super(GatewayRequestError.describe(trans, status, detail, field));
  }

  // Whole sentences, not fragments glued together, so a translation can reorder them.
  private static describe(
    trans: TranslationBundle,
    status: number,
    detail: string,
    field?: string,
  ): string {
    if (status === 422)
      return field
        ? trans.__('The gateway cannot use this file (field "%1"): %2', field, detail)
        : trans.__('The gateway cannot use this file: %1', detail);
    if (status === 413)
      return field
        ? trans.__('Too large for the gateway (field "%1"): %2', field, detail)
        : trans.__('Too large for the gateway: %1', detail);
    // The detail is the gateway's own message: it is shown as it came.
    return field ? trans.__('%1 (field "%2")', detail, field) : detail;
  }
}

/** The gateway speaks an API this extension does not know. */
export class IncompatibleGatewayError extends Error {
  override name = 'IncompatibleGatewayError';
  constructor(
    trans: TranslationBundle,
    readonly gatewayVersion: string,
    readonly supported: string,
  ) {
    super(
      trans.__(
        'The Slipway gateway is version %1, but this extension needs %2. Update the extension and the gateway together (git pull && npm start).',
        gatewayVersion,
        supported,
      ),
    );
  }
}

/** A readable message for any error, for dialogs and notifications. */
export function userMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
