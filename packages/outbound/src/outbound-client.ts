import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import {
  type AllowPrivateNetworks,
  allowPrivateNetworksAdvice,
  createAddressPolicy,
  type ForbiddenRange,
  forbiddenRangeLabel,
} from '@clos/core';
import { Agent, buildConnector, type RequestInit, type Response, fetch as undiciFetch } from 'undici';

/** One address a host name resolves to, as `dns.lookup(…, { all: true })` gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has. Injected in tests; the system resolver otherwise. */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

/** `getaddrinfo` through `dns.lookup`, in the resolver's order: what any other Node client would use. */
export const systemLookup: HostLookup = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * A request refused before any connection was made: the URL's host is, or resolves to, an address in a
 * range CLOS does not send to. Its message names the rule and never the address, so a delivery log
 * shows why without mapping anyone's internal network.
 */
export class OutboundBlockedError extends Error {
  override readonly name = 'OutboundBlockedError';

  constructor(
    readonly range: ForbiddenRange,
    /** False when the URL's host was itself an IP address, true when a name resolved to it. */
    readonly resolved: boolean,
  ) {
    super(
      `the host ${resolved ? 'resolves to' : 'is'} ${forbiddenRangeLabel(range)}, where CLOS does not send; ${allowPrivateNetworksAdvice(range)}`,
    );
  }
}

/** `fetch` routed through the guard, and a way to close its connections. */
export interface OutboundClient {
  /**
   * `fetch` for http(s) URLs that a user or a payload chose. Rejects with {@link OutboundBlockedError}
   * when the host is or resolves to a refused address (every address of a name is checked, and the
   * connection goes to one of exactly those), and otherwise behaves like `fetch`. Redirects, if the
   * caller follows them, pass through the same check.
   */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  /** Closes pooled connections; pending requests finish first. */
  close(): Promise<void>;
}

export interface OutboundClientOptions {
  /** What the operator opened (`webhooks.allowPrivateNetworks`). */
  allowPrivateNetworks: AllowPrivateNetworks;
  lookup?: HostLookup;
}

/** The first `OutboundBlockedError` in an error's `cause` chain (fetch wraps connect errors). */
function blockedCause(error: unknown): OutboundBlockedError | null {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++)
    if (e instanceof OutboundBlockedError) return e;
  return null;
}

/**
 * A client whose every connection is checked at connect time. Names are resolved once, by
 * `lookup`; if any of their addresses is refused the request fails, and otherwise the socket connects
 * to those very addresses (handed to `net.connect` as its resolver's answer), so DNS cannot answer one
 * address for the check and another for the connection. IP literals are checked directly, since
 * `net.connect` does not resolve them. TLS still verifies the certificate against the host name
 * (undici derives SNI and the checked name from the URL's host, not the address connected to).
 */
export function createOutboundClient(options: OutboundClientOptions): OutboundClient {
  const policy = createAddressPolicy(options.allowPrivateNetworks);
  const lookup = options.lookup ?? systemLookup;

  const checkedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const family =
      lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
    lookup(hostname).then(
      (found) => {
        // Every address, not only the one connected to: with happy eyeballs (or a retry after a failed
        // address) the socket may use any of them.
        for (const { address } of found) {
          const refusal = policy.refusal(address);
          if (refusal) return callback(new OutboundBlockedError(refusal.range, true), '', 0);
        }
        const usable = family === 4 || family === 6 ? found.filter((a) => a.family === family) : found;
        const first = usable[0];
        if (!first)
          return callback(
            Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }),
            '',
            0,
          );
        if (lookupOptions.all) return (callback as (e: null, all: ResolvedAddress[]) => void)(null, usable);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };

  const connectChecked = buildConnector({ lookup: checkedLookup });
  const agent = new Agent({
    connect(connectOptions, callback) {
      // undici strips the brackets of an IPv6 host before calling the connector.
      if (isIP(connectOptions.hostname)) {
        const refusal = policy.refusal(connectOptions.hostname);
        if (refusal) return callback(new OutboundBlockedError(refusal.range, false), null);
      }
      connectChecked(connectOptions, callback);
    },
  });

  return {
    async fetch(url, init) {
      const target = new URL(url);
      // fetch also reads data: and blob: URLs; a chosen URL must be a network request to be checked.
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        throw new TypeError(`only http: and https: URLs are fetched, not ${target.protocol}`);
      try {
        return await undiciFetch(target, { ...init, dispatcher: agent });
      } catch (error) {
        throw blockedCause(error) ?? error;
      }
    },
    close: () => agent.close(),
  };
}

/**
 * `fetch` without the address guard, for endpoints the operator configured (an audit checkpoint
 * webhook, an API base URL): those are trusted as configured, private addresses included. Never for
 * a URL a user or a payload chose.
 */
export const operatorClient: Pick<OutboundClient, 'fetch'> = {
  fetch: (url, init) => undiciFetch(url, init),
};
