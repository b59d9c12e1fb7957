import http from 'node:http';

/**
 * The demo's users: a bounded stream of requests to the production proxy on 127.0.0.1, half of
 * them with a name and half without, so that a release that mishandles either shows it. It stops
 * on `stop()` or after `maxSeconds`, whichever comes first, and never sends anywhere else.
 */
export function startTraffic(options: { port: number; ratePerSecond?: number; maxSeconds?: number }): {
  stop(): Promise<{ sent: number; failed: number }>;
} {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const interval = 1000 / (options.ratePerSecond ?? 40);
  const deadline = Date.now() + (options.maxSeconds ?? 300) * 1000;
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  const langs = ['en', 'fr', 'de', 'es'];
  const timer = setInterval(() => {
    if (Date.now() > deadline) {
      clearInterval(timer);
      return;
    }
    if (inFlight >= 16) return;
    const n = sent++;
    const query = n % 2 === 0 ? `?name=visitor${n}&lang=${langs[n % 4]}` : `?lang=${langs[n % 4]}`;
    inFlight++;
    const request = http.get(
      { host: '127.0.0.1', port: options.port, path: `/${query}`, agent, timeout: 2000 },
      (res) => {
        if ((res.statusCode ?? 500) >= 500) failed++;
        res.resume();
        res.on('end', () => inFlight--);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => {
      failed++;
      inFlight--;
    });
  }, interval);
  return {
    async stop() {
      clearInterval(timer);
      for (let i = 0; i < 40 && inFlight > 0; i++) await new Promise((r) => setTimeout(r, 50));
      agent.destroy();
      return { sent, failed };
    },
  };
}
