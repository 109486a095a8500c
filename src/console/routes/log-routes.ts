import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ConsoleViews } from '../../directory/console-views.js';
import { csvHeader, csvRows, jsonLines, type LogFilters } from '../../directory/log-search.js';
import { type ConsoleRouteOptions, identityOf, pageContext, sendPage } from '../console-request.js';
import { queryNumber } from '../forms.js';
import { type LogQuery, logEntryPage, logsPage, OPERATIONS } from '../pages/log-pages.js';

type Query = { Querystring: Record<string, string | undefined> };
type DirectoryParams = { Params: { slug: string; id: string } };

/** A `datetime-local` value (no zone) read as UTC, as the page says. */
function utc(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value}Z` : value;
}

function logQuery(query: Record<string, string | undefined>): LogQuery {
  const operation = OPERATIONS.find((op) => op === query.operation);
  const user = query.user?.trim();
  return {
    ...(query.errors === '1' && { errors: '1' }),
    ...(operation && { operation }),
    ...(user && { user }),
    ...(query.since && { since: query.since }),
    ...(query.until && { until: query.until }),
  };
}

function filtersOf(query: LogQuery): LogFilters {
  const since = utc(query.since);
  const until = utc(query.until);
  return {
    ...(query.errors && { status: 'error' as const }),
    ...(query.operation && { operation: query.operation }),
    ...(query.user && { user: query.user }),
    ...(since && { since }),
    ...(until && { until }),
  };
}

/** A directory's provisioning logs: filtered pages, one entry's request and response, and exports. */
export const logRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app, { deps, assets }) => {
  const views = (request: FastifyRequest) => new ConsoleViews(deps.store, identityOf(request));
  const placeOf = async (request: FastifyRequest<DirectoryParams>) => {
    const view = await views(request).directoryIn(request.params.slug, request.params.id);
    return {
      tenant: { slug: view.tenant.slug, name: view.tenant.name },
      directory: { id: view.directory.id, name: view.directory.name },
    };
  };

  app.get<DirectoryParams & Query>('/t/:slug/directories/:id/logs', async (request, reply) => {
    const place = await placeOf(request);
    const query = logQuery(request.query);
    const page = await views(request).logs(request.params.slug, request.params.id, {
      ...filtersOf(query),
      ...(request.query.cursor && { cursor: request.query.cursor }),
    });
    return sendPage(reply, logsPage(pageContext(request, assets), place, { query, ...page }));
  });

  app.get<DirectoryParams & Query>('/t/:slug/directories/:id/logs/export', async (request, reply) => {
    const { slug, id } = request.params;
    const format = request.query.format === 'jsonl' ? 'jsonl' : 'csv';
    const chunks = await views(request).exportLogs(slug, id, filtersOf(logQuery(request.query)));
    const lines = (async function* () {
      if (format === 'csv') yield csvHeader();
      for await (const entries of chunks) yield format === 'csv' ? csvRows(entries) : jsonLines(entries);
    })();
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header(
        'Content-Disposition',
        `attachment; filename="provisioning-log-${id}.${format === 'csv' ? 'csv' : 'jsonl'}"`,
      )
      .send(Readable.from(lines));
  });

  app.get<DirectoryParams & { Params: { seq: string } }>(
    '/t/:slug/directories/:id/logs/:seq',
    async (request, reply) => {
      const place = await placeOf(request);
      const entry = await views(request).logEntry(
        request.params.slug,
        request.params.id,
        queryNumber(request.params.seq) ?? -1,
      );
      return sendPage(reply, logEntryPage(pageContext(request, assets), place, entry));
    },
  );
};
