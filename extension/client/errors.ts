/**
 * What can go wrong talking to the gateway. Each error knows how to tell the user what to do;
 * the UI shows `userMessage(err)` and never a bare stack.
 */

/** The gateway did not answer at all (not started, wrong URL, blocked by the browser). */
export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
  constructor(
    readonly baseUrl: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Slipway gateway not reachable at ${baseUrl}. Start it with "npm start" in the Slipway folder, or change the gateway URL in Settings → Slipway.`,
      options,
    );
  }
}

/** 401/403: the token is missing, wrong, or not allowed here. */
export class GatewayAuthError extends Error {
  override name = 'GatewayAuthError';
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(
      `The gateway refused the token (${status}: ${detail}). Set the admin token (the gateway prints it at first start and keeps it in .slipway/admin-token) in Settings → Slipway → token.`,
    );
  }
}

/** The gateway answered with an error body: invalid input, rejected artifact, conflict… */
export class GatewayRequestError extends Error {
  override name = 'GatewayRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly field?: string,
  ) {
    super(GatewayRequestError.describe(status, detail, field));
  }

  private static describe(status: number, detail: string, field?: string): string {
    const where = field ? ` (field "${field}")` : '';
    if (status === 422) return `The gateway cannot use this file${where}: ${detail}`;
    if (status === 413) return `Too large for the gateway${where}: ${detail}`;
    return `${detail}${where}`;
  }
}

/** The gateway speaks an API this extension does not know. */
export class IncompatibleGatewayError extends Error {
  override name = 'IncompatibleGatewayError';
  constructor(
    readonly gatewayVersion: string,
    readonly supported: string,
  ) {
    super(
      `The Slipway gateway is version ${gatewayVersion}, but this extension needs ${supported}. Update the extension and the gateway together (git pull && npm start).`,
    );
  }
}

/** A readable message for any error, for dialogs and notifications. */
export function userMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
