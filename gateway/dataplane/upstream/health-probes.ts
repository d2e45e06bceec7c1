// One active health probe of one endpoint: HTTP (a request, the status in the expected ranges),
// TCP (a connection, optionally a payload and an expected reply) or gRPC (grpc.health.v1
// Health/Check answering SERVING). Each resolves true or false within the timeout, never throws.
// A backend reached over TLS (BackendTLSPolicy) is probed over TLS with the settings proxied
// traffic uses (tls-options.ts: SNI, CAs, hostname/SAN checks, client certificate): an endpoint
// whose certificate traffic would refuse fails its checks instead of passing them in cleartext.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { ActiveHealthCheckIR, BackendIR, EndpointIR } from '../../ir/index.ts';
import { upstreamTlsOptions } from './tls-options.ts';

export type Probe = () => Promise<boolean>;

function httpProbe(p: Extract<ActiveHealthCheckIR['probe'], { type: 'HTTP' }>, b: BackendIR, ep: EndpointIR, timeoutMs: number): Probe {
  const secure = b.tls === undefined ? undefined : upstreamTlsOptions(b.tls);
  const request = secure === undefined ? http.request : https.request;
  return () => new Promise((done) => {
    const req = request({
      host: ep.address, port: ep.port, method: p.method, path: p.path, agent: false, timeout: timeoutMs,
      headers: { host: p.host ?? b.name, 'user-agent': 'portico-health-check' },
      ...secure,
    }, (res) => {
      const s = res.statusCode ?? 0;
      res.resume();
      done(p.expectedStatuses.some((r) => s >= r.from && s <= r.to));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(false));
    req.end();
  });
}

function tcpProbe(p: Extract<ActiveHealthCheckIR['probe'], { type: 'TCP' }>, b: BackendIR, ep: EndpointIR, timeoutMs: number): Probe {
  const secure = b.tls === undefined ? undefined : upstreamTlsOptions(b.tls);
  return () => new Promise((done) => {
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      done(ok);
    };
    // Over TLS the check passes only after a verified handshake ('secureConnect'; an untrusted
    // or misnamed certificate is an 'error' because rejectUnauthorized is always on).
    const socket = secure === undefined
      ? net.connect({ host: ep.address, port: ep.port })
      : tls.connect({ host: ep.address, port: ep.port, ...secure });
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on(secure === undefined ? 'connect' : 'secureConnect', () => {
      if (p.send === undefined) return finish(true);
      socket.write(p.send);
      if (p.receive === undefined) return finish(true);
    });
    let got = '';
    socket.on('data', (c: Buffer) => {
      got += c.toString('utf8');
      if (p.receive !== undefined && got.includes(p.receive)) finish(true);
      else if (got.length > 65536) finish(false);
    });
    socket.on('end', () => finish(false));
  });
}

// grpc.health.v1: HealthCheckRequest { string service = 1; } and HealthCheckResponse
// { ServingStatus status = 1; } with SERVING = 1. Two one-field messages: their wire format is
// written here rather than loading a .proto at run time.
function encodeRequest(service: string): Buffer {
  // The empty service (the server as a whole) is sent as an explicit empty field, which every
  // proto3 parser reads as the default.
  const s = Buffer.from(service, 'utf8');
  const len: number[] = [];
  let n = s.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), s]);
}

/** The ServingStatus of a HealthCheckResponse (0 UNKNOWN when the field is absent). */
export function decodeServingStatus(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const tag = b[i++]!;
    if (tag === 0x08) {
      let v = 0;
      let shift = 0;
      while (i < b.length) {
        const byte = b[i++]!;
        v |= (byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) return v;
        shift += 7;
      }
      return 0;
    }
    // Any other field: skip it by its wire type (varint or length-delimited).
    if ((tag & 7) === 0) while (i < b.length && (b[i++]! & 0x80) !== 0);
    else if ((tag & 7) === 2) {
      let len = 0;
      let shift = 0;
      while (i < b.length) {
        const byte = b[i++]!;
        len |= (byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) break;
        shift += 7;
      }
      i += len;
    } else return 0;
  }
  return 0;
}

const HealthClient = grpc.makeGenericClientConstructor({
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: (s: string) => encodeRequest(s),
    requestDeserialize: (b: Buffer) => b.toString(),
    responseSerialize: (v: number) => Buffer.from([0x08, v]),
    responseDeserialize: (b: Buffer) => decodeServingStatus(b),
  },
}, 'Health');

/**
 * gRPC channel credentials for the backend: TLS with the proxied traffic's settings, the
 * policy hostname as SNI and verified name (grpc.ssl_target_name_override), or cleartext.
 */
function grpcChannel(b: BackendIR): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  if (b.tls === undefined) return { credentials: grpc.credentials.createInsecure(), options: {} };
  const o = upstreamTlsOptions(b.tls);
  const context = tls.createSecureContext({ ...(o.ca ? { ca: o.ca } : {}), ...(o.cert ? { cert: o.cert, key: o.key } : {}) });
  return {
    credentials: grpc.credentials.createFromSecureContext(context, { rejectUnauthorized: true, checkServerIdentity: o.checkServerIdentity }),
    options: { 'grpc.ssl_target_name_override': o.servername, 'grpc.default_authority': o.servername },
  };
}

function grpcProbe(p: Extract<ActiveHealthCheckIR['probe'], { type: 'GRPC' }>, b: BackendIR, ep: EndpointIR, timeoutMs: number): Probe & { close(): void } {
  const target = ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
  const channel = grpcChannel(b);
  const client = new HealthClient(target, channel.credentials, channel.options) as unknown as grpc.Client & {
    Check(req: string, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, status?: number) => void): void;
  };
  const probe = (() => new Promise<boolean>((done) => {
    client.Check(p.service, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, status) => done(err === null && status === 1));
  })) as Probe & { close(): void };
  probe.close = () => client.close();
  return probe;
}

export function createProbe(hc: ActiveHealthCheckIR, b: BackendIR, ep: EndpointIR): Probe & { close?(): void } {
  switch (hc.probe.type) {
    case 'HTTP': return httpProbe(hc.probe, b, ep, hc.timeoutMs);
    case 'TCP': return tcpProbe(hc.probe, b, ep, hc.timeoutMs);
    case 'GRPC': return grpcProbe(hc.probe, b, ep, hc.timeoutMs);
  }
}
