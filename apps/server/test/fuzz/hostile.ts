/**
 * The hostile inputs of issue 9, as arbitraries: characters no stored string may hold, numbers JSON
 * cannot carry faithfully, dates outside PostgreSQL's range, hand-made cursors, over-long emails,
 * deep nesting, bodies of the wrong media type. Each is small on its own; the request builder mixes
 * them into otherwise valid requests so they reach the code behind validation.
 */
import fc from 'fast-check';
import { Deep, RawBody, RawJson, RawUrl } from './values.ts';

/** Characters no stored string may hold: NUL, and surrogates without their other half. */
export const BAD_CHARS = ['\u0000', '\ud800', '\udfff', '\udbff', '\udc00'] as const;

/** A NUL or lone surrogate inserted into `text` at `at` (taken modulo its length). */
export function insertAt(text: string, at: number, insert: string): string {
  const i = text.length === 0 ? 0 : at % (text.length + 1);
  return text.slice(0, i) + insert + text.slice(i);
}

/** Strings that break assumptions: control and format characters, lengths, lookalikes of other types. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\t\n\r',
    '\u0000',
    'a\u0000b',
    '\ud800x',
    'x\udfff',
    '\udc00\ud800',
    '\ufeff',
    '\u202eevil',
    'e\u0301\u0301\u0301',
    '𝕏𝕐ℤ',
    '😀'.repeat(40),
    "' or 1=1 --",
    '"; drop table pods; --',
    '\\',
    '%00',
    '../../etc/passwd',
    '__proto__',
    'constructor',
    'null',
    'true',
    '0',
    '-1',
    '1e400',
    'NaN',
    'Infinity',
    '[]',
    '{}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as text
    '${7*7}',
    '<script>alert(1)</script>',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.nat({ max: 3 }).map((i) => 'x'.repeat([61, 256, 5_001, 70_000][i]!)),
);

/** Integers and floats at the edges, plus JSON tokens `JSON.parse` cannot keep (1e400, -0, 2^53+1). */
export const oddNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    new RawJson('1e400'),
    new RawJson('-1e400'),
    new RawJson('1e-400'),
    new RawJson('-0'),
    new RawJson('9007199254740993'),
    new RawJson('123456789012345678901234567890'),
    new RawJson('0.1e1'),
    new RawJson('1E2'),
  ),
  fc.constantFrom(
    -1,
    0,
    0.5,
    2.5,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MAX_VALUE,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Numbers as query-string text. */
export const oddNumberText: fc.Arbitrary<string> = fc.constantFrom(
  '1e400',
  '-1e400',
  '1e-400',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '0x10',
  '0b1',
  '1.5',
  '1.0',
  ' 5',
  '5 ',
  '',
  '+1',
  '1e2',
  '99999999999999999999',
  '9007199254740993',
  '-1',
  '0',
  '201',
  '501',
  '366',
);

/** Timestamps PostgreSQL or JavaScript cannot hold, and near-misses of the ISO format. */
export const oddDate: fc.Arbitrary<string> = fc.constantFrom(
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00Z',
  '275760-09-13T00:00:00Z',
  '294277-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-29T00:00:00Z',
  '2024-02-29T24:00:00Z',
  '2026-03-02T09:00:00.0000000000001Z',
  '2026-03-02T09:00:00+23:59',
  '2026-03-02T09:00:00-23:59',
  '2026-03-02',
  '2026-13-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  'now',
  '',
);

/** Calendar days (`YYYY-MM-DD`) at and beyond the edges. */
export const oddDay: fc.Arbitrary<string> = fc.constantFrom(
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '2026-02-29',
  '2024-02-29',
  '2026-00-10',
  '1970-01-01',
  '2026-3-2',
);

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const SOME_UUID = '0b5c0e3e-7a4d-4c1b-8f7e-2d9a6b3c1e00';

/** Cursors that decode to JSON of the wrong shape, plus text that is no base64url at all. */
export const oddCursor: fc.Arbitrary<string | RawUrl> = fc.oneof(
  fc
    .constantFrom(
      '["x","y"]',
      '[1e400]',
      '[1e400,"x"]',
      '[-1e400]',
      '["x"]',
      '[1]',
      '[-1]',
      '[1.5]',
      '[9007199254740993]',
      '[null]',
      '[null,null]',
      '[true,false]',
      '[{},[]]',
      '[[],{}]',
      `["not-a-date","${SOME_UUID}"]`,
      '["2026-03-02T09:00:00.000Z","not-a-uuid"]',
      `["0000-01-01T00:00:00Z","${SOME_UUID}"]`,
      `["+275760-09-13T00:00:00Z","${SOME_UUID}"]`,
      `["2026-03-02T09:00:00.000Z",1e400]`,
      `["2026-03-02T09:00:00.000Z",${'1'.repeat(40)}]`,
      '["\\u0000","\\u0000"]',
      '["\\ud800","x"]',
      '["\\u0000"]',
      `["2026-03-02T09:00:00.000Z","${SOME_UUID}","x"]`,
      '[[[[[[[[[[1]]]]]]]]]]',
      '{}',
      '{"0":"x","length":1}',
      '"x"',
      '1',
      '[]',
    )
    .map(b64),
  fc.constantFrom(
    'garbage',
    '!!!!',
    '====',
    '',
    'x'.repeat(501),
    '\u0000',
    'eyJ4Ijox\u0000',
    new RawUrl('%00', true),
    new RawUrl('%FF%FE'),
  ),
);

/** Email addresses too long (over 254 characters, or a 65+ character local part) or subtly off. */
export const oddEmail: fc.Arbitrary<string> = fc.constantFrom(
  `${'a'.repeat(250)}@example.com`,
  `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`,
  `${'a'.repeat(65)}@example.com`,
  `a@${'b'.repeat(64)}.com`,
  `a@${'b.'.repeat(130)}com`,
  'A@EXAMPLE.COM',
  ' a@example.com ',
  'a@example.com\u0000',
  'a\u0000@example.com',
  'a@localhost',
  'a@@example.com',
  '@example.com',
  'a@',
  'ü@example.com',
);

/** Ids a UUID field may be handed. */
export const oddId: fc.Arbitrary<string | RawUrl> = fc.constantFrom(
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0B5C0E3E-7A4D-4C1B-8F7E-2D9A6B3C1E00',
  '0b5c0e3e7a4d4c1b8f7e2d9a6b3c1e00',
  '{0b5c0e3e-7a4d-4c1b-8f7e-2d9a6b3c1e00}',
  '0b5c0e3e-7a4d-4c1b-8f7e-2d9a6b3c1e00\u0000',
  'not-a-uuid',
  '1',
  '',
  new RawUrl('%00', true),
  new RawUrl('0b5c0e3e-7a4d-4c1b-8f7e-2d9a6b3c1e00%00', true),
);

/** URLs a link field may be handed. */
export const oddUrl: fc.Arbitrary<string> = fc.constantFrom(
  'javascript:alert(1)',
  'data:text/html,x',
  'file:///etc/passwd',
  'http://127.0.0.1/',
  'http://[::1]:80/',
  'http://169.254.169.254/latest/meta-data',
  'http://0x7f.1/',
  'http://user:pass@example.com/',
  'https://例え.jp/',
  `https://example.com/${'a'.repeat(2_100)}`,
  'https://example.com/\u0000',
  'https://exa\u0000mple.com/',
  'http://',
  '//example.com',
  'https:example.com',
);

/** Path segments that are not what a route expects: encodings, traversal, length. */
export const oddSegment: fc.Arbitrary<string | RawUrl> = fc.oneof(
  fc.constantFrom(
    new RawUrl('%00', true),
    new RawUrl('a%00b', true),
    new RawUrl('%E0%A4%A'),
    new RawUrl('%'),
    new RawUrl('%zz'),
    new RawUrl('%ED%A0%80'),
    new RawUrl('%C0%AE%C0%AE'),
    new RawUrl('..'),
    new RawUrl('.'),
    new RawUrl('%2e%2e'),
    new RawUrl('a%2Fb'),
    new RawUrl('%20'),
    new RawUrl('a;b'),
  ),
  fc.nat({ max: 3 }).map((i) => 'x'.repeat([61, 101, 1_000, 10_000][i]!)),
  oddString.filter((s) => s.length > 0 && s.length < 200),
);

/** Nesting deeper than any document should be: the 5,000 levels overflowed the stack. */
export const deepValue: fc.Arbitrary<Deep> = fc
  .record({
    depth: fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(64, 1_000) },
      { weight: 3, arbitrary: fc.constantFrom(5_000, 10_000, 100_000) },
    ),
    shape: fc.constantFrom('object' as const, 'array' as const),
    leaf: fc.constantFrom<unknown>(1, 'x', null, '\u0000', new RawJson('1e400')),
  })
  .map(({ depth, shape, leaf }) => new Deep(depth, shape, leaf));

