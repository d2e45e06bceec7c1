// An apply rebuilds only what changed: a host entry that is the same IR object as in the table
// before (what the incremental translator hands over for an unchanged host) keeps its compiled
// matcher, handler chains and filter resources; a changed or new host is compiled; the resources
// of a host that is gone retire with the old table. Requests see the new table at once. Plain
// rules compile on their first request, rules holding resources with the table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDataplaneCore } from '../../gateway/dataplane/listeners/core.ts';
import { createUpstreams, pickEndpoint } from '../../gateway/dataplane/upstream/index.ts';
import { corsFilter } from '../../gateway/dataplane/http/filters/cors.ts';
import { externalAuthFilter } from '../../gateway/dataplane/http/filters/external-auth.ts';
import { mirrorFilter } from '../../gateway/dataplane/http/filters/mirror.ts';
import type { HttpHostIR } from '../../gateway/ir/index.ts';
import * as H from './server-helpers.ts';

test('apply compiles only the host entries that are new objects, and serves the new table', async () => {
  const echo = await H.startEcho('echo');
  const upstreams = createUpstreams();
  let compiled = 0;
  let mirrorsOpened = 0;
  let mirrorsClosed = 0;
  const dp = createDataplaneCore({ drainTimeoutMs: 0 }, {
    upstreams: {
      compileRule: (rule, hooks) => { compiled++; return upstreams.compileRule(rule, hooks); },
      retain: (t) => upstreams.retain(t),
      close: () => upstreams.close(),
    },
    pickEndpoint,
    cors: corsFilter,
    externalAuth: externalAuthFilter,
    mirror: (ir, deps) => {
      mirrorsOpened++;
      const m = mirrorFilter(ir, deps);
      return { filter: m.filter, close: () => { mirrorsClosed++; m.close(); } };
    },
  });
  try {
    const b = H.backend('echo', echo.port);
    const mirror = { type: 'RequestMirror' as const, mirror: { backend: b, fraction: 0 } };
    const host = (i: number): HttpHostIR => ({ hostname: `h${i}.example.com`, rules: [H.httpRule({}, { backends: [b], ...(i === 0 ? { filters: [mirror] } : {}) })] });
    const hosts = Array.from({ length: 40 }, (_, i) => host(i));
    const tableOf = (hs: HttpHostIR[]) => H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, hs)])]));
    const first = await dp.apply(tableOf(hosts));
    // A rule holding a resource (the mirror's client) is compiled with the table; a plain rule's
    // chain on its first request (compile.ts compileHandlers).
    assert.is(compiled, 1, 'only the rule with a mirror is compiled before any request');
    assert.is(mirrorsOpened, 1);
    const p = H.boundPort(first, 0);
    for (let i = 0; i < 40; i++) assert.is((await H.h1(p, { host: `h${i}.example.com` })).status, 200, `h${i}`);
    assert.is(compiled, 40, 'each plain rule was compiled by its first request');
    await H.h1(p, { host: 'h7.example.com' });
    assert.is(compiled, 40, 'and only once');

    // Host 5 changes (a new object), host 40 is added, host 39 is gone; the rest are the same objects.
    const next = [...hosts.slice(0, 39)];
    next[5] = host(5);
    next.push(host(40));
    compiled = 0;
    const second = await dp.apply(tableOf(next));
    assert.is(H.boundPort(second, 0), p);
    assert.is(mirrorsOpened, 1, 'the unchanged host kept its mirror');
    for (const h of ['h0.example.com', 'h1.example.com', 'h5.example.com', 'h40.example.com']) {
      const r = await H.h1(p, { host: h });
      assert.is(r.status, 200, h);
    }
    assert.is(compiled, 2, 'only the changed and the new host were compiled');
    assert.is((await H.h1(p, { host: 'h39.example.com' })).status, 404, 'a removed host is gone');

    // Nothing changed: nothing is compiled.
    compiled = 0;
    await dp.apply(tableOf(next));
    for (const h of ['h0.example.com', 'h5.example.com', 'h40.example.com']) await H.h1(p, { host: h });
    assert.is(compiled, 0);
  } finally {
    await dp.close(0);
    await echo.close();
  }
  assert.is(mirrorsClosed, 1, 'the mirror is closed once, with the last table');
});

test.run();
