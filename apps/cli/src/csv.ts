/**
 * A CSV reader per RFC 4180, as trackers export it (Jira, Plane, spreadsheets): comma-separated
 * fields, fields in double quotes may hold commas, line breaks and doubled quotes (`""`), records end
 * in CRLF or LF (a lone CR too), and a UTF-8 byte-order mark at the start is dropped. Each record
 * keeps the line it starts on, so a problem can be reported where a person will look for it.
 */

export interface CsvRecord {
  /** The 1-based line of the file the record starts on (a quoted line break makes records span lines). */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * Every record of `text`, header included; blank lines are skipped. A quote that opens a field must
 * close it, and only a comma or the end of the record may follow the closing quote. A quote inside
 * an unquoted field is kept as text (spreadsheets write `5" screen` that way).
 */
export function parseCsv(text: string): CsvRecord[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  /** The current field was quoted and its closing quote has been read. */
  let closed = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;

  const lineBreak = (at: number) => (source[at] === '\r' && source[at + 1] === '\n' ? 2 : 1);
  const endRecord = () => {
    fields.push(field);
    // A blank line is one empty unquoted field: no record.
    if (fields.length > 1 || fields[0] !== '' || closed) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    closed = false;
  };

  while (i < source.length) {
    const ch = source[i]!;
    if (ch === ',') {
      fields.push(field);
      field = '';
      closed = false;
      i++;
    } else if (ch === '\r' || ch === '\n') {
      endRecord();
      i += lineBreak(i);
      line++;
      recordLine = line;
    } else if (closed) {
      throw new CsvError(
        line,
        `unexpected ${JSON.stringify(ch)} after a closing quote (write "" for a quote)`,
      );
    } else if (ch === '"' && field === '') {
      const openedOn = line;
      i++;
      for (;;) {
        if (i >= source.length) throw new CsvError(openedOn, 'a quoted field is never closed');
        const c = source[i]!;
        if (c === '"' && source[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else if (c === '\r' || c === '\n') {
          const n = lineBreak(i);
          field += source.slice(i, i + n);
          i += n;
          line++;
        } else {
          field += c;
          i++;
        }
      }
      closed = true;
    } else {
      field += ch;
      i++;
    }
  }
  if (fields.length || field !== '' || closed) endRecord();
  return records;
}
