import { describe, expect, it } from 'vitest';
import { checkIdeaRow, checkProjectRow, lineOf } from './rows.ts';

const codes = (problems: { field: string; code: string }[]) => problems.map((p) => `${p.field}:${p.code}`);

describe('checkProjectRow', () => {
  it('trims every value and treats an empty one as absent', () => {
    const checked = checkProjectRow({
      externalId: ' PAY-1 ',
      name: ' Refunds ',
      pod: 'ratio',
      stage: '',
      key: '  ',
    });
    expect(checked.problems).toEqual([]);
    expect(checked.value).toEqual({
      externalId: 'PAY-1',
      name: 'Refunds',
      pod: 'ratio',
      stage: undefined,
      key: undefined,
      blockedReason: undefined,
      createdAt: undefined,
    });
  });

  it('names every problem of a row at once, by field', () => {
    const checked = checkProjectRow({
      name: 'x'.repeat(256),
      pod: 7,
      key: 'Not A Key',
      createdAt: 'yesterday',
      colour: 'red',
    });
    expect(checked.value).toBeNull();
    expect(codes(checked.problems)).toEqual([
      'colour:unknown_field',
      'externalId:required',
      'name:too_long',
      'pod:invalid',
      'key:invalid',
      'createdAt:invalid',
    ]);
  });

  it('accepts a numeric external id (a tracker sequence number) and ISO dates with or without a time', () => {
    for (const createdAt of ['2026-03-02', '2026-03-02T09:00:00Z', '2026-03-02T09:00:00.123+01:00'])
      expect(checkProjectRow({ externalId: 12, name: 'n', pod: 'p', createdAt }).value).toMatchObject({
        externalId: '12',
        createdAt,
      });
    expect(
      codes(checkProjectRow({ externalId: 1, name: 'n', pod: 'p', createdAt: '2026-02-30T99:00' }).problems),
    ).toEqual(['createdAt:invalid']);
  });
});

describe('checkIdeaRow', () => {
  it('requires an id and a title, and an email for submittedBy', () => {
    expect(codes(checkIdeaRow({ title: ' ', submittedBy: 'ada' }).problems)).toEqual([
      'externalId:required',
      'title:required',
      'submittedBy:invalid',
    ]);
    expect(
      checkIdeaRow({ externalId: 'I-1', title: 'Dark mode', submittedBy: 'ada@example.com' }).value,
    ).toMatchObject({
      externalId: 'I-1',
      title: 'Dark mode',
      submittedBy: 'ada@example.com',
    });
  });
});

describe('lineOf', () => {
  it("is the client's line when it is a positive whole number, else the row's position", () => {
    expect(lineOf({ line: 7 }, 0)).toBe(7);
    expect(lineOf({ line: '7' }, 0)).toBe(1);
    expect(lineOf({ line: 0 }, 2)).toBe(3);
  });
});
