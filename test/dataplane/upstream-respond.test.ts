// sendGatewayResponse: response edits, the record, HEAD, HTTP/2 header rules, gRPC mapping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect as h2connect } from 'node:http2';
import { sendGatewayResponse, grpcStatusFor } from '../../gateway/dataplane/http/respond.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { get, rule } from './upstream-fixtures.ts';

test('applies responseHeaders and modifiers, fills the record, HEAD has no body', async () => {
  const gw = await serveHandler((ex) => {
    ex.responseHeaders['x-cors'] = 'yes';
    ex.responseModifiers.push({ set: [{ name: 'X-Set', value: '1' }], add: [], remove: ['x-drop'] });
    sendGatewayResponse(ex, 404, 'no route matches this request', 'GW_ERR_NO_ROUTE', { 'x-drop': 'gone', location: '/x' });
  });
  try {
    const r = await get(gw.port, '/nothing');
    assert.is(r.status, 404);
    assert.is(r.body, 'no route matches this request\n');
    assert.is(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.is(r.headers['x-cors'], 'yes');
    assert.is(r.headers['x-set'], '1');
    assert.is(r.headers['x-drop'], undefined);
    assert.is(r.headers['location'], '/x');
    assert.is(gw.records[0]!.status, 404);
    assert.is(gw.records[0]!.responseFlags?.join(','), 'GW_ERR_NO_ROUTE');
    assert.is(gw.records[0]!.bytesOut, r.body.length);
    const h = await get(gw.port, '/nothing', { method: 'HEAD' });
    assert.is(h.body, '');
    assert.is(h.headers['content-length'], String(r.body.length));
  } finally {
    await gw.close();
  }
});

function h2call(port: number, path: string) {
  return new Promise<{ head: Record<string, unknown>; endOnHead: boolean; body: string }>((resolve, reject) => {
    const s = h2connect(`http://127.0.0.1:${port}`);
    s.on('error', reject);
    const st = s.request({ ':path': path, ':method': 'POST', 'content-type': 'application/grpc' });
    st.setTimeout(3000, () => st.close());
    let head: Record<string, unknown> = {};
    let endOnHead = false;
    let body = '';
    st.on('response', (h, flags) => {
      head = h;
      endOnHead = (flags & 1) === 1;
    });
    st.on('data', (c: Buffer) => (body += c));
    st.on('close', () => {
      s.close();
      resolve({ head, endOnHead, body });
    });
    st.end();
  });
}

test('HTTP/2: connection-specific headers are dropped instead of failing the answer', async () => {
  const gw = await serveHandler((ex) => sendGatewayResponse(ex, 400, 'bad request', 'GW_ERR_BAD_REQUEST', { connection: 'close' }), { h2: true });
  try {
    const r = await h2call(gw.port, '/');
    assert.is(r.head[':status'], 400);
    assert.is(r.head['connection'], undefined);
    assert.is(r.body, 'bad request\n');
  } finally {
    await gw.close();
  }
});

test('gRPC rules get trailers-only answers with the mapped grpc-status', async () => {
  const statuses = [404, 503, 504, 500, 403, 401];
  let i = 0;
  const gw = await serveHandler((ex) => sendGatewayResponse(ex, statuses[i++]!, 'no route: a/b', 'GW_ERR_INTERNAL'), { h2: true, rule: rule([], { grpc: true }) });
  try {
    const got: string[] = [];
    for (let n = 0; n < statuses.length; n++) {
      const r = await h2call(gw.port, '/svc/M');
      assert.is(r.head[':status'], 200);
      assert.is(r.head['content-type'], 'application/grpc');
      assert.ok(r.endOnHead, 'trailers-only');
      got.push(String(r.head['grpc-status']));
      if (n === 0) assert.is(r.head['grpc-message'], 'no route: a/b');
    }
    assert.equal(got, ['12', '14', '4', '13', '7', '16']);
    assert.is(gw.records[0]!.responseFlags?.join(','), 'GW_ERR_INTERNAL');
    assert.is(grpcStatusFor(200), 0);
  } finally {
    await gw.close();
  }
});

test.run();
