// The HTTPS front of the test API server: the REST verbs client-node and the provider use, with
// API-server-shaped Status errors, bearer-token auth, watch streams (replay from a
// resourceVersion, 410 Gone after compaction, BOOKMARKs when asked), and test hooks to observe
// requests, act before one is handled, and cut or freeze every open watch.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePath, apiVersion, type ApiResource, type ParsedPath } from './resources.ts';
import { ApiError, parseFieldSelector, matches, Store, type EventType, type Watcher } from './store.ts';
import { jsonPatch, mergePatch, PatchError } from './patch.ts';

export interface RequestInfo { method: string; path: string; query: URLSearchParams; contentType?: string; parsed?: ParsedPath }
export type BeforeHook = (r: RequestInfo) => void | Promise<void>;

export interface ApiServerOptions {
  cert: string; key: string; token: string; bookmarkMs?: number;
  /** Plurals (e.g. "tcproutes") answered with 404, as on a cluster without that CRD; mutable. */
  notServed?: Set<string>;
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

async function readBody(req: IncomingMessage): Promise<any> {
  let text = '';
  for await (const c of req) text += c;
  if (!text) return undefined;
  try { return JSON.parse(text); } catch { throw new ApiError(400, 'BadRequest', 'request body is not JSON'); }
}

/** Built-in kinds' list items carry no apiVersion/kind on the wire; custom resources' do. */
function listItem(res: ApiResource, o: Record<string, any>): Record<string, any> {
  if (res.custom) return o;
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

export function createApiServer(store: Store, o: ApiServerOptions) {
  const requests: RequestInfo[] = [];
  const hooks: BeforeHook[] = [];
  const streams = new Set<{ res: ServerResponse; frozen: boolean }>();

  function send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  function watch(req: IncomingMessage, res: ServerResponse, p: ParsedPath, q: URLSearchParams): void {
    const selector = parseFieldSelector(q.get('fieldSelector'));
    const from = q.get('resourceVersion');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // An API server sends the headers at once; client-node's watch() resolves only then.
    res.flushHeaders();
    const stream = { res, frozen: false };
    const write = (type: string, object: unknown) => { if (!stream.frozen && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`); };
    if (from && from !== '0' && Number(from) < store.compactedRv) {
      write('ERROR', status(410, 'Expired', `too old resource version: ${from} (${store.compactedRv})`));
      res.end();
      return;
    }
    if (!from || from === '0') for (const obj of store.list(p.res, p.namespace, selector)) write('ADDED', obj);
    else {
      for (const ev of store.events) {
        if (ev.res === p.res && ev.rv > Number(from) && matches(ev.object, p.namespace, selector)) write(ev.type, ev.object);
      }
    }
    const watcher: Watcher = { res: p.res, namespace: p.namespace, selector, send: (type: EventType, obj) => write(type, obj) };
    store.watchers.add(watcher);
    streams.add(stream);
    const timers: ReturnType<typeof setTimeout>[] = [];
    if (q.get('allowWatchBookmarks') === 'true') {
      const t = setInterval(() => write('BOOKMARK', { kind: p.res.kind, apiVersion: apiVersion(p.res), metadata: { resourceVersion: String(store.rv) } }), o.bookmarkMs ?? 1000);
      timers.push(t);
    }
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    const cleanup = () => { store.watchers.delete(watcher); streams.delete(stream); for (const t of timers) clearTimeout(t); };
    res.on('close', cleanup);
    req.on('close', cleanup);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://x');
    const q = url.searchParams;
    const info: RequestInfo = { method: req.method ?? 'GET', path: url.pathname, query: q, contentType: req.headers['content-type'], parsed: parsePath(url.pathname) };
    if (info.parsed && o.notServed?.has(info.parsed.res.plural)) info.parsed = undefined;
    requests.push(info);
    if (req.headers.authorization !== `Bearer ${o.token}`) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    for (const h of hooks) await h(info);
    const p = info.parsed;
    if (!p) return send(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    const method = info.method;
    if (method === 'GET' && !p.name) {
      if (q.get('watch') === 'true' || q.get('watch') === '1') return watch(req, res, p, q);
      const items = store.list(p.res, p.namespace, parseFieldSelector(q.get('fieldSelector')));
      return send(res, 200, { kind: `${p.res.kind}List`, apiVersion: apiVersion(p.res), metadata: { resourceVersion: String(store.rv) }, items: items.map((i) => listItem(p.res, i)) });
    }
    if (method === 'POST' && !p.name) return send(res, 201, store.create(p.res, p.namespace, await readBody(req)));
    if (!p.name) return send(res, 405, status(405, 'MethodNotAllowed', `${method} is not allowed on a collection`));
    if (method === 'GET') {
      const obj = store.get(p.res, p.namespace, p.name);
      return obj ? send(res, 200, obj) : send(res, 404, status(404, 'NotFound', `${p.res.plural} "${p.name}" not found`));
    }
    if (method === 'DELETE') return send(res, 200, store.delete(p.res, p.namespace, p.name));
    const part = p.status ? 'status' : 'main';
    if (method === 'PUT') return send(res, 200, store.update(p.res, p.namespace, p.name, await readBody(req), part));
    if (method === 'PATCH') {
      const type = (info.contentType ?? '').split(';')[0]!.trim();
      const current = store.get(p.res, p.namespace, p.name);
      if (!current) return send(res, 404, status(404, 'NotFound', `${p.res.plural} "${p.name}" not found`));
      const body = await readBody(req);
      let patched: any;
      if (type === 'application/merge-patch+json' || (type === 'application/strategic-merge-patch+json' && !p.res.custom)) patched = mergePatch(current, body);
      else if (type === 'application/json-patch+json') patched = jsonPatch(current, body);
      else return send(res, 415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${p.res.custom ? '' : ', application/strategic-merge-patch+json'}`));
      // A resourceVersion in the patch is a precondition; otherwise the patch applies to the latest.
      const rv = patched?.metadata?.resourceVersion === current.metadata.resourceVersion ? undefined : patched?.metadata?.resourceVersion;
      patched.metadata = { ...patched.metadata, resourceVersion: rv ?? current.metadata.resourceVersion };
      return send(res, 200, store.update(p.res, p.namespace, p.name, patched, part));
    }
    send(res, 405, status(405, 'MethodNotAllowed', `${method} is not allowed`));
  }

  const server: Server = createServer({ cert: o.cert, key: o.key }, (req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) { res.destroy(); return; }
      if (err instanceof ApiError) send(res, err.code, status(err.code, err.reason, err.message));
      else if (err instanceof PatchError) send(res, 422, status(422, 'Invalid', err.message));
      else send(res, 500, status(500, 'InternalError', String((err as Error)?.message ?? err)));
    });
  });

  return {
    server,
    requests,
    /** Runs before every authenticated request is handled (e.g. to make a concurrent write). */
    before(hook: BeforeHook): () => void { hooks.push(hook); return () => { hooks.splice(hooks.indexOf(hook), 1); }; },
    /** Cuts every open watch connection abruptly, as a load balancer restart would. */
    dropWatches(): number { const n = streams.size; for (const s of streams) s.res.destroy(); return n; },
    /** Keeps every open watch connected but sends nothing more on it: a silent stall. */
    freezeWatches(): number { for (const s of streams) s.frozen = true; return streams.size; },
    openWatches: () => streams.size,
  };
}
