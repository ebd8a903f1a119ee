/**
 * A report as a PDF (pdfkit): a title page, a summary page, then each section as a table — findings
 * first — with rows wrapped to their columns, pages broken between rows and the header repeated on
 * each page. Helvetica, one of the 14 standard PDF fonts, so no font file ships with the server.
 */
import { type ReportDocument, type ReportTable, reportTime } from '@clos/core';

const MARGIN = 40;
const CELL_PAD = 3;
const TABLE_FONT_SIZE = 7.5;
// One cell can hold at most this much: a page is enough for any row, and nothing legitimate is longer.
const CELL_MAX = 2000;

// The standard fonts encode WinAnsi (Windows-1252): Latin-1 plus these. Anything else would come out
// as the wrong glyph, so it is written out (arrows) or replaced with `?`.
const CP1252_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const SPELLED: Record<string, string> = { '→': '->', '←': '<-', '≥': '>=', '≤': '<=', '✓': 'yes' };

/** Text the standard fonts can show. */
export function winAnsi(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (
      ch === '\n' ||
      (code >= 0x20 && code <= 0x7e) ||
      (code >= 0xa0 && code <= 0xff) ||
      CP1252_EXTRAS.has(ch)
    )
      out += ch;
    else if (ch === '\t' || ch === '\r') out += ' ';
    else out += SPELLED[ch] ?? '?';
  }
  return out;
}

const cell = (text: string) => winAnsi(text.length > CELL_MAX ? `${text.slice(0, CELL_MAX - 1)}…` : text);

type Doc = PDFKit.PDFDocument;

const usableWidth = (doc: Doc) => doc.page.width - doc.page.margins.left - doc.page.margins.right;
const bottom = (doc: Doc) => doc.page.height - doc.page.margins.bottom;

function titlePage(doc: Doc, report: ReportDocument) {
  doc.moveDown(6);
  doc.font('Helvetica-Bold').fontSize(28).text(winAnsi(report.title), { align: 'center' });
  doc.moveDown(1.5);
  doc
    .font('Helvetica')
    .fontSize(13)
    .text(winAnsi(`Period: ${reportTime(report.period.from)} to ${reportTime(report.period.to)} UTC`), {
      align: 'center',
    });
  doc.moveDown(0.5);
  doc.text(winAnsi(`Generated at ${reportTime(report.generatedAt)} UTC by ${report.generatedBy}`), {
    align: 'center',
  });
  doc.moveDown(3);
  doc
    .fontSize(10)
    .fillColor('#555555')
    .text(
      'Contains information about people and access to CLOS: handle it as confidential. Generating this report was recorded in the audit log (report.generated).',
      { align: 'center' },
    )
    .fillColor('black');
}

function summaryPage(doc: Doc, report: ReportDocument) {
  doc.addPage();
  doc.font('Helvetica-Bold').fontSize(16).text('Summary');
  doc.moveDown(0.8);
  const labelWidth = 260;
  for (const [label, value] of report.summary) {
    const y = doc.y;
    doc.font('Helvetica-Bold').fontSize(10).text(winAnsi(label), MARGIN, y, { width: labelWidth });
    const afterLabel = doc.y;
    doc
      .font('Helvetica')
      .text(winAnsi(value), MARGIN + labelWidth, y, { width: usableWidth(doc) - labelWidth });
    doc.y = Math.max(afterLabel, doc.y) + 4;
  }
  if (report.notes.length) {
    doc.moveDown(1);
    doc.font('Helvetica-Bold').fontSize(11).text('Notes', MARGIN);
    doc.moveDown(0.3);
    doc.font('Helvetica').fontSize(10);
    for (const note of report.notes) {
      doc.text(winAnsi(`- ${note}`), MARGIN, doc.y, { width: usableWidth(doc) });
      doc.moveDown(0.3);
    }
  }
}

