// The pure pieces of `portico migrate` one by one: PCRE to RE2, class selection, the controller
// ConfigMap, the annotation table against its documentation, and the report lines a few
// single-Ingress inputs must produce.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RE2JS } from 're2js';
import { ANNOTATIONS, migrate, NGINX_PREFIX } from '../../gateway/migrate/index.ts';
import { nginxLocationRegex, pcreToRe2 } from '../../gateway/migrate/pcre.ts';
import { classVerdict } from '../../gateway/migrate/ingress-class.ts';
import type { Ingress } from '../../gateway/migrate/inputs.ts';

const REPO = resolve(import.meta.dirname, '../..');

test('PCRE that RE2 can express converts, and the result matches what nginx matched', () => {
  const table: [string, string, string[], string[]][] = [
    // path regex, RE2 path match, paths nginx's ~* "^..." matches, paths it does not
    ['/api/v[0-9]+/users', '(?i)(?:/api/v[0-9]+/users).*', ['/api/v2/users', '/API/V10/users/7'], ['/api/vx/users', '/x/api/v1/users']],
    ['/images/.+\\.(png|jpe?g)$', '(?i)(?:/images/.+\\.(png|jpe?g)$).*', ['/images/a/b.PNG', '/images/x.jpeg'], ['/images/x.gif', '/images/.png.txt']],
    ['^/exact$', '(?i)(?:/exact$).*', ['/exact', '/EXACT'], ['/exact/x', '/exactly']],
    ['/docs(/|$)(.*)', '(?i)(?:/docs(/|$)(.*)).*', ['/docs', '/docs/', '/docs/a/b'], ['/docsx', '/other/docs']],
    ['/v1/(?<rest>.*)', '(?i)(?:/v1/(?<rest>.*)).*', ['/v1/a'], ['/v2/a']],
  ];
  for (const [pcre, re2, yes, no] of table) {
    const c = nginxLocationRegex(pcre);
    assert.ok(c.ok, `${pcre} converts`);
    if (!c.ok) continue;
    assert.is(c.re2, re2);
    const re = RE2JS.compile(c.re2);
    for (const p of yes) assert.ok(re.matches(p), `${pcre} matches ${p}`);
    for (const p of no) assert.not.ok(re.matches(p), `${pcre} does not match ${p}`);
  }
  const z = pcreToRe2('/a\\Z');
  assert.ok(z.ok && z.re2 === '/a$' && z.changed.length === 1, '\\Z is spelled $ in RE2');
});

test('PCRE without an RE2 meaning is refused with the reason', () => {
  const table: [string, RegExp][] = [
    ['/(?!internal)private', /lookahead or lookbehind/],
    ['/(?<=a)b', /lookahead or lookbehind/],
    ['/(a)\\1', /backreference/],
    ['/a++', /possessive/],
    ['/(?>a|ab)c', /atomic group/],
    ['/(?R)?', /recursion/],
    ['/[a-', /does not compile as RE2/],
  ];
  for (const [pcre, why] of table) {
    const c = pcreToRe2(pcre);
    assert.not.ok(c.ok, `${pcre} is refused`);
    if (!c.ok) assert.match(c.reason, why);
  }
  // Escaped operators are literals, not the constructs above.
  assert.ok(pcreToRe2('/a\\+\\+').ok);
  assert.ok(pcreToRe2('/\\(\\?=x\\)').ok);
});

const ing = (name: string, extra: Partial<Ingress['spec']> & { annotations?: Record<string, string> } = {}): Ingress => {
  const { annotations, ...spec } = extra;
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'team', annotations },
    spec: { rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }], ...spec },
  };
};

