// The Node proxies Portico is compared with, each as small as its kind allows:
//   node-http: node:http server + http.request with a keep-alive agent, streaming both ways;
//   fastify:   fastify with @fastify/http-proxy (undici pool), logging off.
// Usage: node node-proxy.mjs node-http|fastify <listen port> <origin port>
import http from 'node:http';

const [kind, port, origin] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];

if (kind === 'node-http') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  http.createServer((req, res) => {
    const up = http.request({ host: '127.0.0.1', port: origin, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.statusCode = 502; res.end(); });
    req.pipe(up);
  }).listen(port, '127.0.0.1');
} else {
  const { default: Fastify } = await import('fastify');
  const { default: proxy } = await import('@fastify/http-proxy');
  const app = Fastify({ logger: false });
  await app.register(proxy, { upstream: `http://127.0.0.1:${origin}` });
  await app.listen({ port, host: '127.0.0.1' });
}
process.on('SIGTERM', () => process.exit(0));
