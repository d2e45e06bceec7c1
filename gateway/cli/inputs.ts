// The manifests an offline verb works on: files, directories and `-` (stdin), read exactly as
// the file provider serves them. What cannot be read at all is an input error (exit 2), not
// a problem list: a typo in a path must never look like a clean run.
import { readManifestsOnce } from '../provider/files/index.ts';
import { collectFiles, readManifestText } from '../provider/files/reader.ts';
import type { ProviderUpdate } from '../pipeline.ts';
import { readStdin } from '../runtime/index.ts';
import { InputError } from './command.ts';
import { relativeTo } from './problems.ts';

export const STDIN = '<stdin>';

export interface Inputs {
  update: ProviderUpdate;
  /** The text of stdin when `-` was given (problem lines point into it). */
  stdin?: string;
  /** Text of a source for line lookups: stdin from memory, files read again on demand. */
  text(source: string): string | undefined;
}

export interface ReadOptions {
  now: () => string;
  /** Paths in messages are shown relative to this. */
  cwd: string;
  /** Refuse objects that fail CRD validation, as the gateway does (translate, explain); validate reports instead. */
  admission?: boolean;
  /** Parse errors are input errors (translate, explain), not problems to list (validate). */
  parseErrorsAreFatal?: boolean;
  stdin?: () => Promise<string>;
}

export async function readInputs(paths: string[], opts: ReadOptions): Promise<Inputs> {
  const stdinCount = paths.filter((p) => p === '-').length;
  if (stdinCount > 1) throw new InputError('`-` (stdin) can be given only once');
  const files = paths.filter((p) => p !== '-');
  const { files: found, missing } = collectFiles(files);
  if (missing.length > 0) throw new InputError(`no such file or directory: ${missing.join(', ')}`);
  const stdin = stdinCount > 0 ? await (opts.stdin ?? readStdin)() : undefined;
  if (found.length === 0 && stdin === undefined) {
    throw new InputError(`no manifest files (.yaml, .yml, .json) under ${files.join(', ')}`);
  }
  const update = await readManifestsOnce(files, opts.now, opts.admission ?? false,
    stdin === undefined ? undefined : [{ source: STDIN, text: stdin }]);
  const parseErrors = update.problems.filter((p) => p.reason === 'ParseError');
  if (opts.parseErrorsAreFatal && parseErrors.length > 0) {
    throw new InputError(parseErrors.map((p) => `${relativeTo(opts.cwd, p.ref.name)}${p.field ? ':' + p.field.replace(/^line /, '') : ''}: ${p.message} (the YAML does not parse)`).join('\n'));
  }
  const objects = Object.values(update.snapshot).reduce((n, list) => n + (list as unknown[]).length, 0);
  if (objects === 0 && parseErrors.length === 0) {
    throw new InputError(`no objects Portico reads (Gateway API resources, Services, EndpointSlices, Secrets, ConfigMaps, Namespaces) in ${[...files, ...(stdin === undefined ? [] : ['-'])].join(', ')}`);
  }
  const cache = new Map<string, string | undefined>();
  return {
    update, stdin,
    text(source) {
      if (source === STDIN) return stdin;
      if (!cache.has(source)) cache.set(source, readManifestText(source));
      return cache.get(source);
    },
  };
}
