/**
 * Upper bounds (ms) of the request-duration buckets, shared by the Prometheus histogram
 * (`clos_http_request_duration_seconds`, in seconds) and the per-minute rows of `service_minutes` that
 * the scorecard reads: both answer "p95" the same way. A row's `durationBuckets` has one more entry
 * than this list: requests slower than the last bound. 100 ms, the seed's p95 target, is a bound, so
 * "p95 under 100 ms" is read exactly rather than interpolated.
 */
export const REQUEST_DURATION_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000] as const;

/** The index of the bucket a request of `ms` falls in (the last index for slower than every bound). */
export function requestBucket(ms: number): number {
  const i = REQUEST_DURATION_BUCKETS_MS.findIndex((le) => ms <= le);
  return i === -1 ? REQUEST_DURATION_BUCKETS_MS.length : i;
}
