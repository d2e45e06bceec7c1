// The file provider: serves manifests from files/directories and follows their changes.
// Changes are noticed by a recursive watch (debounced) and, as a fallback for filesystems
// where watching is unreliable, by a periodic rescan; either way a rescan only re-reads
// files whose (inode, size, mtime) changed. A file that stops parsing keeps serving its
// last good objects, and its errors are reported as problems.
import { statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fromObjects } from '../../model/index.ts';
import type { Problem } from '../../translator/api.ts';
import { watchPaths, type Watch } from '../../runtime/index.ts';
import type { Provider, ProviderUpdate } from '../../pipeline.ts';
import { collectFiles, parseFileText, readManifestFile, type FileParse, type SourcedObject } from './reader.ts';
import { createMetadataTracker, identityOf } from './metadata.ts';
import { createAdmission } from './admission.ts';
import { createCoalescer } from '../../util/coalesce.ts';

export interface FileProviderOptions {
  paths: string[];
  /** The coalescing window: a lone change is read at once, more within this window after it. @default 50 */
  debounceMs?: number;
  /** Rescan interval; 0 disables polling. @default 2000 */
  pollMs?: number;
  /** Follow changes at all (false: one read, for the offline CLI verbs). @default true */
  watch?: boolean;
  /**
   * Refuse objects that fail CRD validation, as an API server would (keeping the last accepted
   * version of an updated object). `portico validate` turns this off to report, not filter.
   * @default true
   */
  admission?: boolean;
  /** Manifest texts that are not files (`-`: stdin), parsed once and served with the files. */
  inline?: { source: string; text: string }[];
  now?: () => string;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

interface FileState {
  stamp: string;
  /** The last parse without errors (what keeps serving). */
  good?: FileParse;
  errors: FileParse['errors'];
}

export function parseProblems(path: string, errors: FileParse['errors']): Problem[] {
  return errors.map((e) => ({
    severity: 'error' as const,
    ref: { group: '', kind: 'File', name: path },
    field: e.line ? `line ${e.line}` : '',
    reason: 'ParseError',
    message: e.message,
    fix: 'fix the YAML syntax; the last version of this file that parsed keeps serving',
  }));
}

export function createFileProvider(opts: FileProviderOptions): Provider & { rescan(): boolean } {
  const now = opts.now ?? (() => new Date().toISOString());
  const log = opts.log ?? (() => {});
  const tracker = createMetadataTracker(randomUUID);
  const admission = opts.admission === false ? undefined : createAdmission();
  const files = new Map<string, FileState>();
  let onUpdate: ((u: ProviderUpdate) => void) | undefined;
  let watch: Watch | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  // A lone edit is read at once; the burst of watch events one save makes (and bigger bursts) is
  // read again when the window closes. A file that lost objects on the leading edge may be a
  // writer that truncated and has not finished writing: it is judged on the trailing read.
  const coalescer = createCoalescer((edge) => safeRescan(edge === 'leading'), opts.debounceMs ?? 50);
  let closed = false;
  for (const { source, text } of opts.inline ?? []) {
    const parsed = parseFileText(source, text);
    files.set(source, { stamp: 'inline', good: parsed.errors.length > 0 ? undefined : parsed, errors: parsed.errors });
  }

  /**
   * Re-reads what changed; returns true when the served objects (or problems) changed. With
   * `provisional`, a file that lost objects is left as it was until the next read (see the coalescer).
   */
  function rescan(provisional = false): boolean {
    const { files: found, missing } = collectFiles(opts.paths);
    let changed = false;
    for (const path of [...files.keys()]) {
      if (files.get(path)!.stamp !== 'inline' && !found.includes(path)) { files.delete(path); changed = true; }
    }
    for (const path of found) {
      let stamp: string;
      try {
        const st = statSync(path);
        stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        continue;
      }
      const prev = files.get(path);
      if (prev && prev.stamp === stamp) continue;
      const parsed = readManifestFile(path);
      // Fewer objects than before, seen on the leading edge, may be a writer caught between
      // truncating and writing: confirmed (or replaced) by the trailing read one window later.
      if (provisional && prev?.good && parsed.objects.length < prev.good.objects.length) { coalescer.poke(); continue; }
      changed = true;
      if (parsed.errors.length > 0) {
        log('error', 'manifest file does not parse; keeping its last good version', { file: path, errors: parsed.errors });
        files.set(path, { stamp, good: prev?.good, errors: parsed.errors });
      } else {
        files.set(path, { stamp, good: parsed, errors: [] });
      }
    }
    if (changed) publish(missing);
    return changed;
  }

  function publish(missing: string[]): void {
    const problems: Problem[] = missing.map((p) => ({
      severity: 'error', ref: { group: '', kind: 'File', name: p }, field: '', reason: 'NotFound',
      message: 'manifest path does not exist', fix: 'create it or fix the --manifests argument',
    }));
    const byId = new Map<string, SourcedObject>();
    for (const [path, st] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      problems.push(...parseProblems(path, st.errors));
      for (const so of st.good?.objects ?? []) {
        const id = identityOf(so.object);
        if (!id) continue;
        const prev = byId.get(id);
        if (prev) {
          problems.push({
            severity: 'warning', ref: { group: '', kind: 'File', name: path }, field: '', reason: 'Duplicate',
            message: `${id} is also defined in ${prev.source}; the later file wins`,
          });
        }
        byId.set(id, { source: so.source, object: structuredClone(so.object) });
      }
    }
    let objects = [...byId.values()].map((s) => s.object);
    let lastGood: Record<string, string> = {};
    if (admission) {
      const admitted = admission.admit(objects);
      objects = admitted.objects;
      lastGood = admitted.lastGood;
      problems.push(...admitted.problems);
    }
    tracker.stamp(objects, now());
    const sources = new Map<string, string>();
    for (const [id, s] of byId) sources.set(id, s.source);
    const { snapshot } = fromObjects(objects);
    if (Object.keys(lastGood).length > 0) snapshot.lastGood = lastGood;
    onUpdate?.({ snapshot, problems, sources });
  }

  function schedule(): void {
    if (!closed) coalescer.poke();
  }

  function safeRescan(provisional = false): void {
    if (closed) return;
    try { rescan(provisional); } catch (err) { log('error', 'manifest rescan failed', { error: String(err) }); }
  }

  return {
    async start(cb) {
      onUpdate = cb;
      if (!rescan()) publish(collectFiles(opts.paths).missing);
      if (opts.watch === false) return;
      watch = watchPaths(opts.paths, schedule);
      const pollMs = opts.pollMs ?? 2000;
      if (pollMs > 0) {
        poll = setInterval(safeRescan, pollMs);
        poll.unref?.();
      }
    },
    async close() {
      closed = true;
      coalescer.cancel();
      clearInterval(poll);
      watch?.close();
    },
    rescan,
  };
}

/** One read of the manifests, exactly as the provider would first serve them. */
export async function readManifestsOnce(paths: string[], now?: () => string, admission = false, inline?: FileProviderOptions['inline']): Promise<ProviderUpdate> {
  let update: ProviderUpdate | undefined;
  const p = createFileProvider({ paths, watch: false, pollMs: 0, now, admission, inline });
  await p.start((u) => { update = u; });
  await p.close();
  return update!;
}
