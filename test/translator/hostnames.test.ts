// Hostname matching edge cases (Gateway and HTTPRoute CRD hostname docs): a wildcard covers one
// or more labels but never its own base name, and label boundaries are respected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostMatches, hostnameWithin, intersectHostnames } from '../../gateway/translator/index.ts';
import { compareHostSpecificity } from '../../gateway/translator/hostnames.ts';

test('hostMatches: exact names match only themselves', () => {
  assert.ok(hostMatches('a.example.com', 'a.example.com'));
  assert.not.ok(hostMatches('a.example.com', 'b.example.com'));
  assert.not.ok(hostMatches('example.com', 'a.example.com'));
});

test('hostMatches: a wildcard matches one or more labels, not its base name', () => {
  assert.ok(hostMatches('*.example.com', 'a.example.com'));
  assert.ok(hostMatches('*.example.com', 'a.b.example.com'));
  assert.not.ok(hostMatches('*.example.com', 'example.com'));
  assert.not.ok(hostMatches('*.example.com', '.example.com'), 'an empty label is not a label');
});

test('hostMatches: suffixes only match at a label boundary', () => {
  assert.not.ok(hostMatches('*.example.com', 'badexample.com'));
  assert.not.ok(hostMatches('*.ample.com', 'a.example.com'));
});

test('intersectHostnames: neither side restricts → "*"', () => {
  assert.equal(intersectHostnames(undefined, undefined), ['*']);
  assert.equal(intersectHostnames(undefined, []), ['*']);
});

test('intersectHostnames: only one side restricts → that side, lower-cased and deduplicated', () => {
  assert.equal(intersectHostnames(undefined, ['A.Example.com', 'a.example.com', '*.b.org']), ['a.example.com', '*.b.org']);
  assert.equal(intersectHostnames('*.example.com', []), ['*.example.com']);
  assert.equal(intersectHostnames('*.example.com', undefined), ['*.example.com']);
});

test('intersectHostnames: each result is the more specific of the pair', () => {
  assert.equal(
    intersectHostnames('*.example.com', ['foo.example.com', 'example.com', '*.foo.example.com', '*.com', '*.example.com', 'other.org']),
    ['foo.example.com', '*.foo.example.com', '*.example.com'],
  );
  assert.equal(intersectHostnames('foo.example.com', ['*.example.com']), ['foo.example.com']);
  assert.equal(intersectHostnames('foo.example.com', ['*.com', 'foo.example.com']), ['foo.example.com']);
});

test('intersectHostnames: a wildcard never covers its own base name, in either direction', () => {
  assert.equal(intersectHostnames('foo.example.com', ['*.foo.example.com']), []);
  assert.equal(intersectHostnames('*.foo.example.com', ['foo.example.com']), []);
});

test('intersectHostnames: wildcards on both sides intersect only when one lies within the other', () => {
  assert.equal(intersectHostnames('*.example.com', ['*.a.example.com']), ['*.a.example.com']);
  assert.equal(intersectHostnames('*.a.example.com', ['*.example.com']), ['*.a.example.com']);
  assert.equal(intersectHostnames('*.example.com', ['*.ample.com']), [], 'no label boundary');
  assert.equal(intersectHostnames('*.example.com', ['*.example.org']), []);
});

test('hostnameWithin: set inclusion of hostname patterns', () => {
  assert.ok(hostnameWithin('a.example.com', '*.example.com'));
  assert.ok(hostnameWithin('*.a.example.com', '*.example.com'));
  assert.ok(hostnameWithin('*.example.com', '*.example.com'));
  assert.ok(hostnameWithin('anything.org', '*'));
  assert.ok(hostnameWithin('*', '*'));
  assert.not.ok(hostnameWithin('*', 'a.example.com'));
  assert.not.ok(hostnameWithin('*.example.com', 'a.example.com'));
  assert.not.ok(hostnameWithin('*.example.com', '*.a.example.com'));
  assert.not.ok(hostnameWithin('example.com', '*.example.com'));
  assert.not.ok(hostnameWithin('a.badexample.com', '*.example.com'));
});

test('compareHostSpecificity: exact, then longer wildcards, then "*" / none', () => {
  const sorted = ['*', '*.example.com', 'a.example.com', '*.b.example.com', undefined, 'z.org'].sort(compareHostSpecificity);
  assert.equal(sorted.slice(0, 4), ['a.example.com', 'z.org', '*.b.example.com', '*.example.com']);
  assert.equal(sorted.slice(4).map((h) => h ?? '*'), ['*', '*']);
});

test.run();
