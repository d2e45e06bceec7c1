// The SIGTERM drain, in the order a load balancer needs it:
//   1. /readyz answers 503 (the endpoint leaves the Service's ready set), the config source stops;
//      HTTP/1.1 answers carry `Connection: close` and HTTP/2 sessions get GOAWAY, so clients
//      reconnect, to another replica once the 503 has propagated;
//   2. after `delayMs` the listeners stop accepting; idle keep-alive connections are closed;
//   3. in-flight requests, streams, WebSockets and TCP connections finish, and whatever is
//      still open when `timeoutMs` (counted from the signal) is up is cut;
//   4. the admin server closes; the caller exits 0.
// The whole sequence fits in timeoutMs, so a pod's terminationGracePeriodSeconds of the same
// value is never hit by the drain itself.
import type { Dataplane } from '../dataplane/api.ts';
import type { AdminState } from '../admin/server.ts';
import type { Pipeline } from '../pipeline.ts';
import type { Logger } from '../admin/log.ts';

export interface DrainOptions {
  /** From the signal to the listeners closing. */
  delayMs: number;
  /** From the signal to the last connection being cut. */
  timeoutMs: number;
}

export interface DrainParts {
  adminState: AdminState;
  /** Closes the admin (and probe) servers, last. */
  closeAdmin(): Promise<void>;
  pipeline: Pipeline;
  dataplane: Dataplane;
}

export async function drainAndStop(parts: DrainParts, o: DrainOptions, log: Logger): Promise<void> {
  const started = Date.now();
  parts.adminState.draining = true;
  parts.dataplane.drain();
  log('info', 'draining', { delayMs: o.delayMs, timeoutMs: o.timeoutMs });
  // The config source (and a Kubernetes Lease) is released while the delay runs; a provider
  // that does not stop in time must not hold the drain up.
  const stopped = parts.pipeline.stop().catch((err: unknown) => log('warn', 'config source did not stop cleanly', { error: String(err) }));
  const left = () => Math.max(0, o.timeoutMs - (Date.now() - started));
  // Stopped before the data plane closes, so no late apply() can open a socket again.
  await Promise.race([stopped, sleep(left(), true)]);
  await sleep(Math.min(left(), Math.max(0, o.delayMs - (Date.now() - started))));
  log('info', 'listeners closed; waiting for open connections', { remainingMs: left() });
  await parts.dataplane.close(left());
  log('info', 'drained', { ms: Date.now() - started });
  await parts.closeAdmin();
}

/** unref: a bound on something else must not keep the process alive once that is done. */
function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((r) => {
    if (ms <= 0) return r();
    const t = setTimeout(r, ms);
    if (unref) t.unref();
  });
}
