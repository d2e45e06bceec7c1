// The CEL environment the Kubernetes API server gives CRD validation rules: the CEL standard
// library, the strings extension, and the Kubernetes libraries the Gateway API rules call
// (ip/cidr predicates, url, `format.*().validate()`). Regexes (`matches`) run on re2js, so a
// tenant-supplied string can never make a rule backtrack exponentially.
import { celEnv, celFunc, celMethod, CelScalar, type CelEnv, type CelFunc } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from 're2js';

const regexCache = new Map<string, RE2JS>();

function re2(pattern: string): RE2JS {
  let re = regexCache.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    regexCache.set(pattern, re);
  }
  return re;
}

// ------------------------------------------------------------------ ip / cidr (k8s "ip" library)

// Go's netip.ParseAddr, which Kubernetes uses: dotted quads without leading zeros, and IPv6
// without zones. The IPv4-in-IPv6 tail form is accepted as Go does.
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (s.includes('%') || !s.includes(':')) return false;
  let head = s;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    // The dotted tail stands for two 16-bit groups.
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const parts = halves.flatMap(groups);
  if (!parts.every((p) => /^[0-9a-fA-F]{1,4}$/.test(p))) return false;
  return halves.length === 2 ? parts.length <= 7 : parts.length === 8;
}

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const addr = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bits)) return false;
  if (isIPv4(addr)) return Number(bits) <= 32;
  return isIPv6(addr) && Number(bits) <= 128;
}

// ------------------------------------------------------------------ url (k8s "url" library)

function isURL(s: string): boolean {
  // Go's url.ParseRequestURI: an absolute URL, or an absolute path.
  if (s.startsWith('/')) return !/\s/.test(s);
  try {
    new URL(s);
    return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s);
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ format library

// `format.<name>()` yields a format value; `.validate(s)` returns null when s is valid, or the
// list of error strings Kubernetes' apimachinery validators would return.
const FORMAT_TAG = '\u0000k8s-format:';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const formats: Record<string, (s: string) => string[]> = {
  dns1123Label: (s) => [
    ...(s.length > 63 ? ['must be no more than 63 characters'] : []),
    ...(DNS1123_LABEL.test(s) ? [] : ["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]),
  ],
  dns1123Subdomain: (s) => [
    ...(s.length > 253 ? ['must be no more than 253 characters'] : []),
    ...(DNS1123_SUBDOMAIN.test(s) ? [] : ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"]),
  ],
  dns1035Label: (s) => [
    ...(s.length > 63 ? ['must be no more than 63 characters'] : []),
    ...(DNS1035_LABEL.test(s) ? [] : ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"]),
  ],
  qualifiedName: (s) => {
    const parts = s.split('/');
    const name = parts[parts.length - 1];
    const errs: string[] = [];
    if (parts.length > 2) errs.push("a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'");
    if (parts.length === 2 && formats.dns1123Subdomain(parts[0]).length > 0) errs.push('prefix part must be a lowercase RFC 1123 subdomain');
    if (name.length > 63) errs.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME_PART.test(name)) errs.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
    return errs;
  },
  labelValue: (s) => [
    ...(s.length > 63 ? ['must be no more than 63 characters'] : []),
    ...(LABEL_VALUE.test(s) ? [] : ["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"]),
  ],
};

const formatFuncs: CelFunc[] = Object.keys(formats).map((name) =>
  celFunc(`format.${name}`, [], CelScalar.STRING, () => FORMAT_TAG + name),
);

const validateMethod = celMethod('validate', CelScalar.STRING, [CelScalar.STRING], CelScalar.DYN, function (value) {
  if (!this.startsWith(FORMAT_TAG)) throw new Error('validate() is only defined on format.<name>() values');
  const errs = formats[this.slice(FORMAT_TAG.length)](value);
  return errs.length === 0 ? null : errs;
});

const kubeFuncs: CelFunc[] = [
  celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, isIP),
  celFunc('isCIDR', [CelScalar.STRING], CelScalar.BOOL, isCIDR),
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, isURL),
  ...formatFuncs,
  validateMethod,
];

let env: CelEnv | undefined;

/** The one shared environment (built lazily: the function tables are not free to build). */
export function kubeCelEnv(): CelEnv {
  env ??= celEnv({
    funcs: [...strings, ...kubeFuncs],
    re2: { compile: (pattern: string) => {
      const re = re2(pattern);
      return { test: (text: string) => re.matcher(text).find() };
    } },
  });
  return env;
}
