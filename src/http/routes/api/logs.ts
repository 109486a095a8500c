import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { retentionCutoff } from '../../../directory/log-retention.js';
import { csvHeader, csvRows, jsonLines, type LogFilters, logJson } from '../../../directory/log-search.js';
import { errors, Id } from './schemas.js';

const LogQuery = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        pattern: '^(error|success|[1-5][0-9][0-9])$',
        description: '`error` (4xx and 5xx), `success`, or one status such as `409`',
      }),
    ),
    operation: Type.Optional(
      Type.String({
        maxLength: 50,
        description: 'list, get, create, replace, update, delete, search or request',
      }),
    ),
    user: Type.Optional(Type.String({ maxLength: 500, description: "A user's id or userName" })),
    since: Type.Optional(
      Type.String({ maxLength: 40, description: 'ISO-8601 date or date-time, inclusive' }),
    ),
    until: Type.Optional(
      Type.String({ maxLength: 40, description: 'ISO-8601 date or date-time, exclusive' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 100, description: 'nextCursor of the previous page' })),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'Page size (default 100); for csv and jsonl, the most entries exported (default all)',
      }),
    ),
    format: Type.Optional(
      Type.Enum(['json', 'csv', 'jsonl'], {
        description: '`json`: a page; `csv` and `jsonl`: every matching entry, streamed',
      }),
    ),
  },
  { additionalProperties: false },
);

function filtersOf(query: {
  status?: string;
  operation?: string;
  user?: string;
  since?: string;
  until?: string;
}) {
  const status = query.status;
  return {
    ...(status !== undefined && {
      status: status === 'error' || status === 'success' ? status : Number(status),
    }),
    ...(query.operation !== undefined && { operation: query.operation }),
    ...(query.user !== undefined && { user: query.user }),
    ...(query.since !== undefined && { since: query.since }),
    ...(query.until !== undefined && { until: query.until }),
  } satisfies LogFilters;
}

/** The provisioning log: filtered, cursor-paged newest first, exported as CSV or JSON lines, purged. */
export const logRoutes: FastifyPluginAsyncTypebox<{ retentionDays: number }> = async (app, options) => {
  app.get(
    '/directories/:id/logs',
    {
      schema: {
        summary: "Read or export a directory's provisioning log, newest first",
        operationId: 'listLogs',
        tags: ['logs'],
        params: Type.Object({ id: Id }),
        querystring: LogQuery,
        response: {
          200: {
            description: 'A page (json), or the whole matching log streamed (csv, jsonl)',
            content: {
              'application/json': {
                schema: Type.Object({
                  items: Type.Array(Type.Ref('LogEntry')),
                  nextCursor: Type.Optional(
                    Type.String({ description: 'Present while older entries match' }),
                  ),
                }),
              },
              'text/csv': { schema: Type.String({ description: 'RFC 4180, a header line first' }) },
              'application/x-ndjson': { schema: Type.String({ description: 'One LogEntry per line' }) },
            },
          },
          ...errors(404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { cursor, limit, format = 'json' } = request.query;
      const filters = filtersOf(request.query);
      if (format === 'json') {
        const page = await request.admin.searchLogs(id, {
          ...filters,
          ...(cursor && { cursor }),
          limit: limit ?? 100,
        });
        return reply.type('application/json; charset=utf-8').send({
          items: page.entries.map(logJson),
          ...(page.nextCursor && { nextCursor: page.nextCursor }),
        });
      }
      const chunks = await request.admin.exportLogs(id, {
        ...filters,
        ...(cursor && { cursor }),
        ...(limit !== undefined && { limit }),
      });
      const csv = format === 'csv';
      const body = Readable.from(
        (async function* () {
          if (csv) yield csvHeader();
          for await (const entries of chunks) yield csv ? csvRows(entries) : jsonLines(entries);
        })(),
      );
      return (
        reply
          .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="rollcall-log-${id}.${csv ? 'csv' : 'jsonl'}"`)
          // A stream is sent as it is read; the response schema types only the JSON form.
          .send(body as never)
      );
    },
  );

  app.post(
    '/logs/purge',
    {
      schema: {
        summary: 'Delete provisioning-log entries older than the retention, in every tenant',
        description: `The server also does this hourly. Default retention: ${options.retentionDays} days (--log-retention-days).`,
        operationId: 'purgeLogs',
        tags: ['logs'],
        body: Type.Optional(
          Type.Object(
            {
              olderThanDays: Type.Optional(
                Type.Integer({ minimum: 0, maximum: 36500, description: 'Default: the retention setting' }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Type.Object({
            deleted: Type.Integer({ description: 'How many entries were deleted' }),
            before: Type.String({
              format: 'date-time',
              description: 'Entries logged before this were deleted',
            }),
          }),
          ...errors(403),
        },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const before = retentionCutoff(request.body?.olderThanDays ?? options.retentionDays);
      return { deleted: await request.admin.purgeLogs(before), before };
    },
  );
};
