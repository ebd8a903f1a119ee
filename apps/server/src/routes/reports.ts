import { routes } from '@clos/contract';
import { accessReportTables, type ReportDocument, type ReportFormat, soc2ReportTables } from '@clos/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { renderCsv } from '../reports/csv.ts';
import { renderPdf } from '../reports/pdf.ts';
import { route } from './route.ts';

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' } as const;

/** Sends a CSV or PDF rendering as a download named after the report and the day it was made. */
async function sendFile(reply: FastifyReply, doc: ReportDocument, format: Exclude<ReportFormat, 'json'>) {
  const body = format === 'csv' ? renderCsv(doc) : await renderPdf(doc);
  const name = `${doc.slug}-${doc.generatedAt.toISOString().slice(0, 10)}.${format}`;
  return reply
    .code(200)
    .header('content-type', CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

const dateOf = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

export function reportRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.getAccessReport, async (req, reply) => {
    const { format = 'json', from, to } = req.query;
    const report = await services.reports.access(ctxOf(req), { from: dateOf(from), to: dateOf(to), format });
    if (format === 'json') return toJson(report);
    return sendFile(reply, accessReportTables(report), format);
  });

  route(app, routes.getSoc2Report, async (req, reply) => {
    const { format = 'json', from, to } = req.query;
    const report = await services.reports.soc2(ctxOf(req), {
      from: new Date(from),
      to: new Date(to),
      format,
    });
    if (format === 'json') return toJson(report);
    return sendFile(reply, soc2ReportTables(report), format);
  });
}
