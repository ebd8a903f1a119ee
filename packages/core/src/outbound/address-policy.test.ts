import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowListEntryProblem,
  classifyAddress,
  createAddressPolicy,
  type ForbiddenRange,
  literalHostRefusal,
  parseIpAddress,
} from './address-policy.ts';

describe('classifyAddress', () => {
  it.each<[string, ForbiddenRange | null]>([
    ['8.8.8.8', null],
    ['93.184.215.14', null],
    ['2606:4700:4700::1111', null],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fec0::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['100.64.0.1', 'shared'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'], // Teredo
    ['100::1', 'reserved'], // discard
    ['64:ff9b:1::a00:1', 'reserved'], // local-use NAT64
    ['1::1', 'reserved'], // outside 2000::/3
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
  ])('%s → %s', (address, range) => {
    expect(classifyAddress(address)).toBe(range);
  });

  it.each<[string, ForbiddenRange | null]>([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', null],
    ['::ffff:0:127.0.0.1', 'loopback'], // RFC 6145 IPv4-translated
    ['64:ff9b::127.0.0.1', 'loopback'], // NAT64
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::8.8.8.8', null],
    ['2002:7f00:1::1', 'loopback'], // 6to4 of 127.0.0.1
    ['2002:a9fe:a9fe::1', 'metadata'], // 6to4 of 169.254.169.254
    ['2002:808:808::1', null],
    ['::127.0.0.1', 'loopback'], // deprecated IPv4-compatible
  ])('judges %s by the IPv4 address it carries → %s', (address, range) => {
    expect(classifyAddress(address)).toBe(range);
  });

  it('judges every IPv4-mapped IPv6 address like its IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        expect(classifyAddress(`::ffff:${v4}`)).toBe(classifyAddress(v4));
        expect(classifyAddress(`64:ff9b::${v4}`)).toBe(classifyAddress(v4));
      }),
    );
  });

  it('refuses what is not an IP address rather than guessing', () => {
    for (const text of ['example.com', '', '0x7f.1', '2130706433', '127.1', '1.2.3.4.5'])
      expect(classifyAddress(text)).toBe('reserved');
  });
});

describe('parseIpAddress', () => {
  it('takes canonical forms, with or without IPv6 brackets', () => {
    expect(parseIpAddress('127.0.0.1')?.toString()).toBe('127.0.0.1');
    expect(parseIpAddress('[::1]')?.toString()).toBe('::1');
    expect(parseIpAddress('::ffff:127.0.0.1')?.kind()).toBe('ipv6');
    expect(parseIpAddress('0x7f.1')).toBeNull();
    expect(parseIpAddress('017.0.0.1')).toBeNull();
  });
});

describe('createAddressPolicy', () => {
  it('refuses every internal range by default, and nothing public', () => {
    const policy = createAddressPolicy(false);
    expect(policy.refusal('127.0.0.1')).toEqual({ range: 'loopback', address: '127.0.0.1' });
    expect(policy.refusal('::ffff:10.0.0.1')).toEqual({ range: 'private', address: '::ffff:a00:1' });
    expect(policy.refusal('8.8.8.8')).toBeNull();
    expect(createAddressPolicy([]).refusal('10.0.0.1')?.range).toBe('private');
  });

  it('opens everything but cloud metadata endpoints with true', () => {
    const policy = createAddressPolicy(true);
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', 'fd00::1', '0.0.0.0', '169.254.1.1'])
      expect(policy.refusal(address), address).toBeNull();
    expect(policy.refusal('169.254.169.254')?.range).toBe('metadata');
    expect(policy.refusal('::ffff:169.254.169.254')?.range).toBe('metadata');
    expect(policy.refusal('fd00:ec2::254')?.range).toBe('metadata');
  });

  it('opens the listed ranges only, IPv4-mapped and NAT64 forms included', () => {
    const policy = createAddressPolicy(['127.0.0.0/8', '10.20.0.0/16', 'fd00::/8', '192.168.1.7']);
    for (const address of [
      '127.0.0.1',
      '::ffff:127.0.0.1',
      '64:ff9b::10.20.1.1',
      '10.20.255.1',
      'fd00::5',
      '192.168.1.7',
    ])
      expect(policy.refusal(address), address).toBeNull();
    expect(policy.refusal('::1')?.range).toBe('loopback');
    expect(policy.refusal('10.21.0.1')?.range).toBe('private');
    expect(policy.refusal('192.168.1.8')?.range).toBe('private');
    expect(policy.refusal('169.254.169.254')?.range).toBe('metadata');
    // A metadata endpoint is reachable when a listed range names it.
    expect(createAddressPolicy(['169.254.169.254/32']).refusal('169.254.169.254')).toBeNull();
  });

  it('opens nothing for an entry it cannot read', () => {
    expect(createAddressPolicy(['not a range', '10.0.0.0/99']).refusal('10.0.0.1')?.range).toBe('private');
  });
});

