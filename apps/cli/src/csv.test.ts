import { describe, expect, it } from 'vitest';
import { isoDate, parseMaps, parseStageMap, rowsFromCsv } from './commands/import.ts';
import { CsvError, parseCsv } from './csv.ts';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parseCsv', () => {
  it('splits records on LF, CRLF and a lone CR, and fields on commas', () => {
    expect(fields('a,b,c\n1,2,3\r\n4,5,6\r7,8,9')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['4', '5', '6'],
      ['7', '8', '9'],
    ]);
  });

  it('keeps empty fields, leading and trailing ones included', () => {
    expect(fields(',a,,\n')).toEqual([['', 'a', '', '']]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const text =
      'key,summary\r\n"PAY-1","Refunds, partial"\r\n"PAY-2","Say ""hi""\r\nthen leave"\r\nPAY-3,""\r\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['key', 'summary'] },
      { line: 2, fields: ['PAY-1', 'Refunds, partial'] },
      { line: 3, fields: ['PAY-2', 'Say "hi"\r\nthen leave'] },
      // The record after a quoted line break starts two lines further down.
      { line: 5, fields: ['PAY-3', ''] },
    ]);
  });

  it('drops a UTF-8 byte-order mark and blank lines, and keeps a record without a final line break', () => {
    expect(parseCsv('\uFEFFIssue key,Summary\n\nPAY-1,x')).toEqual([
      { line: 1, fields: ['Issue key', 'Summary'] },
      { line: 3, fields: ['PAY-1', 'x'] },
    ]);
  });

  it('keeps a quote inside an unquoted field as text', () => {
    expect(fields('a 5" screen,b')).toEqual([['a 5" screen', 'b']]);
  });

  it('keeps a line of one empty quoted field as a record', () => {
    expect(fields('a\n""\n')).toEqual([['a'], ['']]);
  });

  it('refuses a quoted field that never closes, naming the line it opened on', () => {
    expect(() => parseCsv('a,b\n1,"never\nclosed')).toThrow(
      new CsvError(2, 'a quoted field is never closed'),
    );
  });

  it('refuses text after a closing quote, naming its line', () => {
    expect(() => parseCsv('a\n"x"y\n')).toThrow(/^line 2: unexpected "y" after a closing quote/);
  });

  it('reads nothing from an empty text', () => {
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\uFEFF')).toEqual([]);
  });
});

describe('CSV rows to import rows', () => {
  const options = { maps: new Map<string, string | null>(), stageMap: new Map<string, string>() };

  it('reads Jira columns by default, maps statuses, fills the default pod and converts Jira dates', () => {
    const text =
      'Issue key,Summary,Status,Created,Sprint\nPAY-1,Refunds,In Progress,02/Mar/26 1:30 PM,S1\nPAY-2,,,,\n';
    const { rows, columnOf } = rowsFromCsv(text, 'projects', {
      ...options,
      stageMap: parseStageMap('in progress=build'),
      pod: 'ratio',
    });
    expect(rows).toEqual([
      {
        line: 2,
        externalId: 'PAY-1',
        name: 'Refunds',
        stage: 'build',
        createdAt: '2026-03-02T13:30:00.000Z',
        pod: 'ratio',
      },
      // Empty cells are absent fields: the server names the missing ones.
      { line: 3, externalId: 'PAY-2', pod: 'ratio' },
    ]);
    expect(Object.fromEntries(columnOf)).toEqual({
      externalId: 'Issue key',
      name: 'Summary',
      stage: 'Status',
      createdAt: 'Created',
    });
  });

  it('reads Plane columns, and --map overrides or ignores a column', () => {
    const text = 'ID,Name,State,Title\nP-1,Plane name,Backlog,Other title\n';
    expect(rowsFromCsv(text, 'ideas', options).rows).toEqual([
      { line: 2, externalId: 'P-1', title: 'Plane name' },
    ]);
    const maps = parseMaps(['Title=title', 'Name='], 'ideas');
    expect(rowsFromCsv(text, 'ideas', { ...options, maps }).rows).toEqual([
      { line: 2, externalId: 'P-1', title: 'Other title' },
    ]);
  });

  it('refuses a file without an id column, a --map of an unknown column or field, and bad CSV', () => {
    expect(() => rowsFromCsv('Summary\nx\n', 'projects', options)).toThrow(/no column for externalId/);
    expect(() =>
      rowsFromCsv('ID\nx\n', 'projects', { ...options, maps: parseMaps(['Nope=name'], 'projects') }),
    ).toThrow(/the file has no column "nope"/);
    expect(() => parseMaps(['ID=title'], 'projects')).toThrow(/"title" is not a field of projects/);
    expect(() => rowsFromCsv('ID\n"x\n', 'projects', options)).toThrow(/not a valid CSV file: line 2/);
    expect(() => parseStageMap('Done')).toThrow(/expected status=stage/);
  });

  it('leaves dates it does not know as written', () => {
    expect(isoDate('2026-03-02')).toBe('2026-03-02');
    expect(isoDate('31/Foo/26')).toBe('31/Foo/26');
    expect(isoDate('7/Jan/2025')).toBe('2025-01-07T00:00:00.000Z');
    expect(isoDate('1/Dec/25 12:15 AM')).toBe('2025-12-01T00:15:00.000Z');
  });
});
