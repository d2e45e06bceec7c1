// The file provider: serves manifests from files/directories and follows their changes.
// Changes are noticed by a recursive watch (debounced) and, as a fallback for filesystems
// where watching is unreliable, by a periodic rescan; either way a rescan only re-reads
// files whose (inode, size, mtime) changed. A file that stops parsing keeps serving its
// last good objects, and its errors are reported as problems.
import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { assembleSnapshot, normalizeInPlace, type KubeObject, type SnapshotKey } from '../../model/index.ts';
import type { Problem } from '../../translator/api.ts';
import { watchPaths, type Watch } from '../../runtime/index.ts';
import type { Provider, ProviderUpdate } from '../../pipeline.ts';
import { collectFiles, collectFilesAsync, isManifestName, parseFileText, readManifestFile, type FileParse, type SourcedObject } from './reader.ts';
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

interface Processed {
  /** The parsed object this was made from. */
  src: Record<string, any>;
  problems: Problem[];
  lastGood?: string;
  served?: { key: SnapshotKey; object: KubeObject };
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

export function createFileProvider(opts: FileProviderOptions): Provider & { rescan(): boolean; poll(): Promise<void> } {
  const now = opts.now ?? (() => new Date().toISOString());
  const log = opts.log ?? (() => {});
  const tracker = createMetadataTracker(randomUUID);
  const admission = opts.admission === false ? undefined : createAdmission();
  const files = new Map<string, FileState>();
  // What each object became (private copy, admitted, stamped, normalized), kept while its file
  // is unchanged: a change to one file costs that file, and every other object keeps its
  // identity in the next snapshot (the incremental translator keys on it).
  let processed = new Map<string, Processed>();
  // Paths in sorted order (a later file wins a duplicate), kept sorted as files come and go.
  const order: string[] = [];
  // What the watch named since the last read ('all': it could not say, or a directory changed):
  // a change to one file then costs reading that file, not listing thousands.
  let dirty: Set<string> | 'all' = new Set();
  let missingPaths: string[] = [];
  const roots = opts.paths.map((p) => resolve(p));

  let onUpdate: ((u: ProviderUpdate) => void) | undefined;
  let watch: Watch | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  // A lone edit is read at once; the burst of watch events one save makes (and bigger bursts) is
  // read again when the window closes. A file that lost objects on the leading edge may be a
  // writer that truncated and has not finished writing: it is judged on the trailing read.
  const coalescer = createCoalescer((edge) => {
    const which = dirty;
    dirty = new Set();
    safeRescan(edge === 'leading', which);
  }, opts.debounceMs ?? 50);
  let closed = false;
  for (const { source, text } of opts.inline ?? []) {
    const parsed = parseFileText(source, text);
    files.set(source, { stamp: 'inline', good: parsed.errors.length > 0 ? undefined : parsed, errors: parsed.errors });
    track(source, true);
  }

  /**
   * Re-reads what changed; returns true when the served objects (or problems) changed. With
   * `provisional`, a file that lost objects is left as it was until the next read (see the
   * coalescer). `which` narrows the read to the paths the watch named; 'all' lists every file.
   */
  function rescan(provisional = false, which: Set<string> | 'all' = 'all'): boolean {
    let changed = false;
    if (which === 'all') {
      const { files: found, missing } = collectFiles(opts.paths);
      missingPaths = missing;
      const present = new Set(found);
      for (const path of [...files.keys()]) {
        if (files.get(path)!.stamp !== 'inline' && !present.has(path)) { forget(path); changed = true; }
      }
      for (const path of found) if (readOne(path, provisional)) changed = true;
    } else {
      for (const path of which) {
        let st: Stats | undefined;
        try { st = statSync(path); } catch { st = undefined; }
        // A directory came or went: list everything again.
        if (st?.isDirectory()) return rescan(provisional, 'all') || changed;
        if (st === undefined) {
          if (files.get(path)?.stamp !== undefined && files.get(path)!.stamp !== 'inline') { forget(path); changed = true; }
          continue;
        }
        if (isManifestName(path) && readOne(path, provisional, st)) changed = true;
      }
    }
    if (changed) publish(missingPaths);
    return changed;
  }

  function forget(path: string): void {
    files.delete(path);
    track(path, false);
  }

  /** Reads one file if its (inode, size, mtime) changed; true when what it serves changed. */
  function readOne(path: string, provisional: boolean, known?: Stats): boolean {
    let stamp: string;
    try {
      const st = known ?? statSync(path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return false;
    }
    const prev = files.get(path);
    if (prev && prev.stamp === stamp) return false;
    const parsed = readManifestFile(path);
    // Fewer objects than before, seen on the leading edge, may be a writer caught between
    // truncating and writing: confirmed (or replaced) by the trailing read one window later.
    if (provisional && prev?.good && parsed.objects.length < prev.good.objects.length) {
      if (dirty !== 'all') dirty.add(path);
      coalescer.poke();
      return false;
    }
    if (parsed.errors.length > 0) {
      log('error', 'manifest file does not parse; keeping its last good version', { file: path, errors: parsed.errors });
      files.set(path, { stamp, good: prev?.good, errors: parsed.errors });
    } else {
      files.set(path, { stamp, good: parsed, errors: [] });
    }
    track(path, true);
    return true;
  }

  /**
   * Whether a path the watch named can matter: under a directory given (outside dot-directories
   * and node_modules, which the scan skips) or a file given; the given paths themselves (created,
   * removed) call for a full read.
   */
  function relevant(path: string): 'skip' | 'file' | 'all' {
    for (const root of roots) {
      if (path === root) return 'all';
      if (!path.startsWith(root + sep)) continue;
      const rel = path.slice(root.length + 1).split(sep);
      return rel.some((seg) => seg.startsWith('.') || seg === 'node_modules') ? 'skip' : 'file';
    }
    return 'skip';
  }

  function publish(missing: string[]): void {
    const problems: Problem[] = missing.map((p) => ({
      severity: 'error', ref: { group: '', kind: 'File', name: p }, field: '', reason: 'NotFound',
      message: 'manifest path does not exist', fix: 'create it or fix the --manifests argument',
    }));
    const byId = new Map<string, SourcedObject>();
    for (const path of order) {
      const st = files.get(path)!;
      if (st.errors.length > 0) problems.push(...parseProblems(path, st.errors));
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
        byId.set(id, so);
      }
    }
    const next = new Map<string, Processed>();
    const served: { key: SnapshotKey; object: KubeObject }[] = [];
    const lastGood: Record<string, string> = {};
    const sources = new Map<string, string>();
    const stampTime = now();
    const stamped = new Set<string>();
    for (const [id, so] of byId) {
      let p = processed.get(id);
      if (p === undefined || p.src !== so.object) p = processOne(so.object, stampTime);
      next.set(id, p);
      sources.set(id, so.source);
      problems.push(...p.problems);
      if (p.lastGood !== undefined) lastGood[id] = p.lastGood;
      if (p.served) { served.push(p.served); stamped.add(id); }
    }
    processed = next;
    admission?.retain(new Set(byId.keys()));
    tracker.retain(stamped);
    const snapshot = assembleSnapshot(served);
    if (Object.keys(lastGood).length > 0) snapshot.lastGood = lastGood;
    onUpdate?.({ snapshot, problems, sources });
  }

  /**
   * A new or changed object: admitted (or its last good version), stamped, normalized. `src` is
   * the file's parse, never changed: admission keeps it as the last good version, and what is
   * stamped and served is one private copy.
   */
  function processOne(src: Record<string, any>, stampTime: string): Processed {
    let object: Record<string, any> | undefined = src;
    let problems: Problem[] = [];
    let lastGood: string | undefined;
    if (admission) ({ object, problems, lastGood } = admission.admitOne(src));
    if (!object) return { src, problems, lastGood };
    const copy = structuredClone(object);
    tracker.stampOne(copy, stampTime);
    return { src, problems, lastGood, served: normalizeInPlace(copy) };
  }

  function track(path: string, present: boolean): void {
    let lo = 0, hi = order.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (order[mid]! < path) lo = mid + 1; else hi = mid; }
    const there = order[lo] === path;
    if (present && !there) order.splice(lo, 0, path);
    else if (!present && there) order.splice(lo, 1);
  }

