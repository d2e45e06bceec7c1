// A clone of Portico must work on its own: no file of the project may read or link a path that
// climbs out of the repository, or an absolute path into one team's machine layout. Paths such as
// /tmp, ~/.kube/config and system paths are fine; vendored upstream data is checked too, since the
// runner reads it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '../..');
const inside = (abs: string) => abs === root || abs.startsWith(root + '/');

/** Files git tracks plus the untracked ones it does not ignore: what a commit would carry. */
function projectFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
  return out.toString('utf8').split('\0').filter((f) => f && f !== 'package-lock.json');
}

// A relative path literal (in quotes, backticks or a Markdown link) is resolved against the file
// that holds it and must stay inside the repository; the side folder's name and a machine's
// workspace layout are refused wherever they appear.
const RELATIVE = /['"`(]((?:\.\.\/)*\.\.(?:\/[^'"`\s)]*)?)['"`)]/g;
const SIDE_FOLDER = new RegExp(['\\.\\./', 'shared\\b'].join(''));
const MACHINE = new RegExp(['(?:^|[\\s\'"`(=:])/', 'work/[A-Za-z0-9_.-]+'].join(''));

test('no project file reads or links a path outside the repository', () => {
  const offenders: string[] = [];
  for (const file of projectFiles()) {
    if (/\.(png|jpg|gz|tgz|ico)$/.test(file)) continue;
    let text: string;
    try { text = readFileSync(join(root, file), 'utf8'); } catch { continue; }
    text.split('\n').forEach((line, i) => {
      const climbs = [...line.matchAll(RELATIVE)].some((m) => !inside(resolve(root, dirname(file), m[1]!)));
      if (climbs || SIDE_FOLDER.test(line) || MACHINE.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.equal(offenders, [], `paths outside the repository:\n${offenders.join('\n')}`);
});

test('relative links in Markdown files resolve inside the repository', () => {
  const broken: string[] = [];
  for (const file of projectFiles().filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      const abs = resolve(root, file, '..', target);
      if (!inside(abs)) broken.push(`${file}: ${target} leaves the repository`);
      else {
        try { readFileSync(abs); } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EISDIR') broken.push(`${file}: ${target} does not exist`);
        }
      }
    }
  }
  assert.equal(broken, [], broken.join('\n'));
});

test('the vendored conformance data carries its license', () => {
  assert.match(readFileSync(join(root, 'test/conformance/upstream/LICENSE'), 'utf8'), /Apache License/);
  assert.ok(readFileSync(join(root, 'test/conformance/cases/HTTPRouteCORS.json'), 'utf8').length > 0);
});

test.run();
