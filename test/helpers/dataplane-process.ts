// One data plane in a process of its own, serving a routing table given as JSON in argv[2] and
// counting global rate limits in the Redis of argv[3]: what a gateway replica is, minus the
// provider. Prints {"port": <bound port>} once serving; exits on SIGTERM.
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { RoutingTable } from '../../gateway/ir/index.ts';

const table = JSON.parse(process.argv[2]!) as RoutingTable;
// A busy test machine may take a while to connect: a slow answer must not become a 503.
const dp = createDataplane({ rateLimit: { redisUrl: process.argv[3], commandTimeoutMs: 5000 } });
const r = await dp.apply(table);
if (r.errors.length > 0 || r.listening.length === 0) {
  console.error(JSON.stringify(r.errors));
  process.exit(1);
}
console.log(JSON.stringify({ port: r.listening[0]!.boundPort }));
process.on('SIGTERM', () => {
  void dp.close(0).then(() => process.exit(0));
});
