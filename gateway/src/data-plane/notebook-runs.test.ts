import { describe, expect, it } from 'vitest';
import { NotebookFailedError, UnavailableError, toErrorResponse } from '../errors.js';
import { NotebookRunError, runLinks } from './notebook-runs.js';

const links = runLinks('http://slipway.test', 'nb', '0b1d6b5e-8c39-4f57-9a3c-6ad1b0e7e0f1');

describe('NotebookRunError', () => {
  it('answers the failure’s own body with the run’s links', () => {
    const cell = { position: 3, executionCount: 3, firstLine: 'x = 1 / 0' };
    const failed = new NotebookFailedError('cell [3] raised …', cell, 'ZeroDivisionError');
    const err = new NotebookRunError(failed, links);
    expect(err.failure).toBe(failed);
    expect(toErrorResponse(err)).toEqual({
      status: 500,
      body: {
        error: {
          code: 'notebook_failed',
          message: 'cell [3] raised …',
          cell,
          runId: '0b1d6b5e-8c39-4f57-9a3c-6ad1b0e7e0f1',
          statusUrl: 'http://slipway.test/fn/nb/runs/0b1d6b5e-8c39-4f57-9a3c-6ad1b0e7e0f1',
          notebookUrl:
            'http://slipway.test/fn/nb/runs/0b1d6b5e-8c39-4f57-9a3c-6ad1b0e7e0f1/notebook',
        },
      },
    });
  });

  it('keeps the status, code and Retry-After of other failures', () => {
    const err = new NotebookRunError(
      new UnavailableError('the log is away', 'log_unavailable', 7),
      links,
    );
    expect([err.status, err.code, err.retryAfterSeconds]).toEqual([503, 'log_unavailable', 7]);
    expect(err.toBody().error).toMatchObject({ code: 'log_unavailable', runId: links.runId });
  });

  it('says nothing of an unexpected error but that it happened, and where the run is', () => {
    const bug = new TypeError('secret internals');
    const err = new NotebookRunError(bug, links);
    expect(toErrorResponse(err)).toEqual({
      status: 500,
      body: {
        error: { code: 'internal', message: 'internal error; see the gateway log', ...links },
      },
    });
    // The log still gets the original.
    expect(err.failure.cause).toBe(bug);
  });
});
