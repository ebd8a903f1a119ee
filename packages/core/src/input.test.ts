import { describe, expect, it } from 'vitest';
import { findInputProblems, jsonTextDepth, MAX_INPUT_DEPTH, stringProblem } from './input.ts';

describe('stringProblem', () => {
  it('refuses NUL and lone surrogates of either half, accepts pairs and other controls', () => {
    expect(stringProblem('a\u0000b')).toMatch(/NUL/);
    expect(stringProblem('\ud800x')).toMatch(/surrogate/);
    expect(stringProblem('x\udfff')).toMatch(/surrogate/);
    expect(stringProblem('\udc00\ud800')).toMatch(/surrogate/);
    expect(stringProblem('🚀 \u0001 \t é')).toBeNull();
  });
});

describe('findInputProblems', () => {
  it('names every bad string with its path, in keys too', () => {
    expect(
      findInputProblems({ a: 'ok', b: ['x', 'y\u0000'], c: { 'k\ud800': 1, d: { e: '\udc00' } } }, 'body'),
    ).toEqual([
      { path: 'body.b[1]', message: expect.stringMatching(/NUL/) },
      { path: 'body.c."k\\ud800"', message: expect.stringMatching(/^key .*surrogate/) },
      { path: 'body.c.d.e', message: expect.stringMatching(/surrogate/) },
    ]);
    expect(findInputProblems('\u0000', 'params')).toEqual([{ path: 'params', message: expect.any(String) }]);
    expect(findInputProblems({ n: 1, t: true, z: null }, 'body')).toEqual([]);
  });

  it('counts nesting without recursion: 64 levels pass, 65 do not, 100,000 do not overflow', () => {
    const nest = (levels: number) => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
      return v;
    };
    expect(findInputProblems(nest(MAX_INPUT_DEPTH), 'body')).toEqual([]);
    expect(findInputProblems(nest(MAX_INPUT_DEPTH + 1), 'body')).toEqual([
      { path: expect.stringMatching(/^body/), message: expect.stringContaining('64 levels') },
    ]);
    expect(findInputProblems(nest(100_000), 'body')).toHaveLength(1);
  });

  it('stops after the given number of problems', () => {
    expect(findInputProblems(Array(100).fill('\u0000'), 'body', { limit: 3 })).toHaveLength(3);
  });
});

describe('jsonTextDepth', () => {
  it('counts brackets outside strings, escapes included', () => {
    expect(jsonTextDepth('1')).toBe(0);
    expect(jsonTextDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(jsonTextDepth('{"a":"[[[{{{\\"[[["}')).toBe(1);
    expect(jsonTextDepth('[[],[[]]]')).toBe(3);
  });

  it('stops as soon as the limit is passed', () => {
    expect(jsonTextDepth('['.repeat(1_000_000), 64)).toBe(65);
  });
});
