// Manifests as they were at a git revision: `portico diff main..HEAD dist/`. The files under the
// path at that commit are copied into a temporary directory, so the same file reader (and so
// the same parsing and problems) serves a revision and a working tree. git runs with an argument
// list, never a shell string, and a revision may not start with "-" (it would be an option).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export class RevisionError extends Error {}

function git(args: string[], cwd: string, input?: string): Promise<Buffer> {
  return new Promise((done, fail) => {
    const child = spawn('git', args, { cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c) => (err += c));
    child.on('error', (e) => fail(new RevisionError(`cannot run git: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? done(Buffer.concat(out)) : fail(new RevisionError(`git ${args[0]} failed: ${err.trim() || `exit ${code}`}`))));
    if (input !== undefined) {
      // git may exit before reading everything (a bad object): its exit code tells, not EPIPE.
      child.stdin!.on('error', () => {});
      child.stdin!.end(input);
    }
  });
}

export interface RevisionTree {
  /** The resolved commit. */
  commit: string;
  /** The temporary directory holding the files (repository-relative layout). */
  root: string;
  /** `paths` as they lie under root (missing ones are empty directories: nothing there at that revision). */
  paths: string[];
  close(): void;
}

/** Copies the files under `paths` (relative to `cwd`) at `revision` into a temporary directory. */
export async function readRevision(revision: string, paths: string[], cwd: string): Promise<RevisionTree> {
  if (revision === '' || revision.startsWith('-')) throw new RevisionError(`"${revision}" is not a git revision`);
  const commit = (await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`], cwd).catch(() => {
    throw new RevisionError(`"${revision}" is not a commit in the git repository at ${cwd}; fetch it first (e.g. git fetch origin ${revision})`);
  })).toString().trim();
  const prefix = (await git(['rev-parse', '--show-prefix'], cwd)).toString().trim();
  const names = (await git(['ls-tree', '-r', '-z', '--full-name', '--name-only', commit, '--', ...paths], cwd)).toString().split('\0').filter(Boolean);
  const root = mkdtempSync(join(tmpdir(), 'portico-rev-'));
  try {
    if (names.length > 0) {
      // One git process for every blob: "<sha> blob <size>\n<bytes>\n" per requested object.
      const out = await git(['cat-file', '--batch'], cwd, names.map((n) => `${commit}:${n}\n`).join(''));
      let at = 0;
      for (const name of names) {
        const eol = out.indexOf(10, at);
        const header = out.subarray(at, eol).toString();
        const m = /^\S+ (\w+) (\d+)$/.exec(header);
        if (!m) throw new RevisionError(`git cat-file: unexpected answer "${header}" for ${name}`);
        const size = Number(m[2]);
        const body = out.subarray(eol + 1, eol + 1 + size);
        at = eol + 1 + size + 1;
        if (m[1] !== 'blob') continue;
        const file = join(root, name);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, body);
      }
    }
    const under = paths.map((p) => join(root, prefix, p));
    for (const p of under) mkdirSync(p.endsWith('.yaml') || p.endsWith('.yml') || p.endsWith('.json') ? dirname(p) : p, { recursive: true });
    return { commit, root, paths: under, close: () => rmSync(root, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}