test('class selection follows ingress-nginx: ingressClassName, the legacy annotation, the default class', () => {
  const nginx = { kind: 'IngressClass' as const, metadata: { name: 'public-nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };
  const other = { kind: 'IngressClass' as const, metadata: { name: 'traefik', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'traefik.io/ingress-controller' } };
  const opts = { ingressClass: 'nginx', withoutClass: false };
  assert.ok(classVerdict(ing('a', { ingressClassName: 'public-nginx' }), [nginx, other], opts).served);
  assert.not.ok(classVerdict(ing('a', { ingressClassName: 'traefik' }), [nginx, other], opts).served);
  assert.not.ok(classVerdict(ing('a', { ingressClassName: 'nginx' }), [nginx, other], opts).served, 'nginx is not a class of ingress-nginx here');
  assert.ok(classVerdict(ing('a', { annotations: { 'kubernetes.io/ingress.class': 'public-nginx' } }), [nginx, other], opts).served);
  assert.not.ok(classVerdict(ing('a'), [nginx, other], opts).served, 'the default class belongs to traefik');
  assert.ok(classVerdict(ing('a'), [{ ...nginx, metadata: { name: 'public-nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } }], opts).served);
  assert.ok(classVerdict(ing('a', { ingressClassName: 'nginx' }), [], opts).served, 'without IngressClass objects, --ingress-class names the class');
  assert.not.ok(classVerdict(ing('a'), [], opts).served);
  assert.ok(classVerdict(ing('a'), [], { ...opts, withoutClass: true }).served);
});

test('every annotation of the table is in docs/migrate.md with its outcome, and the ingress2gateway ones are marked', () => {
  const doc = readFileSync(resolve(REPO, 'docs/migrate.md'), 'utf8');
  const missing = ANNOTATIONS.filter((a) => !new RegExp(`\\| \`${a.name}\` \\| ${a.outcome} \\|[^\\n]*\\| ${a.i2gw ? 'yes' : 'no'} \\|`).test(doc)).map((a) => a.name);
  assert.equal(missing, []);
  assert.ok(ANNOTATIONS.filter((a) => a.i2gw).length >= 45, 'the 45 annotations ingress2gateway reads are all in the table');
});

/** A build without Portico's policy kinds: what they would convert must stay error lines. */
const NO_POLICIES = { policies: { security: false, traffic: false } };

const lines = (r: ReturnType<typeof migrate>, severity?: string) => r.report.filter((l) => severity === undefined || l.severity === severity).map((l) => `${l.annotation}: ${l.message}`);

test('snippets, ModSecurity, Lua, unknown annotations and policy-backed ones each get an error line naming the Ingress and annotation', () => {
  const r = migrate([ing('a', { ingressClassName: 'nginx', annotations: {
    [`${NGINX_PREFIX}configuration-snippet`]: 'more_set_headers "x: y";',
    [`${NGINX_PREFIX}enable-modsecurity`]: 'true',
    [`${NGINX_PREFIX}lua-resty-waf-debug`]: 'true',
    [`${NGINX_PREFIX}made-up`]: 'x',
    [`${NGINX_PREFIX}limit-rpm`]: '60',
    [`${NGINX_PREFIX}auth-type`]: 'basic',
  } })], { policies: { security: true, traffic: false } });
  const errs = r.report.filter((l) => l.severity === 'error');
  // auth-type basic without its Secret cannot become a policy: the line names auth-secret.
  for (const k of ['configuration-snippet', 'enable-modsecurity', 'lua-resty-waf-debug', 'made-up', 'limit-rpm', 'auth-secret']) {
    assert.ok(errs.some((l) => l.object === 'team/a' && l.annotation === `${NGINX_PREFIX}${k}`), `${k} is reported`);
  }
});

test('timeouts and body limits are never dropped silently: defaults, the ConfigMap and annotations each leave a line (here without TrafficPolicy)', () => {
  const plain = migrate([ing('a', { ingressClassName: 'nginx' })], NO_POLICIES);
  assert.ok(lines(plain, 'error').some((l) => /proxy-body-size: .*1m \(ingress-nginx defaults\)/.test(l)), 'the default 1m limit');
  assert.ok(lines(plain, 'warning').some((l) => /proxy-read-timeout: timeouts.backendRequest 60s \(ingress-nginx defaults\)/.test(l)), 'the default 60 s');
  const cm = { kind: 'ConfigMap', metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx' }, data: { 'proxy-body-size': '4m', 'proxy-read-timeout': '15' } };
  const configured = migrate([ing('a', { ingressClassName: 'nginx' }), cm], NO_POLICIES);
  assert.ok(lines(configured, 'error').some((l) => /4m \(ConfigMap ingress-nginx\/ingress-nginx-controller\)/.test(l)));
  assert.ok(lines(configured).some((l) => /backendRequest 15s/.test(l)));
  const route = configured.plan.namespaces[0].routes[0];
  assert.is(route.httpRules[0].backendRequestTimeout, 15, 'the ConfigMap timeout is on the rule');
  const annotated = migrate([ing('a', { ingressClassName: 'nginx', annotations: { [`${NGINX_PREFIX}proxy-read-timeout`]: '300', [`${NGINX_PREFIX}proxy-send-timeout`]: '300', [`${NGINX_PREFIX}proxy-body-size`]: '50m' } })], NO_POLICIES);
  assert.is(annotated.plan.namespaces[0].routes[0].httpRules[0].backendRequestTimeout, 300);
  assert.ok(lines(annotated, 'error').some((l) => /proxy-body-size: .*"50m" is not enforced/.test(l)));
  assert.ok(lines(annotated, 'info').some((l) => /proxy-send-timeout: 300s/.test(l)));
  const unlimited = migrate([ing('a', { ingressClassName: 'nginx', annotations: { [`${NGINX_PREFIX}proxy-body-size`]: '0' } })], NO_POLICIES);
  assert.not.ok(lines(unlimited, 'error').some((l) => l.startsWith(`${NGINX_PREFIX}proxy-body-size`)), '0 is no limit, as Portico');
});

test('a regex RE2 cannot express is reported and its path is not served; the others on the host still are', () => {
  const r = migrate([ing('a', { ingressClassName: 'nginx', annotations: { [`${NGINX_PREFIX}use-regex`]: 'true' }, rules: [{ host: 'a.example.com', http: { paths: [
    { path: '/(?!admin).*', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { number: 80 } } } },
    { path: '/ok/[0-9]+', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { number: 80 } } } },
  ] } }] })]);
  assert.ok(r.report.some((l) => l.severity === 'error' && l.annotation === 'spec.rules[0].http.paths[0].path' && /lookahead/.test(l.message)));
  assert.equal(r.plan.namespaces[0].routes[0].httpRules.map((h) => h.path.value), ['(?i)(?:/ok/[0-9]+).*']);
});

test('with SecurityPolicy available, source ranges and basic auth become a policy on the Ingress\'s rules', () => {
  const r = migrate([
    ing('a', { ingressClassName: 'nginx', annotations: {
      [`${NGINX_PREFIX}whitelist-source-range`]: '10.0.0.0/8, 192.168.1.7',
      [`${NGINX_PREFIX}denylist-source-range`]: '10.9.0.0/16',
      [`${NGINX_PREFIX}auth-type`]: 'basic', [`${NGINX_PREFIX}auth-secret`]: 'team/htpasswd', [`${NGINX_PREFIX}auth-realm`]: 'Staff only',
    } }),
    ing('b', { ingressClassName: 'nginx', annotations: { [`${NGINX_PREFIX}auth-type`]: 'basic', [`${NGINX_PREFIX}auth-secret`]: 'other/htpasswd' } }),
  ], { policies: { security: true, traffic: false } });
  const [p] = r.plan.namespaces[0].policies;
  assert.equal(p.targetRefs, [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'a-example-com', sectionName: 'a-1' }]);
  assert.equal(p.spec, {
    authorization: {
      rules: [
        { name: 'denylist', action: 'Deny', principal: { clientCIDRs: ['10.9.0.0/16'] } },
        { name: 'allowlist', action: 'Allow', principal: { clientCIDRs: ['10.0.0.0/8', '192.168.1.7/32'] } },
      ],
      defaultAction: 'Deny',
    },
    basicAuth: { users: { name: 'htpasswd', key: 'auth' }, realm: 'Staff only' },
  });
  assert.is(r.plan.namespaces[0].policies.length, 1, 'b gets none: its Secret is in another namespace');
  assert.ok(r.report.some((l) => l.object === 'team/b' && l.severity === 'error' && /another namespace/.test(l.message)));
  assert.not.ok(r.report.some((l) => l.object === 'team/a' && /needs a SecurityPolicy/.test(l.message)), 'converted, so not reported as missing');
  const without = migrate([ing('a', { ingressClassName: 'nginx', annotations: { [`${NGINX_PREFIX}whitelist-source-range`]: '10.0.0.0/8' } })], { policies: { security: false, traffic: false } });
  assert.ok(without.report.some((l) => l.severity === 'error' && /needs a SecurityPolicy/.test(l.message)));
});

test('with TrafficPolicy available, body limits (ingress-nginx\'s default too), rate limits and consistent hashing become a policy', () => {
  const kinds = { policies: { security: false, traffic: true } };
  const plain = migrate([ing('a', { ingressClassName: 'nginx' })], kinds);
  assert.equal(plain.plan.namespaces[0].policies.map((p) => [p.kind, p.spec]), [['TrafficPolicy', { requestBody: { maxSize: '1Mi' } }]], 'the 1m default, explicit');
  assert.not.ok(plain.report.some((l) => l.severity === 'error'), 'nothing lost');
  const r = migrate([ing('a', { ingressClassName: 'nginx', annotations: {
    [`${NGINX_PREFIX}proxy-body-size`]: '8m', [`${NGINX_PREFIX}limit-rps`]: '20', [`${NGINX_PREFIX}limit-rpm`]: '600',
    [`${NGINX_PREFIX}upstream-hash-by`]: '$http_x_user',
  } }), ing('b', { ingressClassName: 'nginx', annotations: { [`${NGINX_PREFIX}upstream-hash-by`]: '$request_uri', [`${NGINX_PREFIX}proxy-body-size`]: '0' } })], kinds);
  const [a, ...rest] = r.plan.namespaces[0].policies;
  assert.equal(a.spec, {
    requestBody: { maxSize: '8Mi' },
    rateLimit: { local: { rules: [
      { limit: { requests: 20, unit: 'Second' }, selectors: [{ type: 'ClientIP' }] },
      { limit: { requests: 600, unit: 'Minute' }, selectors: [{ type: 'ClientIP' }] },
    ] } },
    loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'Header', name: 'x-user' } },
  });
  assert.is(rest.length, 0, 'b: no body limit (0) and a hash key with no counterpart: no policy');
  assert.ok(r.report.some((l) => l.object === 'team/b' && l.severity === 'error' && /\$request_uri/.test(l.message)));
  assert.ok(r.report.some((l) => l.object === 'team/a' && l.severity === 'warning' && /bursts of 100/.test(l.message)));
  // nginx hashes the application's own cookie and never issues one: neither does the policy.
  const c = migrate([ing('c', { ingressClassName: 'nginx', annotations: { [`${NGINX_PREFIX}upstream-hash-by`]: '$cookie_JSESSIONID', [`${NGINX_PREFIX}proxy-body-size`]: '0' } })], kinds);
  assert.equal(c.plan.namespaces[0].policies.map((p) => p.spec), [{ loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'Cookie', name: 'JSESSIONID', cookie: { generate: false } } } }]);
});

test('Ingresses of other classes are left alone, with a line each', () => {
  const r = migrate([ing('a', { ingressClassName: 'nginx' }), ing('b', { ingressClassName: 'istio' })]);
  assert.equal(r.converted, ['team/a']);
  assert.equal(r.leftAlone, ['team/b']);
  assert.ok(r.report.some((l) => l.object === 'team/b' && /left alone/.test(l.message)));
});

test.run();
