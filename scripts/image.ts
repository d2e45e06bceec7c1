// `npm run image`: builds one image per images/*.Containerfile (localhost/portico-<name>:<version>)
// with podman. The build context is staged on the host, so the image holds no compiler and no
// package manager: `npm run build`, `npm pack`, then the tarball installed with --omit=dev into
// <stage>/app, which the Containerfile copies.
//
//   npm run image                                  build every image FROM its Containerfile's default BASE
//   npm run image -- --base node=IMAGE             FROM another base (repeatable, one per image)
//   npm run image -- --ci-base                     FROM bases made here: mmdebstrap (Debian packages only)
//                                                  + the node/deno binaries of the npm devDependencies
//   npm run image -- --only node --tag 0.1.0-dev   one image, another tag
//
// Podman runs with --runtime runc --cgroup-manager cgroupfs (see docs/field-notes.md).
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
export const PODMAN = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;

/** The images to build: every images/*.Containerfile, by name ("node" for node.Containerfile). */
export function containerfiles(): { name: string; file: string }[] {
  return readdirSync(join(root, 'images')).filter((f) => f.endsWith('.Containerfile')).sort()
    .map((f) => ({ name: basename(f, '.Containerfile'), file: join(root, 'images', f) }));
}

export const imageRef = (name: string, tag = version) => `localhost/portico-${name}:${tag}`;

function run(cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string {
  return String(execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20, ...opts }) ?? '');
}

/** <stage>/app: the packed package installed with production dependencies only. */
export function stageApp(stage: string): void {
  run('npm', ['run', 'build', '--silent']);
  const tgz = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', stage]).trim().split('\n').pop()!;
  const app = join(stage, 'app');
  mkdirSync(app, { recursive: true });
  // A package.json of its own: Deno finds node_modules through it, and npm installs into it.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'portico-image', private: true, type: 'module', dependencies: { portico: `file:../${tgz}` } }, null, 2));
  run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], { cwd: app });
  // The image needs the installed tree, not the tarball reference.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'portico-image', private: true, type: 'module' }, null, 2));
}

/** The binary each CI base gets from the npm devDependencies, and where. */
const RUNTIME_BINARIES: Record<string, string> = {
  node: join(root, 'node_modules', 'node', 'bin', 'node'),
  deno: join(root, 'node_modules', '@deno', 'linux-x64-glibc', 'deno'),
};

/**
 * Which runtime binary an image's CI base gets: its name ("node", "deno"), or the Containerfile's
 * `# ci-base: node|deno` line (an image such as an Argo CD plugin that runs on Node too).
 */
export function ciBaseRuntime(name: string): string {
  const file = containerfiles().find((f) => f.name === name)?.file;
  const declared = file ? /^#\s*ci-base:\s*([a-z]+)\s*$/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
  return declared ?? name;
}

/**
 * Bases made here (no registry), for the images that declare `# ci-base:`: a Debian root filesystem of libc, libgcc, libstdc++ and their
 * dependencies, extracted by mmdebstrap (no shell, no dpkg, no apt in it), plus one runtime binary
 * in /usr/local/bin. Built once per call; returns name → base image.
 */
export function makeCiBases(names: string[], tag = 'ci'): Record<string, string> {
  const work = mkdtempSync(join(tmpdir(), 'portico-base-'));
  try {
    const rootfs = join(work, 'rootfs.tar');
    run('mmdebstrap', ['--quiet', '--variant=extract', '--include=libc6,libgcc-s1,libstdc++6,base-files,netbase', 'bookworm', rootfs]);
    const out: Record<string, string> = {};
    for (const name of names) {
      const runtime = ciBaseRuntime(name);
      const binary = RUNTIME_BINARIES[runtime];
      // An image whose base needs more than a runtime binary (a shell, npm) brings its own via --base.
      if (!binary) { process.stderr.write(`no CI base for image ${name} (no "# ci-base: node|deno" line): pass --base ${name}=IMAGE\n`); continue; }
      const tar = join(work, `${name}.tar`);
      copyFileSync(rootfs, tar);
      const bin = join(work, name, 'usr', 'local', 'bin');
      mkdirSync(bin, { recursive: true });
      copyFileSync(binary, join(bin, runtime));
      run('tar', ['--append', '--file', tar, '--owner=0', '--group=0', '--mode=0755', '-C', join(work, name), './usr/local/bin']);
      const ref = `localhost/portico-base-${name}:${tag}`;
      run('podman', [...PODMAN, 'import', '--quiet', tar, ref]);
      out[name] = ref;
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds the named images (all by default); returns name → image reference. */
export function buildImages(o: { only?: string[]; bases?: Record<string, string>; tag?: string; log?: (line: string) => void } = {}): Record<string, string> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const files = containerfiles().filter((f) => !o.only?.length || o.only.includes(f.name));
  if (files.length === 0) throw new Error(`no images/*.Containerfile matches ${o.only?.join(', ')}`);
  const stage = mkdtempSync(join(tmpdir(), 'portico-image-'));
  try {
    log('staging the compiled package with production dependencies');
    stageApp(stage);
    const out: Record<string, string> = {};
    for (const f of files) {
      const ref = imageRef(f.name, o.tag);
      const base = o.bases?.[f.name];
      log(`building ${ref}${base ? ` FROM ${base}` : ''}`);
      run('podman', [...PODMAN, 'build', '--quiet', '--file', f.file, '--tag', ref, ...(base ? ['--build-arg', `BASE=${base}`] : []), stage]);
      out[f.name] = ref;
    }
    return out;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { base: { type: 'string', multiple: true }, 'ci-base': { type: 'boolean' }, only: { type: 'string', multiple: true }, tag: { type: 'string' } },
  });
  let only = values.only ?? containerfiles().map((f) => f.name);
  const bases: Record<string, string> = values['ci-base'] ? makeCiBases(only) : {};
  for (const b of values.base ?? []) {
    const [name, image] = b.split('=', 2);
    if (!name || !image) throw new Error(`--base wants NAME=IMAGE, got ${b}`);
    bases[name] = image;
  }
  // With --ci-base and no --only, "every image" means every image a base can be made for here:
  // one that needs a registry base (and got no --base) is skipped with a line, not a failed build.
  if (values['ci-base'] && !values.only) {
    const skipped = only.filter((name) => !bases[name]);
    for (const name of skipped) process.stderr.write(`skipping ${name}: no CI base can be made for it here; pass --base ${name}=IMAGE to build it\n`);
    only = only.filter((name) => bases[name]);
  }
  const built = buildImages({ only, bases, tag: values.tag });
  for (const [name, ref] of Object.entries(built)) console.log(`${name}\t${ref}`);
}
