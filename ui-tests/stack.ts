/** Where the UI tests' gateway and JupyterLab listen (away from `npm start`'s defaults). */
export const LAB_PORT = 18888;
export const GATEWAY_PORT = 18787;
/** Fixed so that tests can publish through the API too; the gateway is on a throwaway data dir. */
export const ADMIN_TOKEN = 'sa_ui-tests-admin-token-0123456789';
