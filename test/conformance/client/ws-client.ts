// The WebSocket exchange upstream's x/net/websocket client makes: a text and a binary echo.
import WebSocket from 'ws';

export function wsExchange(url: string, host: string, origin: string, timeoutMs = 10000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { Host: host }, origin, handshakeTimeout: timeoutMs, perMessageDeflate: false });
    const timer = setTimeout(() => done('websocket exchange timed out'), timeoutMs);
    const done = (err?: string) => { clearTimeout(timer); try { ws.terminate(); } catch { /* already closed */ } resolve(err); };
    const steps: { data: string | Buffer; binary: boolean }[] = [
      { data: 'Websocket Support!', binary: false },
      { data: Buffer.from([1, 2, 3, 4, 5, 6, 7]), binary: true },
    ];
    let i = 0;
    ws.on('unexpected-response', (_req, res) => done(`websocket handshake answered ${res.statusCode}`));
    ws.on('error', (e) => done(`websocket: ${e.message}`));
    ws.on('open', () => ws.send(steps[0].data, { binary: steps[0].binary }));
    ws.on('message', (data, isBinary) => {
      const want = steps[i];
      const got = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      if (isBinary !== want.binary || !got.equals(Buffer.from(want.data))) return done(`websocket echo mismatch: sent ${JSON.stringify(want.data)}, got ${JSON.stringify(got.toString())}`);
      i++;
      if (i === steps.length) return done();
      ws.send(steps[i].data, { binary: steps[i].binary });
    });
  });
}
