// Two releases (`v1`, `v2`) answering every request with a small JSON body, in a worker thread of
// their own so that a proxy measured in front of them does not share their event loop.
import { createServer } from 'node:http';
import { parentPort } from 'node:worker_threads';

const ports = {};
for (const name of ['v1', 'v2']) {
  const body = JSON.stringify({ release: name, ok: true });
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports[name] = server.address().port;
}
parentPort.postMessage(ports);
