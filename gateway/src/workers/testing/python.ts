import { testPython } from '../../../test/support/python.js';

/** The interpreter the tests use (SLIPWAY_TEST_PYTHON, else the venv `npm test` makes), or undefined. */
export { testPython };

/** What a suite without a Python environment says, in the report, instead of running. */
export const NO_PYTHON =
  'SKIPPED: no Python worker environment; make it with `npm run python -w gateway` or set SLIPWAY_TEST_PYTHON';
