// The `portico` command. One verb per file in gateway/cli/; this file only dispatches. Verb
// modules are loaded only when their verb runs, so `portico --version` and `--help` stay fast.
import { argv, cwd, isMainModule, nowIso, packageVersion, setExitCode, writeStderr, writeStdout } from './runtime/index.ts';
import { EXIT, EXIT_CODES_NOTE, HelpRequested, helpText, InputError, UsageError, wantsHelp } from './cli/command.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  now(): string;
  cwd: string;
  /** Reads all of stdin (`-` as a manifest path); the process's stdin when absent. */
  stdin?: () => Promise<string>;
}

type Run = (args: string[], io: CliIo) => Promise<number>;

/** The verbs, in the order `portico --help` lists them. */
const VERBS: Record<string, { summary: string; run: () => Promise<Run> }> = {
  serve: { summary: 'serve manifests (or a cluster) until stopped; hot reload', run: async () => (await import('./cli/serve.ts')).runServe },
  validate: { summary: 'check manifests offline: schema, CEL and the translator', run: async () => (await import('./cli/validate.ts')).runValidate },
  translate: { summary: 'print the routing table, statuses and problems', run: async () => (await import('./cli/translate.ts')).runTranslate },
  diff: { summary: 'what a change does to traffic: two manifest sets or git revisions', run: async () => (await import('./cli/diff.ts')).runDiff },
  explain: { summary: 'which listener, route, rule, filters and backends a request gets, and why', run: async () => (await import('./cli/explain.ts')).runExplain },
  status: { summary: 'the status conditions of a running gateway', run: async () => (await import('./cli/status.ts')).runStatus },
  migrate: { summary: 'convert ingress-nginx Ingresses into Portico constructs or manifests, with a report', run: async () => (await import('./cli/migrate.ts')).runMigrate },
};

export function usage(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  return `usage: portico <command> [flags]    (portico <command> --help for its flags)

commands:
${Object.entries(VERBS).map(([v, d]) => `  ${v.padEnd(width)}  ${d.summary}`).join('\n')}

flags:
  -h, --help     show this help
  -V, --version  print the version

${EXIT_CODES_NOTE}`;
}

export async function main(args: string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = args;
  try {
    if (verb === undefined) { io.err(usage()); return EXIT.usage; }
    if (verb === 'help' || verb === '--help' || verb === '-h') {
      // `portico help <verb>` is `portico <verb> --help`.
      if (rest[0] !== undefined && VERBS[rest[0]]) return await (await VERBS[rest[0]]!.run())(['--help'], io);
      io.out(usage());
      return EXIT.ok;
    }
    if (verb === '--version' || verb === '-V' || verb === 'version') { io.out(packageVersion()); return EXIT.ok; }
    const v = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
    if (v === undefined) { io.err(`portico: unknown command ${verb}\n\n${usage()}`); return EXIT.usage; }
    if (wantsHelp(rest)) {
      // From the flag tables alone: help must not wait for the translator or the data plane to load.
      const { COMMANDS } = await import('./cli/commands.ts');
      const c = COMMANDS.find((x) => x.name === verb);
      if (c !== undefined) { io.out(helpText(c)); return EXIT.ok; }
    }
    return await (await v.run())(rest, io);
  } catch (err) {
    if (err instanceof HelpRequested) { io.out(err.text); return EXIT.ok; }
    if (err instanceof UsageError || err instanceof InputError) { io.err(err.message); return EXIT.usage; }
    io.err(`portico ${verb}: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.problems;
  }
}

// Run when executed directly (node --import tsx gateway/cli.ts ...), not when imported.
if (isMainModule(import.meta.url)) {
  setExitCode(await main(argv(), { out: writeStdout, err: writeStderr, now: nowIso, cwd: cwd() }));
}
