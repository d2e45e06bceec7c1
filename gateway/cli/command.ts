// One table per verb describes its flags; parsing (node's util.parseArgs) and the `--help` text
// are both generated from it, so help can never drift from what the parser accepts. No CLI
// library: parseArgs is built into Node and Deno, costs nothing at start-up, and the help layout
// below is all a CLI of this size needs.
import { parseArgs } from 'node:util';

export interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** Placeholder shown in help for the value of a string flag ("HOST:PORT"). */
  arg?: string;
  help: string;
}

export interface Command<F extends Record<string, Flag> = Record<string, Flag>> {
  name: string;
  /** One line, shown in `portico --help`. */
  summary: string;
  /** Usage lines after "usage: portico <name> ". */
  synopsis: string[];
  flags: F;
  /** Extra paragraphs after the flag list (exit codes, examples). */
  notes?: string;
}

/** A wrong flag, a missing argument: exit 2 with the message (and usually the help text). */
export class UsageError extends Error {}

/** Input the verb cannot work with (a missing file, YAML that does not parse, an unreachable admin): exit 2. */
export class InputError extends Error {}

/** `--help` anywhere before `--`: the caller prints `text` on stdout and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super('help requested');
  }
}

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

export const EXIT_CODES_NOTE = 'exit codes: 0 clean, 1 problems found, 2 usage or input error';

export function defineCommand<F extends Record<string, Flag>>(c: Command<F>): Command<F> {
  return c;
}

export function wantsHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

export function parseCommand<F extends Record<string, Flag>>(c: Command<F>, args: string[]) {
  if (wantsHelp(args)) throw new HelpRequested(helpText(c));
  try {
    return parseArgs({ args, options: c.flags, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`portico ${c.name}: ${(err as Error).message}\n\n${usageText(c)}\nrun \`portico ${c.name} --help\` for every flag`);
  }
}

export function usageText(c: Command): string {
  return c.synopsis.map((s, i) => `${i === 0 ? 'usage:' : '      '} portico ${c.name} ${s}`).join('\n');
}

function flagLabel(name: string, f: Flag): string {
  const short = f.short ? `-${f.short}, ` : '';
  const value = f.type === 'string' ? ` ${f.arg ?? 'VALUE'}` : '';
  return `${short}--${name}${value}${f.multiple ? ' ...' : ''}`;
}

export function helpText(c: Command): string {
  const rows = Object.entries(c.flags).map(([name, f]) => {
    const dflt = f.default !== undefined && f.default !== false ? ` (default ${String(f.default)})` : '';
    return [flagLabel(name, f), `${f.help}${dflt}`] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([l]) => l.length));
  const lines = [
    usageText(c), '', c.summary, '', 'flags:',
    ...rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`),
  ];
  if (c.notes) lines.push('', c.notes);
  return lines.join('\n');
}

/** `-o text|json|yaml`: the flag every verb with structured output takes. */
export function outputFlag(dflt: 'text' | 'json' | 'yaml' = 'text') {
  // No parser default: a verb can then tell whether -o was given (validate's --format alias).
  return { type: 'string', short: 'o', arg: 'text|json|yaml', help: `output format (default ${dflt})` } as const satisfies Flag;
}

export type OutputFormat = 'text' | 'json' | 'yaml';

export function outputFormat(value: string | undefined, cmd: Command, dflt: OutputFormat = 'text', allowed: readonly OutputFormat[] = ['text', 'json', 'yaml']): OutputFormat {
  const v = (value ?? dflt) as OutputFormat;
  if (!allowed.includes(v)) throw new UsageError(`portico ${cmd.name}: -o must be one of ${allowed.join(', ')}, got ${value}\n\n${usageText(cmd)}`);
  return v;
}
