// What every echo server of a pod shares: its identity (from env, as echo-basic reads it) and the
// request log that upstream's mirror tests grep ("Echoing back request made to ...").
import type { EchoPod } from '../pods.ts';

export interface RequestRecord { uri: string; remote: string; at: number }

export interface EchoContext {
  pod: EchoPod;
  env: Record<string, string>;
  records: RequestRecord[];
  /** /retry/ attempts per uuid. */
  retries: Map<string, number>;
  /** Resolves a file path from env (TLS_SERVER_CERT=/etc/secret-volume/crt) to its content. */
  file(path: string | undefined): string | undefined;
}

export function echoContext(pod: EchoPod): EchoContext {
  return {
    pod,
    env: pod.env,
    records: [],
    retries: new Map(),
    file: (p) => (p ? pod.files.get(p) : undefined),
  };
}

export interface Closer { close(): Promise<void> }
