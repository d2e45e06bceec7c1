// `portico validate <files|dirs>`: what the API server and the gateway would reject, offline.
// Schema + CEL per object, then the translator over the whole set, with Services/Secrets the
// manifests do not contain assumed to exist elsewhere (a warning, not an error).
import { translate } from '../translator/index.ts';
import { validateObject } from '../translator/schema/index.ts';
import { assumeExternalRefs } from '../translator/assume-external.ts';
import type { KubeObject } from '../model/index.ts';
import type { Problem } from '../translator/api.ts';
import { readManifestsOnce } from '../provider/files/index.ts';
import { DEFAULT_CONTROLLER, parse, UsageError } from './args.ts';
import { formatProblem, locate, type LocatedProblem } from './problems.ts';
import type { CliIo } from '../cli.ts';

const USAGE = 'usage: portico validate <file|dir>... [--format text|json] [--controller-name NAME]';

export async function validateProblems(paths: string[], controllerName: string, now: string): Promise<{ problems: Problem[]; sources?: Map<string, string>; objects: number }> {
  const update = await readManifestsOnce(paths, () => now);
  const problems: Problem[] = [...update.problems];
  let objects = 0;
  for (const list of Object.values(update.snapshot) as KubeObject[][]) {
    for (const o of list) {
      objects++;
      problems.push(...validateObject(o));
    }
  }
  const { snapshot, warnings } = assumeExternalRefs(update.snapshot);
  problems.push(...warnings);
  problems.push(...translate(snapshot, { controllerName, now }).problems);
  return { problems: dedupe(problems), sources: update.sources, objects };
}

// Schema and translator can both flag the same field for the same reason.
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = JSON.stringify([p.severity, p.ref, p.field, p.reason, p.message]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export async function runValidate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    format: { type: 'string', default: 'text' },
    'controller-name': { type: 'string', default: DEFAULT_CONTROLLER },
  }, USAGE);
  if (positionals.length === 0) throw new UsageError(USAGE);
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json\n\n${USAGE}`);
  const { problems, sources, objects } = await validateProblems(positionals, values['controller-name']!, io.now());
  const located: LocatedProblem[] = locate(problems, sources, io.cwd);
  const errors = located.filter((p) => p.severity === 'error');
  if (values.format === 'json') {
    io.out(JSON.stringify({ problems: located }, null, 2));
  } else {
    for (const p of errors) io.out(formatProblem(p));
    for (const p of located.filter((x) => x.severity === 'warning')) io.err(`warning: ${formatProblem(p)}`);
    io.err(`${objects} objects, ${errors.length} errors, ${located.length - errors.length} warnings`);
  }
  return errors.length > 0 ? 1 : 0;
}
