import { ClosApiError, ClosConnectionError, ClosResponseError } from '@clos/contract';
import { describe, expect, it } from 'vitest';
import { holderLines, toCliError } from './api-errors.ts';
import { CliError, EXIT } from './errors.ts';

const apiError = (code: ConstructorParameters<typeof ClosApiError>[0]['code'], details?: unknown) =>
  new ClosApiError({
    status: 400,
    code,
    message: `server says ${code}`,
    details: details as never,
    requestId: 'req-1',
    route: 'acquireWipLock',
  });

const asCliError = (error: unknown) => {
  const mapped = toCliError(error);
  expect(mapped).toBeInstanceOf(CliError);
  return mapped as CliError;
};

describe('toCliError', () => {
  it('makes a refusal by state exit 1, with the holders and how to free a slot', () => {
    const holders = [{ lockId: 'l1', itemId: 'PR-7', acquiredAt: '2026-01-01T00:00:00.000Z' }];
    const error = asCliError(apiError('wip_limit_exceeded', { holders }));
    expect(error.exitCode).toBe(EXIT.failed);
    expect(error.lines).toEqual(holderLines(holders));
    expect(error.json).toEqual({
      error: {
        code: 'wip_limit_exceeded',
        message: 'server says wip_limit_exceeded',
        details: { holders },
        requestId: 'req-1',
      },
    });
  });

  it("makes the caller's mistake exit 2, listing every field problem", () => {
    const error = asCliError(
      apiError('invalid_request', [{ path: 'body.itemId', message: 'must not be empty' }]),
    );
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toBe('the server rejected the request:');
    expect(error.lines).toEqual(['  body.itemId: must not be empty']);
  });

  it('makes no service, no entry or a broken server exit 3', () => {
    expect(asCliError(apiError('unauthorized')).exitCode).toBe(EXIT.unreachable);
    expect(asCliError(apiError('internal_error')).lines).toEqual([
      'request id req-1 (look it up in the server log)',
    ]);
    const refused = new ClosConnectionError('GET http://127.0.0.1:1/healthz failed: ECONNREFUSED', {
      url: 'http://127.0.0.1:1/healthz',
      cause: new Error('ECONNREFUSED'),
    });
    expect(asCliError(refused).exitCode).toBe(EXIT.unreachable);
    const notClos = new ClosResponseError('GET / answered 200 with HTML', { status: 200, requestId: null });
    expect(asCliError(notClos).message).toContain('is that a CLOS server');
  });

  it('hands back anything else unchanged', () => {
    const bug = new TypeError('x is undefined');
    expect(toCliError(bug)).toBe(bug);
  });
});
