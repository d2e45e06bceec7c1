// TrafficPolicy loadBalancer compiled to IR: the cookie a Cookie consistent hash issues (its
// defaults, each attribute, generate: false), and the settings the CRD schema cannot judge.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileLoadBalancer } from '../../gateway/translator/policies/traffic/sections.ts';
import { SectionError } from '../../gateway/translator/policies/references.ts';
import type { LoadBalancerSpec } from '../../gateway/model/index.ts';

const cookie = (c?: NonNullable<LoadBalancerSpec['consistentHash']>['cookie'], name = 'lb'): LoadBalancerSpec =>
  ({ type: 'ConsistentHash', consistentHash: { type: 'Cookie', name, ...(c ? { cookie: c } : {}) } });
const F = 'spec.loadBalancer';

function problem(spec: LoadBalancerSpec): { field: string; message: string; fix: string } {
  try {
    compileLoadBalancer(spec, F);
  } catch (e) {
    if (e instanceof SectionError) return { field: e.field, message: e.message, fix: e.fix };
    throw e;
  }
  throw new Error('compiled without a problem');
}

test('a Cookie hash issues its cookie by default: Path=/, HttpOnly, SameSite=Lax, a session cookie, Secure by scheme', () => {
  assert.equal(compileLoadBalancer(cookie(), F), {
    type: 'ConsistentHash', hashOn: { type: 'Cookie', name: 'lb', issue: { path: '/', httpOnly: true, sameSite: 'Lax' } },
  });
});

test('cookie attributes: ttl (0s: a session cookie), path, domain, secure, httpOnly, sameSite; SameSite=None forces Secure', () => {
  assert.equal(compileLoadBalancer(cookie({ ttl: '24h', path: '/shop', domain: 'example.com', secure: false, httpOnly: false, sameSite: 'Strict' }), F), {
    type: 'ConsistentHash', hashOn: { type: 'Cookie', name: 'lb', issue: { maxAgeS: 86400, path: '/shop', domain: 'example.com', secure: false, httpOnly: false, sameSite: 'Strict' } },
  });
  assert.equal((compileLoadBalancer(cookie({ ttl: '0s' }), F) as any).hashOn.issue, { path: '/', httpOnly: true, sameSite: 'Lax' });
  assert.equal((compileLoadBalancer(cookie({ ttl: '1500ms' }), F) as any).hashOn.issue.maxAgeS, 2);
  assert.equal((compileLoadBalancer(cookie({ sameSite: 'None' }), F) as any).hashOn.issue.secure, true);
});

test('generate: false issues nothing (the application owns the cookie)', () => {
  assert.equal(compileLoadBalancer(cookie({ generate: false, ttl: '1h' }), F), { type: 'ConsistentHash', hashOn: { type: 'Cookie', name: 'lb' } });
});

test('settings the schema cannot judge are Invalid with the field and the fix', () => {
  assert.is(problem(cookie({ sameSite: 'None', secure: false })).field, `${F}.consistentHash.cookie.secure`);
  assert.is(problem(cookie(undefined, 'bad name')).field, `${F}.consistentHash.name`);
  assert.is(problem(cookie(undefined, 'a;b')).field, `${F}.consistentHash.name`);
  // The CRD pattern refuses these too; a manifest that bypassed admission still cannot add attributes.
  assert.is(problem(cookie({ path: '/x; Domain=evil.example' })).field, `${F}.consistentHash.cookie.path`);
  assert.is(problem(cookie({ path: 'relative' })).field, `${F}.consistentHash.cookie.path`);
  assert.is(problem(cookie({ domain: 'Evil.example;' })).field, `${F}.consistentHash.cookie.domain`);
  assert.is(problem(cookie({ ttl: 'soon' })).field, `${F}.consistentHash.cookie.ttl`);
  const onHeader = problem({ type: 'ConsistentHash', consistentHash: { type: 'Header', name: 'x-user', cookie: { ttl: '1h' } } });
  assert.is(onHeader.field, `${F}.consistentHash.cookie`);
  assert.match(onHeader.fix, /set spec\.loadBalancer\.consistentHash\.type to Cookie/);
});

test.run();
