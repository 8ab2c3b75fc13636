import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * What can go wrong talking to the gateway. Each error knows how to tell the user what to do,
 * in the user's language (the bundle it is given); the UI shows `userMessage(err)` and never
 * a bare stack.
 */

/**
 * The gateway did not answer: the Jupyter server could not reach it (the proxy's 502), or the
 * Jupyter server itself did not answer at `baseUrl`.
 */
export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
  constructor(
    trans: TranslationBundle,
    readonly baseUrl: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    const fix = trans.__(
      'Start it with "npm start" in the Slipway folder; on a shared JupyterLab, the administrator of its Jupyter server checks the gateway URL there (c.Slipway.gateway_url).',
    );
    super(
      options?.detail === undefined
        ? trans.__('Slipway gateway not reachable at %1. %2', baseUrl, fix)
        : trans.__('Slipway gateway not reachable: %1. %2', options.detail, fix),
      options,
    );
  }
}

/**
 * 401: the gateway refused the credential the Jupyter server sent. It is the server's
 * configuration, not the user's: the message says so, for the administrator to fix.
 */
export class GatewayAuthError extends Error {
  override name = 'GatewayAuthError';
  constructor(
    trans: TranslationBundle,
    readonly status: number,
    detail: string,
  ) {
    super(
      trans.__(
        'The Slipway gateway refused the Jupyter server (%1: %2). The server is misconfigured: its administrator must set the gateway credential (c.Slipway.token, or SLIPWAY_GATEWAY_TOKEN) and restart it.',
        status,
        detail,
      ),
    );
  }
}

/**
 * 403: the gateway knows the user (the Jupyter server named them) but their role does not
 * allow this; the gateway's message names the permission needed, and is shown as it came.
 */
export class GatewayForbiddenError extends Error {
  override name = 'GatewayForbiddenError';
  constructor(
    trans: TranslationBundle,
    detail: string,
    readonly permission: string | undefined,
  ) {
    super(trans.__('Not allowed: %1', detail));
  }
}

/** The Jupyter server has no Slipway server extension, or one that is not configured. */
export class ServerSetupError extends Error {
  override name = 'ServerSetupError';
  constructor(trans: TranslationBundle, problem: string | null) {
    super(
      problem === null
        ? trans.__(
            'This Jupyter server has no Slipway server extension: install it where the server runs (pip install jupyterlab-slipway) and restart the server.',
          )
        : trans.__('The Jupyter server is not set up for Slipway: %1.', problem),
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
