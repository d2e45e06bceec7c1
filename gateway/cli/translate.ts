// `portico translate <file|dir>...`: the IR and statuses the gateway would produce, as YAML.
import { stringify } from 'yaml';
import { translate } from '../translator/index.ts';
import { assumeExternalRefs } from '../translator/assume-external.ts';
import { readManifestsOnce } from '../provider/files/index.ts';
import { inspectPki } from '../provider/pki.ts';
import { redactTable } from '../admin/status.ts';
import { DEFAULT_CONTROLLER, parse, UsageError } from './args.ts';
import type { CliIo } from '../cli.ts';

const USAGE = 'usage: portico translate <file|dir>... [--controller-name NAME] [--assume-external] [--show-keys]';

export async function runTranslate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    'controller-name': { type: 'string', default: DEFAULT_CONTROLLER },
    'assume-external': { type: 'boolean', default: false },
    'show-keys': { type: 'boolean', default: false },
    gateway: { type: 'string', multiple: true },
  }, USAGE);
  if (positionals.length === 0) throw new UsageError(USAGE);
  const now = io.now();
  const update = await readManifestsOnce(positionals, () => now);
  let snapshot = inspectPki(update.snapshot);
  const problems = [...update.problems];
  if (values['assume-external']) {
    const r = assumeExternalRefs(snapshot);
    snapshot = r.snapshot;
    problems.push(...r.warnings);
  }
  const result = translate(snapshot, { controllerName: values['controller-name']!, now, gateways: values.gateway });
  const table = values['show-keys'] ? result.table : redactTable(result.table);
  io.out(stringify({ table, statuses: result.statuses, problems: [...problems, ...result.problems] }, { aliasDuplicateObjects: false }));
  return 0;
}
