// Which directories to watch for a list of manifest paths: directories recursively, a file
// through its parent directory (an atomic rename replaces the inode a file watch is bound to),
// a missing path through its parent too. Each directory once. Shared by node.ts and deno.ts.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

export function watchTargets(paths: string[]): { dir: string; recursive: boolean }[] {
  const out: { dir: string; recursive: boolean }[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    let dir = p;
    let recursive = true;
    try {
      if (!statSync(p).isDirectory()) { dir = dirname(p); recursive = false; }
    } catch {
      dir = dirname(p);
      recursive = false;
    }
    const id = `${dir}|${recursive}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ dir, recursive });
  }
  return out;
}
