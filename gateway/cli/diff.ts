// `portico diff <base> <head>`: what a change does to traffic. Both manifest sets (directories,
// files, or a path at two git revisions) go through the same checks and translator as
// `validate`; the routing tables and statuses are then compared (gateway/diff). Exit 1 when the
// change introduces problems.
import { resolve } from 'node:path';
import { diffTranslations, renderMarkdown, renderText, type DiffSide } from '../diff/index.ts';
import { readManifestsOnce } from '../provider/files/index.ts';
import { collectFiles } from '../provider/files/reader.ts';
import { readRevision, RevisionError, type RevisionTree } from '../provider/git/revision.ts';
import { EXIT, InputError, parseCommand, UsageError, usageText } from './command.ts';
import { diffCommand } from './commands.ts';
import { locate } from './problems.ts';
import { validateUpdate, type TenancyOptions } from './validate.ts';
import type { CliIo } from '../cli.ts';

interface SideInput { label: string; paths: string[]; tree?: RevisionTree }

/** Reads and judges one side; problems point at "<rev>:<path>" for revisions. */
async function side(input: SideInput, controllerName: string, now: string, cwd: string, tenancy?: TenancyOptions): Promise<DiffSide> {
  const update = await readManifestsOnce(input.paths, () => now);
  const { problems, translation } = validateUpdate(update, controllerName, now, tenancy);
  const located = locate(problems, update.sources, input.tree ? input.tree.root : cwd).map((p) =>
    input.tree && p.file && !p.file.startsWith('/') ? { ...p, file: `${input.label}:${p.file}` } : p);
  return { result: translation, problems: located };
}

function directory(label: string, cwd: string): SideInput {
  const path = resolve(cwd, label);
  if (collectFiles([path]).missing.length > 0) throw new InputError(`portico diff: no such file or directory: ${label}`);
  return { label, paths: [path] };
}

export async function runDiff(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(diffCommand, args);
  const format = values.output ?? 'text';
  if (format !== 'md' && format !== 'text' && format !== 'json') throw new UsageError(`portico diff: -o must be md, text or json\n\n${usageText(diffCommand)}`);
  if (values.tenant !== undefined && values.tenants === undefined) throw new UsageError(`portico diff: --tenant needs --tenants FILE\n\n${usageText(diffCommand)}`);
  const tenancy = values.tenants === undefined ? undefined : { tenantsFile: resolve(io.cwd, values.tenants), tenant: values.tenant };
  const first = positionals[0];
  const range = first !== undefined && !first.startsWith('.') && !first.startsWith('/') ? /^(.+?)\.\.(.*)$/.exec(first) : null;
  if (range ? positionals.length < 2 : positionals.length !== 2) throw new UsageError(`portico diff: give two manifest paths, or <base-rev>..<head-rev> and paths\n\n${usageText(diffCommand)}`);

  const opened: RevisionTree[] = [];
  try {
    let base: SideInput;
    let head: SideInput;
    if (range) {
      const paths = positionals.slice(1);
      const open = async (rev: string): Promise<SideInput> => {
        const tree = await readRevision(rev, paths, io.cwd);
        opened.push(tree);
        return { label: rev, paths: tree.paths, tree };
      };
      base = await open(range[1]!);
      head = range[2] ? await open(range[2]) : { label: 'working tree', paths: paths.map((p) => resolve(io.cwd, p)) };
    } else {
      base = directory(positionals[0]!, io.cwd);
      head = directory(positionals[1]!, io.cwd);
    }
    // One clock for both sides: condition times and stamped creation times must not differ.
    const now = io.now();
    const controller = values['controller-name']!;
    const result = diffTranslations(await side(base, controller, now, io.cwd, tenancy), await side(head, controller, now, io.cwd, tenancy));
    if (format === 'json') io.out(JSON.stringify({ base: base.label, head: head.label, ...result }, null, 2));
    else io.out(format === 'md' ? renderMarkdown(result) : renderText(result));
    return result.failing ? EXIT.problems : EXIT.ok;
  } catch (err) {
    if (err instanceof RevisionError) throw new InputError(`portico diff: ${err.message}`);
    throw err;
  } finally {
    for (const t of opened) t.close();
  }
}
