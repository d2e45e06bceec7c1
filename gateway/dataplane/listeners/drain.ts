// Waits for a set of sockets to close on their own, polling every 100 ms, and destroys what is
// left at the deadline. The timer stays ref'd on purpose: a drain is bounded and must complete.
import type { Socket } from 'node:net';

export function drainSockets(sockets: ReadonlySet<Socket>, drainMs: number, beforeCheck?: () => void): Promise<void> {
  const deadline = Date.now() + drainMs;
  return new Promise<void>((resolve) => {
    const check = (): boolean => {
      beforeCheck?.();
      if (sockets.size > 0 && Date.now() < deadline) return false;
      for (const s of sockets) s.destroy();
      resolve();
      return true;
    };
    if (check()) return;
    const tick = setInterval(() => {
      if (check()) clearInterval(tick);
    }, 100);
  });
}
