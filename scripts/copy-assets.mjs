// Part of `npm run build`: the files the compiled gateway reads at run time that tsc does not
// emit (the ext_authz .proto files the gRPC ExternalAuth client loads).
import { cpSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const assets = ['gateway/dataplane/http/filters/proto'];
for (const dir of assets) cpSync(join(root, dir), join(root, 'build', dir), { recursive: true });
