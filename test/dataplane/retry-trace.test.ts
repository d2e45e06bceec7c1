// Tracing and retries over real sockets: every upstream attempt is its own client span, sent
// upstream as the traceparent of that attempt, ended with the status it got.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import type { ChildSpan, RequestSpan } from '../../gateway/dataplane/observer.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { backend, get, noHooks, rule, startBackend } from './upstream-fixtures.ts';

const ups = createUpstreams();
test.after(() => ups.close());

test('each retry attempt gets its own span and traceparent; the client\'s is replaced', async () => {
  let calls = 0;
  const seen: string[] = [];
  const be = await startBackend((req, res) => {
    seen.push(String(req.headers.traceparent));
    req.resume();
    req.on('end', () => {
      res.statusCode = ++calls <= 2 ? 500 : 200;
      res.end('x');
    });
  });
  const children: { attrs: Record<string, string | number>; result?: { status?: number; error?: string } }[] = [];
  const span: RequestSpan = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    child(_name, attrs): ChildSpan {
      const c: (typeof children)[number] = { attrs };
      children.push(c);
      const id = String(children.length).padStart(16, '0');
      return { headers: { traceparent: `00-0af7651916cd43dd8448eb211c80319c-${id}-01` }, end: (r) => { c.result = r; } };
    },
    end() {},
  };
  const gw = await serveHandler(ups.compileRule(rule([backend('v', [be.port])], { retry: { codes: [500], attempts: 3, backoffMs: 0 } }), noHooks), {
    prepare: (ex) => { ex.span = span; },
  });
  try {
    const res = await get(gw.port, '/r', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    assert.is(res.status, 200);
    assert.equal(seen, [1, 2, 3].map((n) => `00-0af7651916cd43dd8448eb211c80319c-${String(n).padStart(16, '0')}-01`));
    assert.equal(children.map((c) => c.result?.status), [500, 500, 200]);
    assert.equal(children.map((c) => c.attrs['http.request.resend_count']), [undefined, 1, 2]);
  } finally {
    await gw.close();
    await be.close();
  }
});

test.run();
