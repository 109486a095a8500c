/**
 * The ceiling: the least a Node HTTP server must do to answer the benchmark's SCIM requests. It
 * keeps users and groups in Maps, trusts every request (no auth, no validation, no schema) and
 * renders JSON with JSON.stringify. What rollcall does beyond this is the price of being correct,
 * durable and observable; the targets bound that price. Run as its own process, like rollcall.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

type Json = Record<string, unknown>;

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const CONTENT_TYPE = 'application/scim+json; charset=utf-8';

interface Group {
  resource: Json;
  members: Set<string>;
}

const users = new Map<string, Json>();
const userOrder: Json[] = [];
const usersByName = new Map<string, Json>();
const groups = new Map<string, Group>();
const groupsByName = new Map<string, Group>();

function send(res: ServerResponse, status: number, body?: unknown, version?: number): ServerResponse {
  const headers: Record<string, string | number> = {};
  if (version !== undefined) headers.etag = `W/"${version}"`;
  if (body === undefined) return res.writeHead(status, headers).end();
  const text = JSON.stringify(body);
  headers['content-type'] = CONTENT_TYPE;
  headers['content-length'] = Buffer.byteLength(text);
  return res.writeHead(status, headers).end(text);
}

function listResponse(resources: unknown[], total: number, startIndex: number, nextCursor?: string): Json {
  return {
    schemas: [LIST],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
    ...(nextCursor !== undefined && { nextCursor }),
  };
}

/** `userName eq "x"` / `displayName eq "x"`: the only filters the workload sends. */
function eqValue(filter: string | null): string | undefined {
  const match = filter ? /^\s*\w+\s+eq\s+"(.*)"\s*$/i.exec(filter) : null;
  return match?.[1]?.toLowerCase();
}

function meta(resourceType: string, id: string, version: number, base: string, created: string): Json {
  return {
    resourceType,
    created,
    lastModified: new Date().toISOString(),
    version: `W/"${version}"`,
    location: `${base}/${id}`,
  };
}

function listUsers(res: ServerResponse, query: URLSearchParams): ServerResponse {
  const name = eqValue(query.get('filter'));
  if (name !== undefined) {
    const user = usersByName.get(name);
    return send(res, 200, listResponse(user ? [user] : [], user ? 1 : 0, 1));
  }
  const count = Math.min(1000, Number(query.get('count') ?? 100));
  const cursor = query.get('cursor');
  if (cursor !== null) {
    const from = cursor === '' ? 0 : Number(cursor);
    const page = userOrder.slice(from, from + count);
    const more = from + count < userOrder.length;
    return send(res, 200, listResponse(page, userOrder.length, 1, more ? String(from + count) : undefined));
  }
  const startIndex = Math.max(1, Number(query.get('startIndex') ?? 1));
  return send(
    res,
    200,
    listResponse(userOrder.slice(startIndex - 1, startIndex - 1 + count), userOrder.length, startIndex),
  );
}

function patchUser(user: Json, operations: Json[]): void {
  for (const operation of operations) {
    const path = operation.path as string | undefined;
    const value = operation.value;
    if (path === undefined) Object.assign(user, value);
    else if (path === 'active') user.active = value === true || String(value).toLowerCase() === 'true';
    else if (path.startsWith('name.')) {
      user.name = { ...(user.name as Json), [path.slice(5)]: value };
    } else if (path.startsWith('emails[')) {
      const emails = (user.emails as Json[] | undefined) ?? [];
      const work = emails.find((e) => e.type === 'work');
      if (work) work.value = value;
      else emails.push({ type: 'work', value });
      user.emails = emails;
    } else user[path] = value;
  }
}

function patchGroup(group: Group, operations: Json[]): void {
  for (const operation of operations) {
    const op = String(operation.op).toLowerCase();
    const path = operation.path as string;
    const byValue = /^members\[value eq "(.*)"\]$/.exec(path);
    if (byValue) group.members.delete(byValue[1]!);
    else if (path === 'members')
      for (const member of operation.value as Json[]) {
        if (op === 'remove') group.members.delete(member.value as string);
        else group.members.add(member.value as string);
      }
    else group.resource[path] = operation.value;
  }
}

function groupBody(group: Group, withMembers: boolean): Json {
  return withMembers
    ? { ...group.resource, members: [...group.members].map((value) => ({ value, type: 'User' })) }
    : group.resource;
}

function handle(req: IncomingMessage, res: ServerResponse, text: string): ServerResponse {
  const url = new URL(req.url ?? '/', 'http://ceiling');
  // /scim/v2/{directory}/{Users|Groups}[/{id}]
  const [, , , directory, resource, id] = url.pathname.split('/');
  const base = `http://${req.headers.host}/scim/v2/${directory}/${resource}`;
  const body = text === '' ? undefined : (JSON.parse(text) as Json);
  const withMembers = url.searchParams.get('excludedAttributes') !== 'members';
  const key = `${req.method} ${resource}${id === undefined ? '' : '/:id'}`;
  switch (key) {
    case 'GET Users':
      return listUsers(res, url.searchParams);
    case 'POST Users': {
      const user: Json = { ...body!, id: randomUUID() };
      user.meta = meta('User', user.id as string, 1, base, new Date().toISOString());
      users.set(user.id as string, user);
      userOrder.push(user);
      usersByName.set(String(user.userName).toLowerCase(), user);
      return send(res, 201, user, 1);
    }
    case 'GET Users/:id': {
      const user = users.get(id!);
      return user ? send(res, 200, user, 1) : send(res, 404, { status: '404' });
    }
    case 'PATCH Users/:id': {
      const user = users.get(id!);
      if (!user) return send(res, 404, { status: '404' });
      patchUser(user, body!.Operations as Json[]);
      return send(res, 200, user, 2);
    }
    case 'POST Groups': {
      const resourceBody: Json = { ...body!, id: randomUUID() };
      resourceBody.meta = meta('Group', resourceBody.id as string, 1, base, new Date().toISOString());
      const group = { resource: resourceBody, members: new Set<string>() };
      groups.set(resourceBody.id as string, group);
      groupsByName.set(String(resourceBody.displayName).toLowerCase(), group);
      return send(res, 201, groupBody(group, true), 1);
    }
    case 'GET Groups': {
      const name = eqValue(url.searchParams.get('filter'));
      const group = name === undefined ? undefined : groupsByName.get(name);
      return send(res, 200, listResponse(group ? [groupBody(group, withMembers)] : [], group ? 1 : 0, 1));
    }
    case 'GET Groups/:id': {
      const group = groups.get(id!);
      return group ? send(res, 200, groupBody(group, withMembers), 1) : send(res, 404, { status: '404' });
    }
    case 'PATCH Groups/:id': {
      const group = groups.get(id!);
      if (!group) return send(res, 404, { status: '404' });
      patchGroup(group, body!.Operations as Json[]);
      return send(res, 204, undefined, 2);
    }
    default:
      return send(res, 404, { status: '404' });
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      handle(req, res, Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      send(res, 500, { status: '500', detail: String(error) });
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
