/**
 * Which network addresses CLOS may send to when a user or a payload chose the URL (outbound webhooks,
 * notification webhooks, later links and callbacks from integrations), and what the operator allowed
 * with `webhooks.allowPrivateNetworks`. Pure: registration checks literal hosts with it here in core,
 * and `@clos/outbound` checks every resolved address with it at connect time, so both say the same.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * `false` (the default): only public unicast addresses. `true`: every range except cloud metadata
 * endpoints. A list of CIDR ranges (or single addresses): those ranges, and nothing else, besides
 * public addresses; a metadata endpoint is reachable only if a listed range contains it.
 */
export type AllowPrivateNetworks = boolean | readonly string[];

/** Why an address is refused. */
export type ForbiddenRange =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'shared'
  | 'reserved'
  | 'metadata';

/** The setting that opens forbidden ranges, named in every refusal. */
export const ALLOW_PRIVATE_NETWORKS_SETTING = 'webhooks.allowPrivateNetworks';

const RANGE_LABELS: Record<ForbiddenRange, string> = {
  loopback: 'a loopback address',
  private: 'a private-network address',
  'link-local': 'a link-local address',
  'unique-local': 'a unique-local (private IPv6) address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address (which reaches this machine)',
  broadcast: 'a broadcast address',
  shared: 'a shared (carrier-grade NAT) address',
  reserved: 'a reserved or special-purpose address',
  metadata: 'a cloud metadata endpoint',
};

/** "a loopback address", for messages. */
export function forbiddenRangeLabel(range: ForbiddenRange): string {
  return RANGE_LABELS[range];
}

/**
 * Instance metadata and host services that clouds expose on addresses an ordinary range check
 * would let through or that `allowPrivateNetworks: true` would open: credentials live behind them.
 * AWS (IPv4, IPv6, ECS task metadata), GCP and Azure IMDS share 169.254.169.254; Alibaba uses
 * 100.100.100.200; Azure's WireServer is 168.63.129.16, a public-looking address.
 */
const METADATA_ADDRESSES = [
  '169.254.169.254',
  '169.254.170.2',
  '100.100.100.200',
  '168.63.129.16',
  'fd00:ec2::254',
].map((a) => ipaddr.parse(a));

const IPV4_RANGES: Record<string, ForbiddenRange> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'shared',
  private: 'private',
  // Documentation, benchmarking, 240/4 and the anycast relays: nothing a receiver should live on.
  reserved: 'reserved',
  as112: 'reserved',
  amt: 'reserved',
};

const IPV6_RANGES: Record<string, ForbiddenRange> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique-local',
  // fec0::/10, deprecated but still routed by some stacks as the site's own network.
  deprecatedSiteLocal: 'private',
};

// Global unicast IPv6 is 2000::/3; outside it (and the ranges above) nothing is allocated.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
// ::/96 (deprecated IPv4-compatible form): some stacks still route it to the embedded IPv4 address.
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

const sameAddress = (a: Address, b: Address) =>
  a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();

/**
 * The IPv4 address an IPv6 one stands for, where a stack or a gateway on the way would deliver to it:
 * IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated (RFC 6145), NAT64 (`64:ff9b::/96`), 6to4
 * (`2002:AABB:CCDD::/48`) and the deprecated IPv4-compatible form (`::a.b.c.d`). Null otherwise.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = address.parts;
  const fromWords = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  switch (address.range() as string) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return fromWords(p[6] ?? 0, p[7] ?? 0);
    case 'rfc6052':
      // Only the well-known /96 prefix embeds the address in the last 32 bits; 64:ff9b:1::/48 is for
      // local use and is refused below as reserved.
      return p[2] === 0 ? fromWords(p[6] ?? 0, p[7] ?? 0) : null;
    case '6to4':
      return fromWords(p[1] ?? 0, p[2] ?? 0);
    default:
      // `::` and `::1` are the IPv6 unspecified and loopback addresses, not IPv4-compatible ones.
      if (address.match(IPV4_COMPATIBLE) && !(p[6] === 0 && (p[7] ?? 0) <= 1))
        return fromWords(p[6] ?? 0, p[7] ?? 0);
      return null;
  }
}

function classifyV4(address: ipaddr.IPv4): ForbiddenRange | null {
  if (METADATA_ADDRESSES.some((m) => sameAddress(m, address))) return 'metadata';
  const range = address.range();
  if (range === 'unicast') return null;
  return IPV4_RANGES[range] ?? 'reserved';
}

/** The IPv4 address (if any) and the verdict, for an address as resolvers or URLs give it. */
function analyse(address: Address): { range: ForbiddenRange | null; also: Address | null } {
  if (address.kind() === 'ipv4') return { range: classifyV4(address as ipaddr.IPv4), also: null };
  const v6 = address as ipaddr.IPv6;
  if (METADATA_ADDRESSES.some((m) => sameAddress(m, v6))) return { range: 'metadata', also: null };
  const v4 = embeddedIPv4(v6);
  if (v4) return { range: classifyV4(v4), also: v4 };
  const range = v6.range() as string;
  const known = IPV6_RANGES[range];
  if (known) return { range: known, also: null };
  // Teredo, discard, ORCHID, benchmarking, documentation, the local-use NAT64 prefix, and anything
  // outside global unicast.
  if (range !== 'unicast' || !v6.match(GLOBAL_UNICAST_V6)) return { range: 'reserved', also: null };
  return { range: null, also: null };
}