  function schedule(path?: string): void {
    if (closed) return;
    const what = path === undefined ? 'all' : relevant(resolve(path));
    if (what === 'skip') return;
    if (what === 'all' || dirty === 'all') dirty = 'all';
    else dirty.add(resolve(path!));
    coalescer.poke();
  }

  /**
   * The periodic rescan (the fallback for a watch that misses changes): listed and stat'ed off the
   * event loop, then only the files whose (inode, size, mtime) differ are read, as the watch path
   * reads them. A full synchronous rescan of thousands of files took tens of milliseconds of the
   * event loop every poll, and a change arriving meanwhile waited for it.
   */
  let polling = false;
  async function poll(): Promise<void> {
    if (polling || closed) return;
    polling = true;
    try {
      const { files: found, missing } = await collectFilesAsync(opts.paths);
      const changed = new Set<string>();
      const present = new Set(found);
      for (const [path, st] of files) if (st.stamp !== 'inline' && !present.has(path)) changed.add(path);
      const BATCH = 256;
      for (let i = 0; i < found.length; i += BATCH) {
        await Promise.all(found.slice(i, i + BATCH).map(async (path) => {
          try {
            const st = await stat(path);
            if (files.get(path)?.stamp !== `${st.ino}:${st.size}:${st.mtimeMs}`) changed.add(path);
          } catch {
            changed.add(path);
          }
        }));
      }
      if (closed) return;
      // A path given directly is read whatever its name: the full read handles it, as before.
      if (missing.join('\0') !== missingPaths.join('\0') || [...changed].some((p) => !isManifestName(p))) safeRescan(false, 'all');
      else if (changed.size > 0) safeRescan(false, changed);
    } catch (err) {
      log('error', 'manifest rescan failed', { error: String(err) });
    } finally {
      polling = false;
    }
  }

  function safeRescan(provisional = false, which: Set<string> | 'all' = 'all'): void {
    if (closed) return;
    try { rescan(provisional, which); } catch (err) { log('error', 'manifest rescan failed', { error: String(err) }); }
  }

  return {
    async start(cb) {
      onUpdate = cb;
      if (!rescan()) publish(missingPaths);
      if (opts.watch === false) return;
      watch = watchPaths(opts.paths, schedule);
      const pollMs = opts.pollMs ?? 2000;
      if (pollMs > 0) {
        timer = setInterval(() => void poll(), pollMs);
        timer.unref?.();
      }
    },
    async close() {
      closed = true;
      coalescer.cancel();
      clearInterval(timer);
      watch?.close();
    },
    rescan,
    poll,
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
