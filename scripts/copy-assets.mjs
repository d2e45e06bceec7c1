// Part of `npm run build`: what tsc does not do. It copies the files the compiled gateway reads at
// run time (the ext_authz .proto files the gRPC ExternalAuth client loads), and it marks the
// compiled CLI executable: tsc writes 0644, and `npx portico` in this repository (CI, the
// quickstart) executes build/bin/portico.js directly through its shebang.
import { chmodSync, cpSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const assets = ['gateway/dataplane/http/filters/proto'];
for (const dir of assets) cpSync(join(root, dir), join(root, 'build', dir), { recursive: true });
chmodSync(join(root, 'build/bin/portico.js'), 0o755);
