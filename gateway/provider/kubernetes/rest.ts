// Plain JSON REST calls with the credentials, TLS settings and server of a client-node
// KubeConfig. The typed APIs deserialize core objects into classes (Dates for timestamps) while
// watch events arrive as plain JSON; one raw path keeps every object in the wire shape the
// model and the translator expect, and lets each call pick its patch content type. It goes
// through node:https with the agent client-node builds (applyToHTTPSOptions), because
// client-node's own fetch belongs to a different undici major than the project's.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

export const MERGE_PATCH = 'application/merge-patch+json';

export class KubeError extends Error {
  constructor(readonly statusCode: number, readonly method: string, readonly path: string, readonly body: unknown) {
    super(`${method} ${path}: ${statusCode} ${(body as any)?.message ?? ''}`.trim());
  }
  /** ListWatch looks at `code` as well as `statusCode` for 410. */
  get code(): number { return this.statusCode; }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRest {
  request<T = any>(method: Method, path: string, opts?: { query?: Record<string, string | undefined>; body?: unknown; contentType?: string }): Promise<T>;
}

export function createRest(kc: KubeConfig, timeoutMs = 30_000): KubeRest {
  return {
    async request(method, path, opts = {}) {
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error('kubeconfig has no current cluster');
      const url = new URL(cluster.server.replace(/\/$/, '') + path);
      for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, v);
      const base: RequestOptions = {};
      await kc.applyToHTTPSOptions(base);
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const headers: Record<string, string | number> = { ...(base.headers as Record<string, string> ?? {}), accept: 'application/json' };
      if (payload !== undefined) { headers['content-type'] = opts.contentType ?? 'application/json'; headers['content-length'] = Buffer.byteLength(payload); }
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const { status, text } = await new Promise<{ status: number; text: string }>((done, fail) => {
        const req = send(url, { ...base, ...(url.protocol === 'http:' ? { agent: undefined } : {}), method, headers, timeout: timeoutMs }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => done({ status: res.statusCode ?? 0, text }));
          res.on('error', fail);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out after ${timeoutMs} ms`)));
        req.on('error', fail);
        req.end(payload);
      });
      let parsed: unknown = text;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
      if (status >= 300) throw new KubeError(status, method, path, parsed);
      return parsed as any;
    },
  };
}
