// Zero-downtime change under load, shared by the file-provider and Kubernetes-provider tests:
// the manifests of change i (a route added, re-weighted and removed, a backend's endpoints
// changed, the HTTPS certificate rotated, a listener added and removed) and the bounded load with
// its tally. A provider-specific test only says how a change reaches the gateway.
import * as assert from 'uvu/assert';
import http from 'node:http';
import https from 'node:https';
import type { RunningGateway } from '../../gateway/cli/serve.ts';
import { GATEWAY_CLASS } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';

export const CHANGES = Number(process.env.ZERO_DOWNTIME_CHANGES ?? 100);
const b64 = (s: string) => Buffer.from(s).toString('base64');

function service(name: string, port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: zd }
spec: { ports: [{ name: p, port: 8080, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: zd, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
ports: [{ name: p, port: ${port}, protocol: TCP }]
`;
}

export function manifests(i: number, ports: { a: number; b1: number; b2: number }, certs: { cert: string; key: string }[]): string {
  const cert = certs[i % 2]!;
  const extraListener = i % 4 === 1 ? '\n    - { name: extra, port: 81, protocol: HTTP }' : '';
  const churn = i % 3 === 0 ? '' : `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: churn, namespace: zd }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [churn.example]
  rules: [{ backendRefs: [{ name: a, port: 8080, weight: ${1 + (i % 5)} }, { name: b, port: 8080, weight: ${5 - (i % 5)} }] }]
`;
  return `${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: zd }
spec:
  gatewayClassName: portico
  listeners:
    - { name: http, port: 80, protocol: HTTP }
    - { name: https, port: 443, protocol: HTTPS, hostname: '*.example', tls: { certificateRefs: [{ name: site }] } }${extraListener}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: steady, namespace: zd }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [steady.example]
  rules: [{ backendRefs: [{ name: a, port: 8080 }] }]
---
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: site, namespace: zd }
data: { tls.crt: ${b64(cert.cert)}, tls.key: ${b64(cert.key)} }
---
${service('a', ports.a)}---
${service('b', i % 2 === 0 ? ports.b1 : ports.b2)}${churn}`;
}

export interface Tally { ok: number; failed: number; errors: Map<string, number> }

export function count(t: Tally, ok: boolean, why = ''): void {
  if (ok) t.ok++;
  else { t.failed++; t.errors.set(why, (t.errors.get(why) ?? 0) + 1); }
}

export interface LoadRun {
  /** Listener port 80 is served on base, 443 on base + 363. */
  base: number;
  gw: RunningGateway;
  /** Makes change i (1..CHANGES) reach the gateway. */
  change(i: number): void | Promise<void>;
  provider: string;
}

/** Steady keep-alive load over HTTP and HTTPS while CHANGES changes are applied; prints the tally. */
export async function underLoad({ base, gw, change: apply, provider }: LoadRun): Promise<void> {
  const steady: Tally = { ok: 0, failed: 0, errors: new Map() };
  const churn: Tally = { ok: 0, failed: 0, errors: new Map() };
  let running = true;
  let change = 0;
  const loops: Promise<void>[] = [];
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 2, rejectUnauthorized: false });
  try {
    const one = (secure: boolean, host: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
      const req = (secure ? https : http).get({
        host: '127.0.0.1', port: secure ? base + 363 : base, path: '/', headers: { host }, servername: host,
        agent: secure ? httpsAgent : httpAgent, timeout: 10_000,
      }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
    // Bounded load: a few sequential loops, each one request at a time.
    const loop = async (secure: boolean, host: string, t: Tally) => {
      while (running) {
        try {
          const r = await one(secure, host);
          count(t, r.status === 200 && r.body === `ok ${host}`, `status ${r.status}`);
        } catch (err) {
          count(t, false, `${secure ? 'https' : 'http'} ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}${process.env.DEBUG_ZD ? ` at change ${change}` : ''}`);
        }
      }
    };
    for (let k = 0; k < 3; k++) loops.push(loop(false, 'steady.example', steady));
    loops.push(loop(true, 'steady.example', steady));
    loops.push(loop(false, 'churn.example', churn));

    for (let i = 1; i <= CHANGES; i++) {
      const before = gw.admin.state.current?.generation ?? 0;
      change = i;
      await apply(i);
      await waitFor(() => (gw.admin.state.current?.generation ?? 0) > before, 15_000, `change ${i} applied`);
    }
    // The last change must have been served under load for a moment too.
    const settled = steady.ok;
    await waitFor(() => steady.ok > settled + 20, 10_000, 'requests after the last change');
    running = false;
    await Promise.all(loops);
    console.log(`zero-downtime tally (${provider} provider) after ${CHANGES} changes: steady route ${steady.ok} ok, ${steady.failed} failed${steady.failed ? ` ${JSON.stringify([...steady.errors])}` : ''}; churning route ${churn.ok} ok, ${churn.failed} not served (removed at times)`);
    assert.is(steady.failed, 0, `requests to the unchanged route failed: ${JSON.stringify([...steady.errors])}`);
    assert.ok(steady.ok > CHANGES, 'the load ran throughout');
    assert.ok(churn.ok > 0, 'the churning route was served while it existed');
  } finally {
    running = false;
    await Promise.all(loops).catch(() => {});
    httpAgent.destroy();
    httpsAgent.destroy();
  }
}
