// Small checks shared by the SecurityPolicy sections.
import { SectionError } from '../references.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** An HTTP field name, lower-cased (the data plane looks headers up in lower case). */
export function headerName(name: string | undefined, field: string): string {
  if (!name || !TOKEN.test(name)) throw new SectionError(field, `"${name ?? ''}" is not a valid header name`, 'use letters, digits and "-"');
  return name.toLowerCase();
}

/** An IPv4 or IPv6 CIDR (a bare address is a /32 or /128), checked without node:net. */
export function cidr(value: string, field: string): string {
  const [addr, bits, extra] = value.split('/');
  const v4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(addr);
  let v6 = false;
  if (!v4 && addr.includes(':')) { try { new URL(`http://[${addr}]/`); v6 = true; } catch { v6 = false; } }
  const max = v4 ? 32 : 128;
  const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  if ((!v4 && !v6) || !okBits || extra !== undefined) throw new SectionError(field, `"${value}" is not an IPv4 or IPv6 CIDR`, 'write a CIDR like 10.0.0.0/8 or 2001:db8::/32');
  return bits === undefined ? `${addr}/${max}` : value;
}
