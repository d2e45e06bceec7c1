// Client-facing hygiene and limits: one structure, so that the gateway-wide defaults (flags) and a
// later per-listener or per-route policy override are the same shape and merge field by field.
// Every field is optional here: absent means "the gateway's default".

/**
 * What to do with an encoded slash or backslash (%2F, %5C, or a raw "\") in a request path:
 * - Reject: 400 (default; a backend may decode it into a separator and see another path than the one routed),
 * - Keep: leave %2F and %5C encoded (a raw "\" becomes %5C) and route on the encoded form,
 * - DecodeAndRedirect: redirect (308) the client to the path with them decoded to "/".
 */
export type EncodedSlashAction = 'Reject' | 'Keep' | 'DecodeAndRedirect';

export interface ClientLimitsIR {
  path?: {
    encodedSlash?: EncodedSlashAction;
  };
}
