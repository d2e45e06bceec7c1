// `portico translate <file|dir|->...`: the IR and statuses the gateway would produce (and, with
// --decisions, the translator's attachment and reference decisions).
import { stringify } from 'yaml';
import { translate } from '../translator/index.ts';
import { assumeExternalRefs } from '../translator/assume-external.ts';
import { redactTable } from '../admin/status.ts';
import { EXIT, outputFormat, parseCommand, UsageError, usageText } from './command.ts';
import { translateCommand } from './commands.ts';
import { readInputs } from './inputs.ts';
import { inspectPki } from '../pki/certificates.ts';
import { locate } from './problems.ts';
import type { CliIo } from '../cli.ts';


export async function runTranslate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(translateCommand, args);
  if (positionals.length === 0) throw new UsageError(`portico translate: no manifests given\n\n${usageText(translateCommand)}`);
  const format = outputFormat(values.output, translateCommand, 'yaml', ['yaml', 'json']);
  const now = io.now();
  const inputs = await readInputs(positionals, { now: () => now, cwd: io.cwd, parseErrorsAreFatal: true, stdin: io.stdin });
  // Certificates are checked as serve checks them (gateway/pki).
  let snapshot = inspectPki(inputs.update.snapshot);
  const problems = [...inputs.update.problems];
  if (values['assume-external']) {
    const r = assumeExternalRefs(snapshot);
    snapshot = r.snapshot;
    problems.push(...r.warnings);
  }
  const result = translate(snapshot, { controllerName: values['controller-name']!, now, gateways: values.gateway });
  const table = values['show-keys'] ? result.table : redactTable(result.table);
  const all = locate([...problems, ...result.problems], inputs.update.sources, io.cwd, inputs.text);
  // The decisions are what tenancy rules and synth judge (validateOffline() hooks): printed on
  // request, they show why a route attached where it did, or why not.
  const out = { table, statuses: result.statuses, problems: all, ...(values.decisions ? { decisions: result.decisions } : {}) };
  io.out(format === 'json' ? JSON.stringify(out, null, 2) : stringify(out, { aliasDuplicateObjects: false }));
  return all.some((p) => p.severity === 'error') ? EXIT.problems : EXIT.ok;
}
