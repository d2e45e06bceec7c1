// `portico explain <url>`: which Gateway, listener, route, rule, filters and backends one request
// gets, and why, from manifests (translated here exactly as serve translates them) or from a
// running gateway's routing table (admin /config).
import { stringify } from 'yaml';
import type { RoutingTable } from '../ir/index.ts';
import type { Problem } from '../translator/api.ts';
import { translate } from '../translator/index.ts';
import { assumeExternalRefs } from '../translator/assume-external.ts';
import { inspectPki } from '../pki/certificates.ts';
import { adminGet } from './admin-client.ts';
import { explain, ExplainInputError } from '../explain/explain.ts';
import { formatExplanation } from '../explain/format.ts';
import { intFlag } from './args.ts';
import { EXIT, InputError, outputFormat, parseCommand, UsageError, usageText } from './command.ts';
import { explainCommand } from './commands.ts';
import { readInputs } from './inputs.ts';
import type { CliIo } from '../cli.ts';

function headerFlag(h: string): [string, string] {
  const i = h.indexOf(':');
  if (i <= 0) throw new UsageError(`portico explain: -H wants 'name: value', got ${JSON.stringify(h)}`);
  return [h.slice(0, i).trim().toLowerCase(), h.slice(i + 1).trim()];
}

async function tableFromAdmin(admin: string, tokenFile: string | undefined): Promise<RoutingTable> {
  const config = (await adminGet('explain', admin, '/config', tokenFile)) as { table?: RoutingTable };
  if (!config.table) throw new InputError(`portico explain: http://${admin}/config has no routing table`);
  return config.table;
}

async function tableFromManifests(paths: string[], controllerName: string, exactRefs: boolean, gateways: string[] | undefined, io: CliIo): Promise<{ table: RoutingTable; assumed: Problem[] }> {
  const now = io.now();
  // admission: objects the API server would refuse are left out, as serve leaves them out.
  const inputs = await readInputs(paths, { now: () => now, cwd: io.cwd, admission: true, parseErrorsAreFatal: true, stdin: io.stdin });
  let snapshot = inspectPki(inputs.update.snapshot);
  let assumed: Problem[] = [];
  if (!exactRefs) {
    const r = assumeExternalRefs(snapshot);
    snapshot = r.snapshot;
    assumed = r.warnings;
  }
  return { table: translate(snapshot, { controllerName, now, gateways }).table, assumed };
}

export async function runExplain(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(explainCommand, args);
  const usage = usageText(explainCommand);
  // `--manifests a b c`: parseArgs takes one value per flag, so the paths after the URL count too.
  const [url, ...morePaths] = positionals;
  if (url === undefined) throw new UsageError(`portico explain: which URL?\n\n${usage}`);
  const manifests = [...(values.manifests ?? []), ...morePaths];
  if (values.admin !== undefined && manifests.length > 0) throw new UsageError(`portico explain: --manifests or --admin, not both\n\n${usage}`);
  const format = outputFormat(values.output, explainCommand);
  for (const g of values.gateway ?? []) if (!/^[^/]+\/[^/]+$/.test(g)) throw new UsageError(`--gateway wants namespace/name, got ${g}`);
  const headers = Object.fromEntries((values.header ?? []).map(headerFlag));
  const portOffset = intFlag(values['port-offset'], 'port-offset', 0);
  const slashes = { reject: 'Reject', keep: 'Keep', redirect: 'DecodeAndRedirect' } as const;
  const slash = values['encoded-slash'];
  if (slash !== undefined && !Object.hasOwn(slashes, slash)) throw new UsageError(`--encoded-slash must be reject, keep or redirect, got ${slash}`);
  const { table, assumed } = values.admin !== undefined
    ? { table: await tableFromAdmin(values.admin, values['admin-token-file']), assumed: [] }
    : await tableFromManifests(manifests.length > 0 ? manifests : ['dist'], values['controller-name']!, values['exact-refs'] ?? false, values.gateway, io);
  let e;
  try {
    e = explain(table, { url, method: values.method, headers, portOffset, gateways: values.gateway, encodedSlash: slash === undefined ? undefined : slashes[slash as keyof typeof slashes] });
  } catch (err) {
    if (err instanceof ExplainInputError) throw new UsageError(`portico explain: ${err.message}`);
    throw err;
  }
  const assumedNames = assumed.map((p) => p.message.split(' is not in the manifests')[0]!);
  if (format === 'json') io.out(JSON.stringify({ ...e, assumed: assumedNames }, null, 2));
  else if (format === 'yaml') io.out(stringify({ ...e, assumed: assumedNames }, { aliasDuplicateObjects: false }));
  else {
    io.out(formatExplanation(e));
    if (assumedNames.length > 0) io.out(`\nassumed to exist in the cluster (not in the manifests; --exact-refs to drop them): ${assumedNames.join(', ')}`);
  }
  const served = e.gateways.some((g) => g.accepted && (g.outcome.kind === 'forward' || g.outcome.kind === 'redirect'));
  return served ? EXIT.ok : EXIT.problems;
}
