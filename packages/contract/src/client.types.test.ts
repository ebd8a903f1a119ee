/**
 * Compile-time tests: the client's inputs and outputs are derived from the route table's schemas.
 * `tsc` checks them (they are in the project); vitest runs the file so the assertions are counted.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { podStatusSchema, projectDetailSchema, wipLockSchema, wipQueuedSchema } from './api.ts';
import {
  type ClosApiError,
  type ClosClient,
  createClosClient,
  isClosApiError,
  type RouteInput,
} from './client.ts';
import type { routes } from './routes.ts';

// Sends nothing: the tests only read its types, and the fake fetch only satisfies the option.
const client: ClosClient = createClosClient({
  url: 'http://127.0.0.1:1',
  fetch: async () => new Response('{}'),
});

describe('typed client', () => {
  it('takes params typed from the route: getPodStatus needs params.slug', () => {
    expectTypeOf(client.getPodStatus)
      .parameter(0)
      .toEqualTypeOf<{ params: { slug: string }; query?: never; body?: never }>();
    // @ts-expect-error params are required for a route with a path parameter
    void (() => client.getPodStatus());
    // @ts-expect-error slug is a string
    void (() => client.getPodStatus({ params: { slug: 42 } }));
  });

  it('returns the parsed success schema: pod status has wip [{ itemType, used, limit }]', () => {
    type Status = Awaited<ReturnType<typeof client.getPodStatus>>;
    expectTypeOf<Status>().toEqualTypeOf<z.output<typeof podStatusSchema>>();
    expectTypeOf<Status['wip']>().toEqualTypeOf<{ itemType: string; used: number; limit: number }[]>();
    expectTypeOf<Status['health']>().toBeNullable();
  });

  it('takes params and body for acquire, and answers a lock on 200 and 201 alike, or a place in line', () => {
    expectTypeOf(client.acquireWipLock).parameter(0).toEqualTypeOf<{
      params: { slug: string; itemType: string };
      query?: never;
      body: {
        itemId: string;
        queue?: boolean | undefined;
        label?: string | undefined;
        url?: string | undefined;
      };
    }>();
    expectTypeOf(client.acquireWipLock).returns.resolves.toEqualTypeOf<
      z.output<typeof wipLockSchema> | z.output<typeof wipQueuedSchema>
    >();
    void (() =>
      client.acquireWipLock({
        params: { slug: 'ratio', itemType: 'pull-request' },
        // @ts-expect-error the field is itemId; a misspelt body field does not compile
        body: { itemID: 'web#1' },
      }));
  });

  it('exposes the status through raw, as a union of the route’s 2xx statuses', () => {
    type Raw = Awaited<ReturnType<typeof client.raw.acquireWipLock>>;
    expectTypeOf<Raw['status']>().toEqualTypeOf<200 | 201 | 202>();
    expectTypeOf<Extract<Raw, { status: 201 }>['data']>().toEqualTypeOf<z.output<typeof wipLockSchema>>();
    expectTypeOf<Extract<Raw, { status: 202 }>['data']>().toEqualTypeOf<z.output<typeof wipQueuedSchema>>();
    type Created = Awaited<ReturnType<typeof client.raw.registerPod>>;
    expectTypeOf<Created['status']>().toEqualTypeOf<201>();
  });

  it('makes the input optional when every part may be omitted', () => {
    expectTypeOf(client.listPods).parameter(0).toEqualTypeOf<
      | {
          params?: never;
          query?: { limit?: number | undefined; cursor?: string | undefined };
          body?: never;
        }
      | undefined
    >();
    expectTypeOf(client.healthz)
      .parameter(0)
      .toEqualTypeOf<{ params?: never; query?: never; body?: never } | undefined>();
    // @ts-expect-error a route without a body takes none
    void (() => client.advanceProject({ params: { id: 'x' }, body: { force: true } }));
    // unblock's body is optional (`{ reason? }` or nothing); block's is not.
    expectTypeOf<RouteInput<typeof routes.unblockProject>>().toEqualTypeOf<{
      params: { id: string };
      query?: never;
      body?: { reason?: string | undefined } | null | undefined;
    }>();
    // @ts-expect-error block needs a body with a reason
    void (() => client.blockProject({ params: { id: 'x' } }));
  });

  it('types query inputs as the schema accepts them (before coercion and transforms)', () => {
    type Query = NonNullable<RouteInput<typeof routes.listProjects>['query']>;
    expectTypeOf<Query['closed']>().toEqualTypeOf<'true' | 'false' | undefined>();
    expectTypeOf<Query['limit']>().toEqualTypeOf<number | undefined>();
  });

  it('includes the latest CI status per context in a project', () => {
    type Detail = Awaited<ReturnType<typeof client.getProject>>;
    expectTypeOf<Detail>().toEqualTypeOf<z.output<typeof projectDetailSchema>>();
    expectTypeOf<Detail['ciStatus'][number]['status']>().toEqualTypeOf<'passed' | 'failed' | 'running'>();
    expectTypeOf(client.recordCiStatus).parameter(0).toHaveProperty('body').toEqualTypeOf<{
      status: 'passed' | 'failed' | 'running';
      url?: string | null | undefined;
      context?: string | undefined;
    }>();
  });

  it('narrows an error by code, typing its details', () => {
    const error: unknown = null;
    if (isClosApiError(error, 'wip_limit_exceeded')) {
      expectTypeOf(error.code).toEqualTypeOf<'wip_limit_exceeded'>();
      expectTypeOf(error.details).toEqualTypeOf<
        | {
            pod: string;
            itemType: string;
            limit: number;
            used: number;
            holders: {
              lockId: string;
              itemId: string;
              acquiredBy: string | null;
              acquiredAt: string;
              label: string | null;
              url: string | null;
            }[];
          }
        | undefined
      >();
    }
    if (isClosApiError(error, 'invalid_request'))
      expectTypeOf(error.details).toEqualTypeOf<{ path: string; message: string }[] | undefined>();
    if (isClosApiError(error)) expectTypeOf(error.details).toBeUnknown();
    expectTypeOf<ClosApiError['requestId']>().toEqualTypeOf<string | null>();
  });
});
