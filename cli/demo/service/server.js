import http from 'node:http';
import { greet, VERSION } from './app.js';

const port = Number(process.env.PORT ?? 3000);

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, version: VERSION }));
    return;
  }
  try {
    const message = greet(url.searchParams.get('name') ?? undefined, url.searchParams.get('lang') ?? 'en');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message, version: VERSION }));
  } catch (error) {
    res.writeHead(error instanceof RangeError ? 400 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: error.message }));
  }
});

server.listen(port, '127.0.0.1', () => console.log(`demo-service ${VERSION} listening on ${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
