// Problems point at the line of the offending field: the locator over real YAML text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocator, fieldPath } from '../../gateway/model/positions.ts';

const text = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: apps }
spec: { ports: [{ port: 80 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: apps
spec:
  rules:
    - matches:
        - path: { type: PathPrefix, value: /a }
      backendRefs:
        - name: web
          port: 80
---
apiVersion: v1
kind: List
items:
  - apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    metadata: { name: gw }
    spec:
      listeners:
        - name: http
`;

test('field paths split into keys and indexes', () => {
  assert.equal(fieldPath('spec.rules[0].backendRefs[12].name'), ['spec', 'rules', 0, 'backendRefs', 12, 'name']);
  assert.equal(fieldPath(''), []);
});

test('the line of a field, of its deepest existing parent, or of the object', () => {
  const l = createLocator(text);
  const route = { kind: 'HTTPRoute', name: 'web', namespace: 'apps' };
  assert.is(l.line(route), 6);
  assert.is(l.line(route, 'spec.rules[0].matches[0].path'), 14);
  assert.is(l.line(route, 'spec.rules[0].backendRefs[0].port'), 17);
  assert.is(l.line(route, 'spec.rules[0].backendRefs[3]'), 15, 'missing index: the list');
  assert.is(l.line(route, 'spec.rules[0].timeouts.request'), 13, 'missing key: the rule');
  assert.is(l.line({ kind: 'Service', name: 'web', namespace: 'apps' }, 'spec.ports[0].port'), 4);
  // Inside a List; no namespace in the text matches the defaulted one.
  assert.is(l.line({ kind: 'Gateway', name: 'gw', namespace: 'default' }, 'spec.listeners[0].name'), 27);
  assert.is(l.line({ kind: 'Gateway', name: 'other' }), undefined);
});

test('text that does not parse locates nothing and does not throw', () => {
  assert.is(createLocator('kind: [\n').line({ kind: 'Gateway', name: 'gw' }), undefined);
});

test.run();