describe('allowListEntryProblem', () => {
  it.each([
    '10.0.0.0/8',
    '172.16.0.0/12',
    'fd00::/8',
    '::1/128',
    '10.0.0.5',
    'fd00::5',
    '0.0.0.0/0',
    ' 10.0.0.0/8 ',
  ])('accepts %s', (entry) => {
    expect(allowListEntryProblem(entry)).toBeNull();
  });

  it.each([
    ['private', 'must be an IP range in CIDR notation'],
    ['10.0.0.0/33', 'must be an IP range in CIDR notation'],
    ['fd00::/129', 'must be an IP range in CIDR notation'],
    ['0x7f.1/8', 'must be an IP range in CIDR notation'],
    ['10.0.0.0/', 'must be an IP range in CIDR notation'],
    ['10.1.2.3/8', 'has bits set after the /8 prefix: write 10.0.0.0/8 for the range, or the address alone'],
    ['fd00::1/8', 'has bits set after the /8 prefix: write fd00::/8 for the range, or the address alone'],
  ])('refuses %s', (entry, message) => {
    expect(allowListEntryProblem(entry)).toContain(message);
  });
});

describe('literalHostRefusal', () => {
  const closed = createAddressPolicy(false);

  it.each([
    ['http://127.0.0.1:8080/x', 'loopback', '127.0.0.1'],
    ['http://localhost/x', 'loopback', 'localhost'],
    ['http://LOCALHOST./x', 'loopback', 'localhost.'],
    ['http://hooks.localhost/x', 'loopback', 'hooks.localhost'],
    ['http://[::1]/x', 'loopback', '::1'],
    ['http://[::ffff:127.0.0.1]/x', 'loopback', '::ffff:7f00:1'],
    ['http://0.0.0.0/x', 'unspecified', '0.0.0.0'],
    ['http://2130706433/x', 'loopback', '127.0.0.1'],
    ['http://0x7f.1/x', 'loopback', '127.0.0.1'],
    ['http://0177.0.0.1/x', 'loopback', '127.0.0.1'],
    ['http://127.1/x', 'loopback', '127.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata', '169.254.169.254'],
    ['http://10.0.0.1/x', 'private', '10.0.0.1'],
    ['https://[fd00::1]/x', 'unique-local', 'fd00::1'],
  ])('refuses %s', (url, range, address) => {
    expect(literalHostRefusal(url, closed)).toEqual({ range, address });
  });

  it('leaves names to be resolved at delivery, and public addresses alone', () => {
    expect(literalHostRefusal('https://hooks.example.com/x', closed)).toBeNull();
    expect(literalHostRefusal('https://internal.corp/x', closed)).toBeNull();
    expect(literalHostRefusal('http://8.8.8.8/x', closed)).toBeNull();
    expect(literalHostRefusal('not a url', closed)).toBeNull();
  });

  it('lets through what the operator opened', () => {
    const loopback = createAddressPolicy(['127.0.0.0/8']);
    expect(literalHostRefusal('http://127.0.0.1:8080/x', loopback)).toBeNull();
    expect(literalHostRefusal('http://localhost:8080/x', loopback)).toBeNull();
    expect(literalHostRefusal('http://10.0.0.1/x', loopback)?.range).toBe('private');
  });
});
