import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DERIVED_KEY_MAX,
  deriveProjectKey,
  isProjectKey,
  isUuid,
  keyCandidate,
  PROJECT_KEY_MAX,
  projectKeyProblem,
} from './project-key.ts';

describe('projectKeyProblem', () => {
  it.each(['payments', 'payments-api', 'ab', 'a1', 'p-1', 'v2-checkout-2026', 'a'.repeat(PROJECT_KEY_MAX)])(
    'accepts %j',
    (key) => {
      expect(projectKeyProblem(key)).toBeNull();
      expect(isProjectKey(key)).toBe(true);
    },
  );

  it.each([
    ['', /2–40 characters/],
    ['a', /2–40 characters/],
    ['a'.repeat(PROJECT_KEY_MAX + 1), /2–40 characters/],
    ['Payments', /lowercase/],
    ['1payments', /starting with a letter/],
    ['-payments', /lowercase/],
    ['payments-', /lowercase/],
    ['pay--ments', /lowercase/],
    ['pay_ments', /lowercase/],
    ['pay ments', /lowercase/],
    ['paymënts', /lowercase/],
    // Lowercase hex starting with a letter fits the word pattern, but would always be read as an id.
    ['abcdef01-2345-6789-abcd-ef0123456789', /UUID/],
  ])('refuses %j', (key, message) => {
    expect(projectKeyProblem(key)).toMatch(message);
    expect(isProjectKey(key)).toBe(false);
  });
});

describe('isUuid', () => {
  it('tells ids from keys, in either case', () => {
    expect(isUuid('0b7c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e')).toBe(true);
    expect(isUuid('0B7C6D1E-2F3A-4B5C-8D9E-0F1A2B3C4D5E')).toBe(true);
    expect(isUuid('payments')).toBe(false);
    expect(isUuid('0b7c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5')).toBe(false);
  });
});

describe('deriveProjectKey', () => {
  it.each([
    ['Payments', 'payments'],
    ['Payments API v2', 'payments-api-v2'],
    ['  Checkout / Cart -- Redesign!  ', 'checkout-cart-redesign'],
    ['2026 roadmap', 'p-2026-roadmap'],
    ['---', 'project'],
    ['', 'project'],
    ['日本語', 'project'],
    ['Café crème', 'caf-cr-me'],
    // One character is below the key's minimum: the prefix makes it a key.
    ['X', 'p-x'],
    ['7', 'p-7'],
    // Cut to 30 characters, and a hyphen left at the cut is dropped.
    ['A very long project name that goes on', 'a-very-long-project-name-that'],
  ])('%j → %j', (name, key) => {
    expect(deriveProjectKey(name)).toBe(key);
  });

  it('always yields a valid key of at most 30 characters, whatever the name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (name) => {
        const key = deriveProjectKey(name);
        expect(key.length).toBeLessThanOrEqual(DERIVED_KEY_MAX);
        expect(projectKeyProblem(key)).toBeNull();
      }),
    );
  });

  it('leaves room for every suffix: a derived key with -2…-999999 is still a valid key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.integer({ min: 2, max: 999_999 }), (name, n) => {
        expect(projectKeyProblem(keyCandidate(deriveProjectKey(name), n))).toBeNull();
      }),
    );
  });
});

describe('keyCandidate', () => {
  it('is the base first, then -2, -3, …', () => {
    expect([1, 2, 3].map((n) => keyCandidate('payments', n))).toEqual([
      'payments',
      'payments-2',
      'payments-3',
    ]);
  });
});