/** Parses an IP address as a resolver or a URL host gives it (IPv6 with or without brackets). */
export function parseIpAddress(text: string): Address | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // Only the canonical forms: `ipaddr.isValid` also takes `0x7f.1` and `2130706433`, which a URL
  // parser has already turned into dotted quads, and which a resolver never returns.
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (bare.includes(':') && ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return null;
}

/**
 * The range an address belongs to if CLOS refuses it by default, or null for a public unicast address.
 * IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, …) are judged by that IPv4 address.
 * Text that is not an IP address is `reserved`: what cannot be classified is not sent to.
 */
export function classifyAddress(address: string): ForbiddenRange | null {
  const parsed = parseIpAddress(address);
  return parsed ? analyse(parsed).range : 'reserved';
}

/** A refused address: which range it is in, and the address as checked. */
export interface AddressRefusal {
  range: ForbiddenRange;
  address: string;
}

/** What the operator allowed, compiled once: `refusal(address)` is null when sending there is fine. */
export interface AddressPolicy {
  refusal(address: string): AddressRefusal | null;
}

type Cidr = [Address, number];

function parseCidrOrAddress(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addressPart = slash === -1 ? text : text.slice(0, slash);
  const address = parseIpAddress(addressPart);
  if (!address) return null;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (slash === -1) return [address, max];
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return null;
  return [address, Number(bits)];
}

/**
 * Null if `text` is a usable entry of `webhooks.allowPrivateNetworks`: a CIDR range (`10.0.0.0/8`,
 * `fd00::/8`) or one address. Otherwise the problem, for the configuration error.
 */
export function allowListEntryProblem(text: string): string | null {
  const cidr = parseCidrOrAddress(text.trim());
  if (!cidr) return 'must be an IP range in CIDR notation (e.g. 10.0.0.0/8, fd00::/8) or one IP address';
  const [address, bits] = cidr;
  const network =
    address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${bits}`);
  // `10.1.2.3/8` is most likely a typo for one address or for the whole range: make the operator say.
  if (!sameAddress(network, address))
    return `has bits set after the /${bits} prefix: write ${network.toString()}/${bits} for the range, or the address alone`;
  return null;
}

function inCidr(address: Address, [network, bits]: Cidr): boolean {
  return address.kind() === network.kind() && address.match(network, bits);
}

/**
 * Compiles what the operator allowed. Entries are assumed valid (the configuration schema checks them
 * with {@link allowListEntryProblem}); an invalid one is ignored here rather than opening anything.
 */
export function createAddressPolicy(allow: AllowPrivateNetworks): AddressPolicy {
  const ranges = Array.isArray(allow)
    ? allow.flatMap((entry) => {
        const cidr = parseCidrOrAddress(entry.trim());
        return cidr ? [cidr] : [];
      })
    : [];
  const allowAll = allow === true;
  return {
    refusal(text) {
      const parsed = parseIpAddress(text);
      if (!parsed) return { range: 'reserved', address: text };
      const { range, also } = analyse(parsed);
      if (range === null) return null;
      // Metadata endpoints hold credentials: `true` does not open them, only a listed range does.
      if (allowAll && range !== 'metadata') return null;
      if (ranges.some((cidr) => inCidr(parsed, cidr) || (also !== null && inCidr(also, cidr)))) return null;
      return { range, address: parsed.toString() };
    },
  };
}

/** Names that always mean this machine (RFC 6761): refused at registration like 127.0.0.1. */
function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * The refusal for a URL whose host is literally a forbidden address (`http://127.0.0.1/`, `[::1]`,
 * `2130706433`, which URL parsing turns into `127.0.0.1`) or `localhost`, or null. A host name is not
 * resolved here (that is I/O, and DNS can change later): deliveries check what names resolve to.
 * A string that is not a URL gives null; the caller reports that separately.
 */
export function literalHostRefusal(url: string | URL, policy: AddressPolicy): AddressRefusal | null {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return null;
  }
  const host = parsed.hostname;
  if (isLocalhostName(host)) return policy.refusal('127.0.0.1') && { range: 'loopback', address: host };
  if (!parseIpAddress(host)) return null;
  return policy.refusal(host);
}

/** The next step for a refusal: metadata endpoints need an explicit range, the rest any opt-in. */
export function allowPrivateNetworksAdvice(range: ForbiddenRange): string {
  return range === 'metadata'
    ? `it stays closed unless a range listed in ${ALLOW_PRIVATE_NETWORKS_SETTING} contains it`
    : `set ${ALLOW_PRIVATE_NETWORKS_SETTING} in clos.config.yaml to allow it`;
}

/**
 * Whether `address` (as a socket reports it) lies in one of `ranges` (CIDR ranges or addresses, as
 * {@link allowListEntryProblem} accepts them). An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a
 * dual-stack socket reports for an IPv4 peer) is judged as the IPv4 address it carries. Text that is
 * not an address matches nothing.
 */
export function addressInRanges(address: string, ranges: readonly string[]): boolean {
  const parsed = parseIpAddress(address.split('%')[0]!);
  if (!parsed) return false;
  const candidates: Address[] = [parsed];
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    candidates.push((parsed as ipaddr.IPv6).toIPv4Address());
  return ranges.some((entry) => {
    const cidr = parseCidrOrAddress(entry.trim());
    return cidr !== null && candidates.some((c) => inCidr(c, cidr));
  });
}
