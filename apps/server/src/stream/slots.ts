/** Open event streams allowed at once; 0 turns that cap off. */
export interface StreamLimits {
  /** Per API token (or per user, for a caller without one). */
  perToken: number;
  /** Per client address (IPv6 per /64, as the rate limit counts it). */
  perAddress: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perToken: 20, perAddress: 100 };

export interface SlotRefusal {
  scope: 'token' | 'ip';
  limit: number;
}

/**
 * Counts the open streams of each caller and address in this process. A stream holds a socket, a
 * reader in the hub and its share of every fan-out for as long as it lasts, so the cap is on streams
 * open now, not on requests per minute: a slot is taken before the response is handed to the hub and
 * given back when the stream ends, however it ends.
 */
export class StreamSlots {
  private readonly byCaller = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(readonly limits: StreamLimits) {}

  /**
   * Takes a slot for `caller` (null: none to count) from `address`: the function giving it back (safe
   * to call more than once), or which cap is reached.
   */
  acquire(caller: string | null, address: string): (() => void) | SlotRefusal {
    const { perToken, perAddress } = this.limits;
    if (caller !== null && perToken > 0 && (this.byCaller.get(caller) ?? 0) >= perToken)
      return { scope: 'token', limit: perToken };
    if (perAddress > 0 && (this.byAddress.get(address) ?? 0) >= perAddress)
      return { scope: 'ip', limit: perAddress };
    if (caller !== null) increment(this.byCaller, caller, 1);
    increment(this.byAddress, address, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (caller !== null) increment(this.byCaller, caller, -1);
      increment(this.byAddress, address, -1);
    };
  }

  /** Streams open now for a caller or an address (for tests and the log). */
  open(key: { caller: string } | { address: string }): number {
    return 'caller' in key ? (this.byCaller.get(key.caller) ?? 0) : (this.byAddress.get(key.address) ?? 0);
  }
}

// Keys at zero are dropped, so memory follows the streams open now, not every caller ever seen.
function increment(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
