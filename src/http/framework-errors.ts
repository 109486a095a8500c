import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html/html.js';
import { plainPage } from '../html/plain-page.js';
import { renderPage } from '../oidc/pages.js';
import { ScimError } from '../scim/errors.js';
import { sendScimError } from './plugins/scim-errors.js';
import { ApiError } from './routes/api/api-errors.js';
import { refusalPage, sendPage } from './routes/sso/sso-pages.js';

const UNREADABLE = 'The request URL could not be read (a malformed percent-encoding, or a part too long)';

/**
 * What fails while Fastify routes a request, before any plugin has it (a path it cannot decode,
 * `/sso/%/session`; a parameter over the length limit): answered in the form of the surface the
 * path names, as that surface answers its own errors. Fastify's default is JSON with its own
 * error code, on every path.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode === undefined || error.statusCode >= 500 ? 500 : 400;
  const path = (request.raw.url ?? '/').split('?')[0]!;
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  if (status === 500) request.log.error({ err: error }, 'request failed while routing');
  else request.log.info({ code: error.code }, 'request URL refused while routing');
  const sentence = status === 500 ? 'Something went wrong on our side' : UNREADABLE;

  if (under('/scim'))
    return sendScimError(
      reply,
      request,
      new ScimError(status, sentence, status === 400 ? 'invalidSyntax' : undefined),
    );
  if (under('/api')) {
    const apiError = new ApiError(status === 400 ? 'BAD_REQUEST' : 'INTERNAL_ERROR', sentence);
    return reply.code(apiError.status).type('application/json; charset=utf-8').send(apiError.toJSON());
  }
  if (under('/sso')) return sendPage(reply, status, refusalPage(`${sentence}. Please try signing in again.`));
  if (under('/oidc'))
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderPage('Sign-in failed', `${sentence}. Start again from the app.`));
  if (under('/console'))
    return sendPage(
      reply,
      status,
      plainPage(
        'That did not work',
        html`<h1>That did not work</h1>
<p>${sentence}.</p>
<p class="muted">Error code: <code>${status === 400 ? 'BAD_REQUEST' : 'INTERNAL_ERROR'}</code> (HTTP ${status})</p>
<p><a href="/console">Back to the console</a></p>`,
      ),
    );
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error: status === 400 ? 'bad_request' : 'internal_error', message: sentence });
}
