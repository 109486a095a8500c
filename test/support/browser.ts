/**
 * A browser for tests over real HTTP: fetch with manual redirects and a cookie jar (host-only
 * cookies, paths, Max-Age and Expires). Cookies are kept per host name, not per port, as browsers do.
 */
interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires: number | undefined;
}

export class CookieJar {
  private cookies: Cookie[] = [];

  store(url: URL, setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = {
        name: pair.slice(0, eq).trim(),
        value: pair.slice(eq + 1).trim(),
        host: url.hostname,
        path: url.pathname.slice(0, url.pathname.lastIndexOf('/')) || '/',
        expires: undefined,
      };
      for (const attribute of attributes) {
        const [key = '', value = ''] = attribute.split('=').map((s) => s.trim());
        const name = key.toLowerCase();
        if (name === 'path' && value.startsWith('/')) cookie.path = value;
        else if (name === 'max-age') cookie.expires = Date.now() + Number(value) * 1000;
        else if (name === 'expires' && cookie.expires === undefined) cookie.expires = Date.parse(value);
      }
      this.cookies = this.cookies.filter(
        (c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path),
      );
      if (cookie.expires === undefined || cookie.expires > Date.now()) this.cookies.push(cookie);
    }
  }

  header(url: URL): string {
    const now = Date.now();
    return this.cookies
      .filter((c) => c.host === url.hostname && (c.expires === undefined || c.expires > now))
      .filter(
        (c) =>
          url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  get(host: string, name: string): string | undefined {
    return this.cookies.find((c) => c.host === host && c.name === name)?.value;
  }

  delete(host: string, name: string): void {
    this.cookies = this.cookies.filter((c) => !(c.host === host && c.name === name));
  }
}

export interface Page {
  readonly url: URL;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Every URL visited on the way, the first request's included. */
  readonly visited: readonly URL[];
}

export interface NavigateOptions {
  readonly method?: string;
  /** Sent as application/x-www-form-urlencoded. */
  readonly form?: Record<string, string>;
  /** Stops before fetching a URL this says yes to (an IdP's sign-in page, which the test plays itself). */
  readonly stopAt?: (url: URL) => boolean;
}

export class Browser {
  readonly jar = new CookieJar();

  /**
   * `route` maps the URL the browser means to the server that answers it: a load balancer in front of
   * several rollcall nodes behind one public URL. Cookies follow the URL the browser means.
   */
  constructor(private readonly route: (url: URL) => URL = (url) => url) {}

  /** One request, no redirects followed; cookies sent and stored. */
  async fetch(url: URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    const cookie = this.jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(this.route(url), {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form && { body: new URLSearchParams(init.form).toString() }),
    });
    this.jar.store(url, response.headers.getSetCookie());
    return response;
  }

  /** Requests `url` and follows redirects (GET after 301/302/303) until a page, or a URL `stopAt` claims. */
  async navigate(start: string | URL, options: NavigateOptions = {}): Promise<Page> {
    let url = new URL(start);
    let init: { method?: string; form?: Record<string, string> } = {
      ...(options.method && { method: options.method }),
      ...(options.form && { form: options.form }),
    };
    const visited: URL[] = [];
    for (let hops = 0; hops < 30; hops++) {
      if (options.stopAt?.(url)) return { url, status: 0, headers: new Headers(), text: '', visited };
      visited.push(url);
      const response = await this.fetch(url, init);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        url = new URL(location, url);
        init = response.status === 307 || response.status === 308 ? init : {};
        continue;
      }
      return {
        url,
        status: response.status,
        headers: response.headers,
        text: await response.text(),
        visited,
      };
    }
    throw new Error(`Too many redirects from ${start}`);
  }

  /** Submits the (first) form of a page: OpenID Connect form_post, the provider's logout confirmation. */
  async submitForm(
    page: Page,
    options: NavigateOptions & { readonly extra?: Record<string, string> } = {},
  ): Promise<Page> {
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.text);
    if (!form) throw new Error(`No form on ${page.url}`);
    // `extra`: what the button pressed adds (the provider's logout page: logout=yes).
    const fields: Record<string, string> = { ...options.extra };
    for (const input of form[2]!.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi))
      fields[decodeEntities(input[1]!)] = decodeEntities(input[2]!);
    return this.navigate(new URL(decodeEntities(form[1]!), page.url), {
      ...options,
      method: 'POST',
      form: fields,
    });
  }
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
