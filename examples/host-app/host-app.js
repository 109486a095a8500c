// A small host app that signs its users in through rollcall with OpenID Connect (openid-client v6),
// and shows who is signed in, for which organisation, with which roles. Plain node:http, no framework,
// so every step of the protocol is in view. Sessions live in memory: this is an example, not a product.
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';

/**
 * @typedef {object} HostAppOptions
 * @property {string} issuer rollcall's issuer, `{rollcall's public URL}/oidc`
 * @property {string} clientId from `rollcall oidc client create`
 * @property {string} clientSecret shown once by `rollcall oidc client create`
 * @property {string} baseUrl where this app is reached, e.g. `http://localhost:3000`; its redirect URI is
 *   `{baseUrl}/callback`, its post-logout redirect URI `{baseUrl}/`
 */

/**
 * @typedef {object} SignedIn
 * @property {Record<string, unknown>} claims the ID token's claims: sub, email, name, tenant, directory, roles
 * @property {string} idToken
 * @property {string} accessToken
 * @property {string | undefined} refreshToken
 */

/** @typedef {{ verifier: string, state: string, nonce: string }} PendingLogin */

const SESSION_COOKIE = 'host_app_session';
const LOGIN_COOKIE = 'host_app_login';

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {string} name
 */
function cookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} body
 * @param {Record<string, string | string[]>} [headers]
 */
function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {string} location
 * @param {string[]} [cookies]
 */
function redirect(res, location, cookies = []) {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'set-cookie': cookies });
  res.end();
}

/**
 * The OAuth error code rollcall answered with (`invalid_grant`, `invalid_client` …), if the error is one.
 * @param {unknown} error
 */
function oauthError(error) {
  if (error instanceof oidc.ResponseBodyError) return error.error;
  if (error instanceof oidc.WWWAuthenticateChallengeError)
    return error.cause[0]?.parameters.error ?? 'invalid_client';
  return undefined;
}

