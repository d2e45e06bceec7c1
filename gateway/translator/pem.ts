// Just enough PEM handling to tell a usable certificate Secret from a broken one without any
// crypto library (the translator stays pure); the data plane parses the certificates for real.
import type { Secret } from '../model/index.ts';

export function decodePemData(secret: Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const b64 = secret.data?.[key];
  if (b64 === undefined) return undefined;
  try {
    return atob(b64.replace(/\s+/g, ''));
  } catch {
    return undefined;
  }
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/g;

function blocks(pem: string): { label: string; body: string }[] {
  const out: { label: string; body: string }[] = [];
  for (const m of pem.matchAll(BLOCK)) out.push({ label: m[1], body: m[2].replace(/\s+/g, '') });
  return out;
}

function decodes(body: string): boolean {
  try {
    return body.length > 0 && atob(body).length > 0;
  } catch {
    return false;
  }
}

export function looksLikeCertificate(pem: string): boolean {
  const bs = blocks(pem);
  return bs.length > 0 && bs.every((b) => b.label === 'CERTIFICATE' && decodes(b.body));
}

export function looksLikePrivateKey(pem: string): boolean {
  const bs = blocks(pem).filter((b) => b.label.endsWith('PRIVATE KEY'));
  return bs.length === 1 && decodes(bs[0].body);
}
