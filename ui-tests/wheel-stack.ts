// The stack of the wheel's UI test (wheel.config.ts): a gateway, and JupyterLab servers from the
// fresh venv holding the jupyterlab-slipway wheel (SLIPWAY_WHEEL_PYTHON), each set up for the
// gateway in its own way. Ports are chosen once and written to the environment, which
// Playwright's worker processes inherit and read back here.
import { freePorts } from './ports.js';

const NAMES = ['gateway', 'ok', 'wrongToken', 'noGateway', 'unreachable', 'closed'] as const;
type Name = (typeof NAMES)[number];
const variable = (name: Name) => `SLIPWAY_WHEEL_PORT_${name.toUpperCase()}`;

const chosen = NAMES.every((n) => process.env[variable(n)])
  ? NAMES.map((n) => Number(process.env[variable(n)]))
  : await freePorts(NAMES.length);
NAMES.forEach((n, i) => (process.env[variable(n)] = String(chosen[i])));
const port = (name: Name) => chosen[NAMES.indexOf(name)]!;

export const ADMIN_TOKEN = 'sa_wheel-tests-admin-token-0123456789';
/** The Jupyter servers' credential: the gateway takes the user they name only with it. */
export const PROXY_TOKEN = 'sa_wheel-tests-proxy-token-0123456789';
export const GATEWAY = `http://127.0.0.1:${port('gateway')}`;

/** A JupyterLab server: its URL, and the environment that sets its server extension up. */
export interface Lab {
  url: string;
  port: number;
  env: Record<string, string>;
}
const lab = (name: Name, env: Record<string, string>): Lab => ({
  url: `http://localhost:${port(name)}`,
  port: port(name),
  env,
});

export const LABS = {
  /** Set up as the README says: the gateway's URL and a credential it accepts. */
  ok: lab('ok', { SLIPWAY_GATEWAY_URL: GATEWAY, SLIPWAY_GATEWAY_TOKEN: PROXY_TOKEN }),
  /** A credential the gateway refuses. */
  wrongToken: lab('wrongToken', {
    SLIPWAY_GATEWAY_URL: GATEWAY,
    SLIPWAY_GATEWAY_TOKEN: 'sa_not-the-gateways-credential-000',
  }),
  /** No gateway at all in its configuration. */
  noGateway: lab('noGateway', { SLIPWAY_GATEWAY_URL: '', SLIPWAY_GATEWAY_TOKEN: '' }),
  /** A gateway URL where nothing listens (a port held free and never used). */
  unreachable: lab('unreachable', {
    SLIPWAY_GATEWAY_URL: `http://127.0.0.1:${port('closed')}`,
    SLIPWAY_GATEWAY_TOKEN: PROXY_TOKEN,
  }),
};