/** @param {string} title @param {string} body */
function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/**
 * The app's request handler.
 * @param {HostAppOptions} options
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function createHostApp(options) {
  const redirectUri = `${options.baseUrl}/callback`;
  /** @type {Map<string, SignedIn>} */
  const sessions = new Map();
  /** @type {Map<string, PendingLogin>} */
  const pending = new Map();
  /** @type {Promise<oidc.Configuration> | undefined} */
  let configuration;

  // Discovery once, on first use: rollcall publishes its endpoints and keys at the issuer.
  const config = () => {
    configuration ??= oidc
      .discovery(
        new URL(options.issuer),
        options.clientId,
        undefined,
        oidc.ClientSecretBasic(options.clientSecret),
        {
          // Plain http only for an issuer on this machine (development); rollcall in production is https.
          ...(new URL(options.issuer).protocol === 'http:' && { execute: [oidc.allowInsecureRequests] }),
        },
      )
      .catch((error) => {
        configuration = undefined;
        throw error;
      });
    return configuration;
  };

  /** @param {import('node:http').IncomingMessage} req */
  const signedIn = (req) => {
    const id = cookie(req, SESSION_COOKIE);
    return id === undefined ? undefined : sessions.get(id);
  };

  /**
   * Starts a sign-in: PKCE, state and nonce kept for the callback, the browser sent to rollcall. The
   * `tenant` parameter names the customer organisation, whose SSO rollcall sends the user through.
   * @param {import('node:http').ServerResponse} res
   * @param {URLSearchParams} query
   */
  const login = async (res, query) => {
    // A sign-in handed over by rollcall (third-party initiated login) names its issuer: only ours.
    const iss = query.get('iss');
    if (iss !== null && iss !== options.issuer) return send(res, 400, page('Unknown issuer', ''));
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    /** @type {Record<string, string>} */
    const parameters = {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    const tenant = query.get('tenant');
    const loginHint = query.get('login_hint');
    if (tenant) parameters.tenant = tenant;
    if (loginHint) parameters.login_hint = loginHint;
    const loginId = randomBytes(16).toString('base64url');
    pending.set(loginId, { verifier, state, nonce });
    const url = oidc.buildAuthorizationUrl(await config(), parameters);
    redirect(res, url.href, [`${LOGIN_COOKIE}=${loginId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`]);
  };

  /**
   * rollcall sends the browser back with a code; exchange it (with the PKCE verifier) for tokens.
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  const callback = async (req, res) => {
    const loginId = cookie(req, LOGIN_COOKIE);
    const login = loginId === undefined ? undefined : pending.get(loginId);
    if (!loginId || !login)
      return send(res, 400, page('Sign-in expired', '<p><a href="/">Start again</a></p>'));
    pending.delete(loginId);
    const tokens = await oidc.authorizationCodeGrant(
      await config(),
      new URL(req.url ?? '/', options.baseUrl),
      {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      },
    );
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new Error('rollcall issued no ID token');
    const sessionId = randomBytes(32).toString('base64url');
    sessions.set(sessionId, {
      claims: { ...claims },
      idToken: tokens.id_token,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
    });
    redirect(res, '/', [
      `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`,
      `${LOGIN_COOKIE}=; Path=/; Max-Age=0`,
    ]);
  };

  /**
   * Refreshes the session's claims: the user's roles as SCIM has them now. A deactivated user's
   * refresh is refused, and the app signs them out.
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  const refresh = async (req, res) => {
    const session = signedIn(req);
    if (!session?.refreshToken) return redirect(res, '/');
    try {
      const tokens = await oidc.refreshTokenGrant(await config(), session.refreshToken);
      const claims = tokens.claims();
      if (claims) session.claims = { ...claims };
      if (tokens.id_token) session.idToken = tokens.id_token;
      session.accessToken = tokens.access_token;
      session.refreshToken = tokens.refresh_token ?? session.refreshToken;
      redirect(res, '/');
    } catch (error) {
      const code = oauthError(error);
      if (code === undefined) throw error;
      sessions.delete(cookie(req, SESSION_COOKIE) ?? '');
      send(
        res,
        401,
        page('Signed out', `<p>rollcall refused to refresh your sign-in (${escapeHtml(code)}).</p>`),
        {
          'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0`,
        },
      );
    }
  };

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  const home = (req, res) => {
    const session = signedIn(req);
    if (!session)
      return send(
        res,
        200,
        page(
          'Example host app',
          '<form action="/login"><label>Organisation <input name="tenant" required></label> <button>Sign in with SSO</button></form>',
        ),
      );
    const { name, email, tenant, roles } = session.claims;
    send(
      res,
      200,
      page(
        'Example host app',
        `<p>Signed in as <strong>${escapeHtml(String(name ?? email))}</strong> (${escapeHtml(String(email))}) of <strong>${escapeHtml(String(tenant))}</strong>.</p>` +
          `<p>Roles: ${escapeHtml(Array.isArray(roles) ? roles.join(', ') : '')}</p>` +
          '<form method="post" action="/refresh"><button>Refresh roles</button></form>' +
          '<form method="post" action="/logout"><button>Sign out</button></form>',
      ),
    );
  };

  /**
   * Who is signed in, as JSON: the ID token (and its claims) and what userinfo says now.
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  const me = async (req, res) => {
    const session = signedIn(req);
    if (!session) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ signedIn: false }));
      return;
    }
    /** @type {unknown} */
    let userinfo;
    try {
      userinfo = await oidc.fetchUserInfo(await config(), session.accessToken, String(session.claims.sub));
    } catch (error) {
      userinfo = { error: error instanceof Error ? error.message : String(error) };
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ signedIn: true, claims: session.claims, idToken: session.idToken, userinfo }));
  };

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  const logout = async (req, res) => {
    const id = cookie(req, SESSION_COOKIE);
    const session = id === undefined ? undefined : sessions.get(id);
    if (id !== undefined) sessions.delete(id);
    const clear = [`${SESSION_COOKIE}=; Path=/; Max-Age=0`];
    if (!session) return redirect(res, '/', clear);
    // Ends rollcall's session for this app too (OpenID Connect RP-Initiated Logout).
    const url = oidc.buildEndSessionUrl(await config(), {
      id_token_hint: session.idToken,
      post_logout_redirect_uri: `${options.baseUrl}/`,
    });
    redirect(res, url.href, clear);
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', options.baseUrl);
    /** @type {Promise<void> | void} */
    let done;
    if (req.method === 'GET' && url.pathname === '/') done = home(req, res);
    else if (req.method === 'GET' && url.pathname === '/login') done = login(res, url.searchParams);
    else if (req.method === 'GET' && url.pathname === '/callback') done = callback(req, res);
    else if (req.method === 'GET' && url.pathname === '/me') done = me(req, res);
    else if (req.method === 'POST' && url.pathname === '/refresh') done = refresh(req, res);
    else if (req.method === 'POST' && url.pathname === '/logout') done = logout(req, res);
    else done = send(res, 404, page('Not found', ''));
    Promise.resolve(done).catch((error) => {
      console.error(error);
      // rollcall's OAuth errors (say, invalid_grant for a user deactivated meanwhile) name what happened.
      const message = oauthError(error) ?? String(error?.message ?? error);
      if (!res.headersSent) send(res, 500, page('Sign-in failed', `<p>${escapeHtml(message)}</p>`));
    });
  };
}