/** Whole bodies that are not a JSON object of the route's shape. */
export const oddBody: fc.Arbitrary<RawBody | Deep> = fc.oneof(
  fc
    .constantFrom(
      '',
      ' ',
      'null',
      'true',
      '0',
      '1e400',
      '"x"',
      '"\\u0000"',
      '[]',
      '[{}]',
      '{}',
      '{',
      '}',
      'x',
      '{"a":1,"a":2}',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '\ufeff{}',
      '{"a":NaN}',
      '{"a":Infinity}',
      "{'a':1}",
      '{"a":1,}',
      '{"a":"\\ud800"}',
      '{"\\u0000":1}',
      '\u0000',
    )
    .map((text) => new RawBody(text)),
  deepValue,
  fc.constant(new RawBody(`{"x":"${'x'.repeat(1_100_000)}"}`)),
);

/** Content types for a body: the right one, near-misses, other charsets, other media types. */
export const contentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 17, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | null>(
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'application/json;charset="utf-8"',
      'application/json; charset=utf-16',
      'application/json; charset=utf-16le',
      'application/json; charset=latin1',
      'application/json; charset=iso-8859-1',
      'application/json; charset=us-ascii',
      'application/json; charset=x-unknown',
      'application/JSON',
      'application/json; foo=bar',
      'application/vnd.api+json',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/octet-stream',
      'application/xml',
      'text/html',
      '*/*',
      null,
    ),
  },
);

/** Media types that are plainly not JSON: a body sent with one must be refused with 415. */
export function isNonJsonMediaType(type: string | null): boolean {
  if (type === null) return false;
  const essence = type.split(';')[0]!.trim().toLowerCase();
  return /^(text\/|multipart\/|application\/(x-www-form-urlencoded|octet-stream|xml)$)/.test(essence);
}

/**
 * A JSON media type naming a charset other than UTF-8 (or its subset US-ASCII): to be refused, never
 * decoded as if it were UTF-8.
 */
export function isForeignCharset(type: string | null): boolean {
  if (type === null) return false;
  const [essence, ...params] = type.split(';').map((s) => s.trim().toLowerCase());
  if (essence !== 'application/json') return false;
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  return charset !== undefined && charset !== 'utf-8' && charset !== 'us-ascii';
}

/** Values of the wrong JSON type for any field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, '', [], {}, [null], { a: 1 }, ['x']),
  oddNumber,
  fc.string({ maxLength: 10 }),
);
