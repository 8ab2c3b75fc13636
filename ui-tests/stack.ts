import { freePorts } from './ports.js';

function portFrom(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${name}=${value} is not a port number`);
  return port;
}

/**
 * Where the UI tests' JupyterLab and gateway listen: SLIPWAY_UI_LAB_PORT and
 * SLIPWAY_UI_GATEWAY_PORT, else ports free at start, so that two runs on one machine do not
 * collide. The choice is written back to the environment, which Playwright's worker processes
 * inherit: they load this file again and must find the same ports.
 */
const given = [portFrom('SLIPWAY_UI_LAB_PORT'), portFrom('SLIPWAY_UI_GATEWAY_PORT')];
const free = given.includes(undefined) ? await freePorts(2) : [];
const [lab, gateway] = given.map((port, i) => port ?? free[i]!);
export const LAB_PORT: number = lab!;
export const GATEWAY_PORT: number = gateway!;
if (free.length)
  console.log(
    `[ui-tests] JupyterLab on port ${LAB_PORT}, gateway on port ${GATEWAY_PORT} (free ports; SLIPWAY_UI_LAB_PORT and SLIPWAY_UI_GATEWAY_PORT choose others)`,
  );
process.env.SLIPWAY_UI_LAB_PORT = String(LAB_PORT);
process.env.SLIPWAY_UI_GATEWAY_PORT = String(GATEWAY_PORT);

/** Fixed so that tests can publish through the API too; the gateway is on a throwaway data dir. */
export const ADMIN_TOKEN = 'sa_ui-tests-admin-token-0123456789';
