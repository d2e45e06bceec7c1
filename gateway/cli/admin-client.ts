// GET a JSON endpoint of a running gateway's admin server, with its bearer token when the
// gateway was started with --admin-token-file (then /status and /config require it).
import { fetchJson, readKeyFile } from '../runtime/index.ts';
import { InputError } from './command.ts';

export async function adminGet(verb: string, admin: string, path: string, tokenFile: string | undefined): Promise<unknown> {
  let headers: Record<string, string> | undefined;
  try {
    if (tokenFile !== undefined) headers = { authorization: `Bearer ${readKeyFile(tokenFile).toString('utf8').trim()}` };
    return await fetchJson(`http://${admin}${path}`, 5000, headers);
  } catch (err) {
    throw new InputError(`portico ${verb}: ${(err as Error).message}`);
  }
}
