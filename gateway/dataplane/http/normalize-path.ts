// Request path normalisation before matching (RFC 3986 §6.2.2): percent-encoded unreserved
// characters are decoded and the remaining escapes upper-cased, dot segments removed (§5.2.4),
// duplicate slashes merged; an encoded slash or backslash is rejected, kept or redirected per
// listener. The result is what routes match, what filters see and what goes upstream, so that
// "/x/../admin", "/%61dmin", "//admin" or "/%2e/admin" reach the route "/admin" would, and a
// backend never decodes a separator the gateway did not route on.
//
// Hot path: most paths need nothing; one scan without allocation tells, and returns the input.
import type { EncodedSlashAction } from '../../ir/index.ts';

export type PathVerdict =
  | { kind: 'ok'; path: string }
  | { kind: 'reject'; reason: string }
  | { kind: 'redirect'; path: string };

// RFC 3986 §2.3 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) UNRESERVED[c] = 1;
}

const HEX = '0123456789ABCDEF';

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Whether the path may need work: a '%', a '\', or a '/' followed by '/' or '.'. */
function needsWork(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */ || c === 92 /* \ */) return true;
    if (c === 47 /* / */) {
      const n = path.charCodeAt(i + 1);
      if (n === 47 || n === 46 /* . */) return true;
    }
  }
  return false;
}

/** Reused answer for the common case: callers read it at once and never keep it. */
const OK: { kind: 'ok'; path: string } = { kind: 'ok', path: '' };

export function normalizePath(path: string, encodedSlash: EncodedSlashAction): PathVerdict {
  if (path.charCodeAt(0) !== 47 || !needsWork(path)) {
    // Not origin-form ("*" for OPTIONS) or already normal.
    OK.path = path;
    return OK;
  }
  let out = '';
  let redirect = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 92 /* raw backslash */) {
      if (encodedSlash === 'Reject') return { kind: 'reject', reason: 'backslash in path' };
      if (encodedSlash === 'Keep') out += '%5C';
      else { out += '/'; redirect = true; }
      continue;
    }
    if (c !== 37) {
      out += path[i];
      continue;
    }
    const hi = hexValue(path.charCodeAt(i + 1));
    const lo = hexValue(path.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return { kind: 'reject', reason: 'invalid percent-encoding in path' };
    const byte = hi * 16 + lo;
    i += 2;
    if (byte === 0x2f || byte === 0x5c) {
      if (encodedSlash === 'Reject') return { kind: 'reject', reason: 'encoded slash or backslash in path' };
      if (encodedSlash === 'Keep') out += byte === 0x2f ? '%2F' : '%5C';
      else { out += '/'; redirect = true; }
    } else if (byte < 128 && UNRESERVED[byte] === 1) {
      out += String.fromCharCode(byte);
    } else {
      out += '%' + HEX[hi] + HEX[lo];
    }
  }
  const normal = removeDotSegments(out);
  return redirect ? { kind: 'redirect', path: normal } : { kind: 'ok', path: normal };
}

/** RFC 3986 §5.2.4 on an absolute path, with empty segments (duplicate slashes) merged. */
export function removeDotSegments(path: string): string {
  const segs = path.split('/');
  const out: string[] = [];
  const last = segs.length - 1;
  // segs[0] is the empty string before the leading '/'.
  for (let i = 1; i <= last; i++) {
    const s = segs[i]!;
    if (s === '.' || s === '..') {
      if (s === '..') out.pop();
      // "/a/." and "/a/b/.." name a directory: keep the trailing slash.
      if (i === last) out.push('');
    } else if (s !== '' || i === last) {
      out.push(s);
    }
  }
  return '/' + out.join('/');
}
