import { stringifySetCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SamlSignInService } from '../../../directory/saml-sign-in.js';
import { SSO_COOKIE, type SsoSessions, ssoCookieOf } from '../../../directory/sso-sessions.js';
import { SamlError } from '../../../saml/errors.js';
import { safeRelayState } from '../../../saml/relay-state.js';
import {
  errorPage,
  notFoundPage,
  notSignedInPage,
  refusalPage,
  sendPage,
  signedInPage,
  signedOutPage,
  testPage,
} from './sso-pages.js';

export interface SsoPluginOptions {
  readonly signIn: SamlSignInService;
  readonly sessions: SsoSessions;
}

/**
 * Largest ACS form body read. The SAMLResponse itself is limited to 256 KiB by the validator (its
 * RESPONSE_TOO_LARGE); this leaves room for base64 and form encoding around it, and stops a body far
 * beyond before it is read.
 */
export const ACS_BODY_LIMIT = 1024 * 1024;

type TenantParams = { tenant: string };

/** The first value of each field of a form body (a repeated SAMLResponse does not become a list). */
function parseForm(body: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) if (!(name in fields)) fields[name] = value;
  return fields;
}

function cookieOf(request: FastifyRequest): string | undefined {
  return ssoCookieOf(request.headers.cookie);
}

function setSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  value: string,
  expiresAt: string | null,
) {
  reply.header(
    'set-cookie',
    stringifySetCookie(SSO_COOKIE, value, {
      path: '/',
      httpOnly: true,
      // Lax, not Strict: the ACS is a cross-site POST from the IdP, and the redirect after it must carry the cookie.
      sameSite: 'lax',
      secure: request.publicUrl.startsWith('https:'),
      maxAge: expiresAt === null ? 0 : Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000)),
    }),
  );
}

/**
 * A tenant's single sign-on over HTTP, at `/sso/{tenant}`: the SAML SP (metadata, login, ACS) and
 * the SSO session (`/session`, `/logout`, `/signed-in`) the OIDC provider and the console build on.
 * The work is in directory/; this only speaks HTTP.
 */
export async function ssoPlugin(app: FastifyInstance, options: SsoPluginOptions): Promise<void> {
  const { signIn, sessions } = options;

  // The SAML HTTP-POST binding is a form post; any other body is refused (415) rather than guessed at.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: ACS_BODY_LIMIT },
    (_request, body, done) => done(null, parseForm(body as string)),
  );

  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) {
      const refusal = new SamlError(
        'RESPONSE_TOO_LARGE',
        `the request body is larger than ${ACS_BODY_LIMIT} bytes`,
      );
      request.log.warn(
        { tenant: (request.params as TenantParams).tenant, code: refusal.code },
        refusal.reason,
      );
      return sendPage(reply, 413, refusalPage(refusal.userMessage));
    }
    if (status >= 400 && status < 500) {
      request.log.info({ err: error }, 'SSO request refused');
      return sendPage(
        reply,
        status,
        refusalPage('The sign-in request could not be read. Please try signing in again.'),
      );
    }
    request.log.error({ err: error }, 'SSO request failed');
    return sendPage(reply, 500, errorPage());
  });
  app.setNotFoundHandler((_request, reply) => sendPage(reply, 404, notFoundPage()));

  const context = (request: FastifyRequest<{ Params: TenantParams }>) => ({
    tenantSlug: request.params.tenant,
    publicUrl: request.publicUrl,
  });

  app.get<{ Params: TenantParams }>('/saml/metadata', async (request, reply) => {
    const xml = await signIn.spMetadata(context(request));
    if (xml === undefined) return sendPage(reply, 404, notFoundPage());
    return reply
      .header('content-type', 'application/samlmetadata+xml; charset=utf-8')
      .header('content-disposition', `inline; filename="rollcall-${request.params.tenant}-sp-metadata.xml"`)
      .send(xml);
  });

  app.get<{ Params: TenantParams; Querystring: { RelayState?: string; test?: string } }>(
    '/saml/login',
    async (request, reply) => {
      const { RelayState: relayState, test } = request.query;
      const outcome = await signIn.startLogin(context(request), {
        ...(typeof relayState === 'string' && { relayState }),
        ...(typeof test === 'string' && { testId: test }),
      });
      if (!outcome.ok) {
        request.log.warn(
          { tenant: request.params.tenant, code: outcome.error.code },
          `SSO login refused: ${outcome.error.reason}`,
        );
        return sendPage(reply, outcome.error.status, refusalPage(outcome.error.userMessage));
      }
      return reply.code(302).header('cache-control', 'no-store').header('location', outcome.url).send();
    },
  );

  app.post<{ Params: TenantParams; Body: Record<string, string> | undefined }>(
    '/saml/acs',
    async (request, reply) => {
      const body = request.body ?? {};
      const outcome = await signIn.acs(context(request), {
        samlResponse: body.SAMLResponse,
        relayState: body.RelayState,
      });
      const tenant = request.params.tenant;
      switch (outcome.kind) {
        case 'signed-in':
          request.log.info(
            {
              tenant,
              user: outcome.signedIn.userId,
              reference: outcome.reference,
              jit: outcome.signedIn.jit,
            },
            'SSO sign-in',
          );
          setSessionCookie(reply, request, outcome.session.cookieValue, outcome.session.expiresAt);
          return reply
            .code(303)
            .header('cache-control', 'no-store')
            .header('location', outcome.redirectTo)
            .send();
        case 'test':
          request.log.info({ tenant, test: outcome.test.id }, 'SAML Test Connection answered');
          return sendPage(reply, 200, testPage(outcome.test));
        case 'refused':
          request.log.warn(
            { tenant, code: outcome.error.code, reference: outcome.reference },
            `SSO sign-in refused: ${outcome.error.reason}`,
          );
          if (outcome.test) return sendPage(reply, outcome.error.status, testPage(outcome.test));
          return sendPage(
            reply,
            outcome.error.status,
            refusalPage(outcome.error.userMessage, outcome.reference),
          );
      }
    },
  );

  app.get<{ Params: TenantParams }>('/session', async (request, reply) => {
    const session = await sessions.resolve(cookieOf(request));
    reply.header('cache-control', 'no-store');
    if (!session || session.tenantSlug !== request.params.tenant)
      return reply.code(401).send({ error: 'not_signed_in', message: 'No SSO session of this tenant' });
    return {
      userId: session.userId,
      email: session.email,
      nameId: session.nameId,
      name: session.name,
      roles: session.roles,
      directoryId: session.directoryId,
      tenant: session.tenantSlug,
    };
  });

  app.get<{ Params: TenantParams }>('/signed-in', async (request, reply) => {
    const session = await sessions.resolve(cookieOf(request));
    if (!session || session.tenantSlug !== request.params.tenant)
      return sendPage(
        reply,
        401,
        notSignedInPage(`/sso/${encodeURIComponent(request.params.tenant)}/saml/login`),
      );
    return sendPage(reply, 200, signedInPage(session));
  });

  app.post<{
    Params: TenantParams;
    Body: Record<string, string> | undefined;
    Querystring: { RelayState?: string };
  }>('/logout', async (request, reply) => {
    await sessions.end(cookieOf(request));
    setSessionCookie(reply, request, '', null);
    const next = safeRelayState(request.body?.RelayState ?? request.query.RelayState, {
      origin: request.publicUrl,
    });
    if (next) return reply.code(303).header('cache-control', 'no-store').header('location', next).send();
    return sendPage(reply, 200, signedOutPage());
  });
}