function drawTable(doc: Doc, table: ReportTable) {
  const width = usableWidth(doc);
  const weights = table.widths ?? table.columns.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const widths = table.columns.map((_, i) => ((weights[i] ?? 1) / total) * width);
  const x0 = doc.page.margins.left;
  const maxRowHeight = bottom(doc) - doc.page.margins.top - 40;

  const rowHeight = (cells: string[], font: string) => {
    doc.font(font).fontSize(TABLE_FONT_SIZE);
    const heights = cells.map((text, i) =>
      doc.heightOfString(text || ' ', { width: widths[i]! - 2 * CELL_PAD }),
    );
    return Math.min(Math.max(...heights, TABLE_FONT_SIZE) + 2 * CELL_PAD, maxRowHeight);
  };

  const drawRow = (cells: string[], font: string, shade: string | null) => {
    const h = rowHeight(cells, font);
    const y = doc.y;
    if (shade) doc.rect(x0, y, width, h).fill(shade).fillColor('black');
    let x = x0;
    doc.font(font).fontSize(TABLE_FONT_SIZE);
    cells.forEach((text, i) => {
      doc.text(text, x + CELL_PAD, y + CELL_PAD, {
        width: widths[i]! - 2 * CELL_PAD,
        height: h - 2 * CELL_PAD,
        ellipsis: true,
      });
      x += widths[i]!;
    });
    doc
      .moveTo(x0, y + h)
      .lineTo(x0 + width, y + h)
      .lineWidth(0.5)
      .strokeColor('#cccccc')
      .stroke()
      .strokeColor('black');
    doc.x = x0;
    doc.y = y + h;
  };

  const header = table.columns.map(cell);
  const heading = () => {
    doc.font('Helvetica-Bold').fontSize(13).text(winAnsi(table.title), x0, doc.y, { width });
    doc.moveDown(0.4);
  };
  const startPage = (continued: boolean) => {
    doc.addPage();
    if (continued) {
      doc
        .font('Helvetica-Oblique')
        .fontSize(9)
        .text(winAnsi(`${table.title} (continued)`), x0, doc.y, { width });
      doc.moveDown(0.3);
    } else heading();
    drawRow(header, 'Helvetica-Bold', '#e8e8e8');
  };

  // A table starts on the current page when its heading, header and a first row fit; else on the next.
  const first = table.rows[0]?.map(cell) ?? [];
  const needed =
    40 + rowHeight(header, 'Helvetica-Bold') + (first.length ? rowHeight(first, 'Helvetica') : 20);
  if (doc.y + needed > bottom(doc)) startPage(false);
  else {
    if (doc.y > doc.page.margins.top) doc.moveDown(1);
    heading();
    drawRow(header, 'Helvetica-Bold', '#e8e8e8');
  }

  if (!table.rows.length) {
    doc
      .font('Helvetica-Oblique')
      .fontSize(9)
      .text(winAnsi(table.empty), x0 + CELL_PAD, doc.y + CELL_PAD, { width });
    return;
  }
  for (const row of table.rows) {
    const cells = row.map(cell);
    if (doc.y + rowHeight(cells, 'Helvetica') > bottom(doc)) startPage(true);
    drawRow(cells, 'Helvetica', null);
  }
}

function footers(doc: Doc, report: ReportDocument) {
  const range = doc.bufferedPageRange();
  const label = winAnsi(
    `${report.title} · ${reportTime(report.period.from)} to ${reportTime(report.period.to)} UTC`,
  );
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would otherwise start a new page.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#777777')
      .text(`${label} · page ${i + 1} of ${range.count}`, MARGIN, doc.page.height - 25, {
        width: usableWidth(doc),
        align: 'center',
        lineBreak: false,
      })
      .fillColor('black');
    doc.page.margins.bottom = margin;
  }
}

/**
 * Renders the report; resolves to the whole file. pdfkit (and its font machinery) is loaded on the
 * first PDF rather than at start-up: it is a fifth of a second the server need not spend to be ready.
 */
export async function renderPdf(report: ReportDocument): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: winAnsi(report.title),
      Author: 'CLOS',
      Subject: winAnsi(`${reportTime(report.period.from)} to ${reportTime(report.period.to)} UTC`),
      CreationDate: report.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  titlePage(doc, report);
  summaryPage(doc, report);
  const [findings, ...rest] = report.tables;
  // Findings open the body of the report on a page of their own, after the summary.
  if (findings) {
    doc.addPage();
    drawTable(doc, findings);
  }
  for (const table of rest) drawTable(doc, table);
  footers(doc, report);
  doc.end();
  return done;
}
