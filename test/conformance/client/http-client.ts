// An HTTP client that behaves like the Go net/http client upstream's roundtripper uses, so the
// gateway sees the same bytes it would see from the upstream suite.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { canonicalHeaderKey, goVerifyChain } from '../go-rules.ts';

export interface HttpRequest {
  scheme: 'http' | 'https';
  /** Where to connect (the Gateway's status address and the listener port + offset). */
  address: string;
  port: number;
  /** Host header / :authority. */
  host: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  http2?: boolean;
  sni?: string;
  roots?: string[];
  clientCert?: { cert: string; key: string };
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Go-canonical names → values. */
  headers: Record<string, string[]>;
  body: string;
  protocol: string;
  tls?: { peer: X509Certificate[]; alpn?: string };
}

/** The header lines a Go client sends for this request (names canonical). */
export function goRequestHeaders(req: Pick<HttpRequest, 'method' | 'headers' | 'body' | 'host'>, h2 = false): [string, string][] {
  const out: [string, string][] = [];
  if (!h2) out.push(['Host', req.host]);
  // Go's Header.Write emits the user's headers sorted by key.
  const custom = Object.entries(req.headers).map(([k, v]) => [canonicalHeaderKey(k), v] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const has = (n: string) => custom.some(([k]) => k.toLowerCase() === n.toLowerCase());
  if (!has('User-Agent')) out.push(['User-Agent', h2 ? 'Go-http-client/2.0' : 'Go-http-client/1.1']);
  const len = req.body ? Buffer.byteLength(req.body) : 0;
  if (len > 0 || ['POST', 'PUT', 'PATCH'].includes(req.method.toUpperCase())) out.push(['Content-Length', String(len)]);
  out.push(...custom.filter(([k]) => k.toLowerCase() !== 'host'));
  if (!has('Accept-Encoding')) out.push(['Accept-Encoding', 'gzip']);
  return out;
}

function collectHeaders(raw: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].startsWith(':')) continue;
    (out[canonicalHeaderKey(raw[i])] ??= []).push(raw[i + 1]);
  }
  return out;
}

/** Go's transport transparently gunzips when it asked for gzip, and then drops the headers that describe the encoding. */
function finish(status: number, headers: Record<string, string[]>, body: Buffer, protocol: string, asked: boolean): HttpResponse {
  if (asked && headers['Content-Encoding']?.[0]?.toLowerCase() === 'gzip') {
    try { body = gunzipSync(body); } catch { /* keep the raw bytes */ }
    delete headers['Content-Encoding'];
    delete headers['Content-Length'];
  }
  return { status, headers, body: body.toString('utf8'), protocol };
}

function verifyTls(sock: TLSSocket, req: HttpRequest): string | undefined {
  const chain: X509Certificate[] = [];
  let c = sock.getPeerCertificate(true);
  const seen = new Set<string>();
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    chain.push(new X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  const roots = (req.roots ?? []).map((pem) => new X509Certificate(pem));
  return goVerifyChain(chain, roots, req.sni || req.host.replace(/:\d+$/, ''));
}

export function send(req: HttpRequest): Promise<HttpResponse> {
  return req.http2 ? sendH2(req) : sendH1(req);
}

function sendH1(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers = goRequestHeaders(req);
    const asked = !Object.keys(req.headers).some((k) => k.toLowerCase() === 'accept-encoding');
    const opts: https.RequestOptions = {
      host: req.address, port: req.port, method: req.method, path: req.path, agent: false, setHost: false,
      headers: headers.flat() as unknown as http.OutgoingHttpHeaders, timeout: req.timeoutMs ?? 10000,
    };
    let r: http.ClientRequest;
    if (req.scheme === 'https') {
      Object.assign(opts, {
        servername: req.sni && !/^[\d.]+$/.test(req.sni) ? req.sni : undefined,
        rejectUnauthorized: false, ALPNProtocols: ['http/1.1'],
        ...(req.clientCert ? { cert: req.clientCert.cert, key: req.clientCert.key } : {}),
      });
      r = https.request(opts);
      r.on('socket', (s) => s.once('secureConnect', () => {
        const err = verifyTls(s as TLSSocket, req);
        if (err) r.destroy(new Error(`tls: failed to verify certificate: ${err}`));
      }));
    } else r = http.request(opts);
    r.on('timeout', () => r.destroy(new Error('request timeout')));
    r.on('error', reject);
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', reject);
      res.on('end', () => {
        const out = finish(res.statusCode ?? 0, collectHeaders(res.rawHeaders), Buffer.concat(chunks), `HTTP/${res.httpVersion}`, asked);
        const sock = res.socket as TLSSocket;
        if (req.scheme === 'https') out.tls = { peer: [], alpn: sock.alpnProtocol || undefined };
        resolve(out);
      });
    });
    r.end(req.body ?? undefined);
  });
}

function sendH2(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const authority = `${req.scheme}://${req.address}:${req.port}`;
    const session = http2.connect(authority, req.scheme === 'https'
      ? { servername: req.sni && !/^[\d.]+$/.test(req.sni) ? req.sni : undefined, rejectUnauthorized: false, ALPNProtocols: ['h2'], ...(req.clientCert ? { cert: req.clientCert.cert, key: req.clientCert.key } : {}) }
      : {});
    const timer = setTimeout(() => { session.destroy(new Error('request timeout')); }, req.timeoutMs ?? 10000);
    const fail = (e: Error) => { clearTimeout(timer); session.destroy(); reject(e); };
    session.on('error', fail);
    session.on('connect', () => {
      if (req.scheme === 'https') {
        const err = verifyTls(session.socket as TLSSocket, req);
        if (err) return fail(new Error(`tls: failed to verify certificate: ${err}`));
      }
      const headers: http2.OutgoingHttpHeaders = { ':method': req.method, ':path': req.path, ':authority': req.host, ':scheme': req.scheme };
      for (const [k, v] of goRequestHeaders(req, true)) headers[k.toLowerCase()] = v;
      const asked = !Object.keys(req.headers).some((k) => k.toLowerCase() === 'accept-encoding');
      const stream = session.request(headers, { endStream: !req.body });
      if (req.body) stream.end(req.body);
      let status = 0;
      const raw: string[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        for (const [k, v] of Object.entries(h)) for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined) raw.push(k, String(x));
      });
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('error', fail);
      stream.on('end', () => {
        clearTimeout(timer);
        const out = finish(status, collectHeaders(raw), Buffer.concat(chunks), 'HTTP/2.0', asked);
        session.close();
        resolve(out);
      });
    });
  });
}
