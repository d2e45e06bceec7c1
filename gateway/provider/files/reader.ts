// Finds and parses manifest files. Shared by the file provider and the offline CLI verbs
// (validate, translate), so both see exactly the same objects.
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseManifests, type ManifestError } from '../../model/index.ts';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Whether a file found in a directory is read as manifests (by its name). */
export function isManifestName(path: string): boolean {
  return EXTENSIONS.some((e) => path.endsWith(e));
}

export interface SourcedObject {
  source: string;
  object: Record<string, any>;
}

export interface FileParse {
  path: string;
  objects: SourcedObject[];
  errors: ManifestError[];
}

/** Every manifest file under `paths` (files given directly are taken whatever their name), sorted. */
export function collectFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files = new Set<string>();
  const missing: string[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[];
    // An unreadable directory is skipped rather than failing the whole scan.
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const name = e.name;
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = join(dir, name);
      // The entry's type comes with the listing; only a symbolic link needs a stat to follow it
      // (a rescan of thousands of files must not stat each one twice).
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        try { isDir = statSync(full).isDirectory(); } catch { continue; }
      }
      if (isDir) walk(full);
      else if (isManifestName(name)) files.add(full);
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    let st;
    try { st = statSync(abs); } catch { missing.push(p); continue; }
    if (st.isDirectory()) walk(abs);
    else files.add(abs);
  }
  return { files: [...files].sort(), missing };
}

/**
 * collectFiles() without blocking: the listing and stats run on the I/O threads, so a periodic
 * rescan of thousands of files does not hold the event loop (and the next change) for tens of
 * milliseconds. Same files, same order.
 */
export async function collectFilesAsync(paths: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files = new Set<string>();
  const missing: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
    const subdirs: string[] = [];
    for (const e of entries) {
      const name = e.name;
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = join(dir, name);
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        try { isDir = (await stat(full)).isDirectory(); } catch { continue; }
      }
      if (isDir) subdirs.push(full);
      else if (isManifestName(name)) files.add(full);
    }
    for (const d of subdirs) await walk(d);
  };
  for (const p of paths) {
    const abs = resolve(p);
    let st;
    try { st = await stat(abs); } catch { missing.push(p); continue; }
    if (st.isDirectory()) await walk(abs);
    else files.add(abs);
  }
  return { files: [...files].sort(), missing };
}

/** Flattens `kind: *List` wrappers so every entry is one object. */
function flatten(value: unknown, out: Record<string, any>[]): void {
  if (typeof value !== 'object' || value === null) return;
  const v = value as Record<string, any>;
  if (Array.isArray(v.items) && String(v.kind ?? '').endsWith('List')) {
    for (const item of v.items) flatten(item, out);
    return;
  }
  out.push(v);
}

export function parseFileText(path: string, text: string): FileParse {
  const { objects, errors } = parseManifests(text, path);
  const flat: Record<string, any>[] = [];
  for (const o of objects) flatten(o, flat);
  return { path, objects: flat.map((object) => ({ source: path, object })), errors };
}

export function readManifestFile(path: string): FileParse {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { path, objects: [], errors: [{ source: path, message: (err as Error).message }] };
  }
  return parseFileText(path, text);
}

/** A manifest file's text (for pointing at lines), or undefined when it cannot be read. */
export function readManifestText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
