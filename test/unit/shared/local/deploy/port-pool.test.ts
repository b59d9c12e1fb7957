import { createServer, type Server } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { PortPool } from '../../../../../shared/local/deploy/port-pool.ts';

/** A pool whose "OS" hands out the given ports in turn (repeating the last) and calls `busy` taken. */
function scriptedPool(ports: number[], busy: number[] = []) {
  let next = 0;
  const asked: number[] = [];
  const pool = new PortPool({
    freePort: async () => {
      const port = ports[Math.min(next++, ports.length - 1)]!;
      asked.push(port);
      return port;
    },
    isPortFree: async (port) => !busy.includes(port),
  });
  return { pool, asked };
}

describe('PortPool', () => {
  it('leases the preferred port when it is free', async () => {
    const { pool } = scriptedPool([5001]);

    const lease = await pool.lease(8080);

    expect(lease.port).toBe(8080);
    expect(pool.isLeased(8080)).toBe(true);
  });

  it('leases another port when the preferred one is taken by a process', async () => {
    const { pool } = scriptedPool([5001], [8080]);

    expect((await pool.lease(8080)).port).toBe(5001);
  });

  it('never leases one port twice: the OS offering a leased port again is asked once more', async () => {
    const { pool, asked } = scriptedPool([5001, 5001, 5001, 5002]);

    const a = await pool.lease();
    const b = await pool.lease();

    expect([a.port, b.port]).toEqual([5001, 5002]);
    expect(asked).toEqual([5001, 5001, 5001, 5002]);
  });

  it('never leases one port twice when two starts ask for the same preferred port at once', async () => {
    const { pool } = scriptedPool([5001, 5002]);

    const [a, b] = await Promise.all([pool.lease(8080), pool.lease(8080)]);

    expect(new Set([a.port, b.port]).size).toBe(2);
    expect([a.port, b.port]).toContain(8080);
  });

  it('gives a released port out again', async () => {
    const { pool } = scriptedPool([5001]);
    const first = await pool.lease();

    first.release();
    const second = await pool.lease();

    expect(pool.isLeased(5001)).toBe(true);
    expect(second.port).toBe(5001);
  });

  it('lets a second release of a lease do nothing, so it cannot free the port of a newer lease', async () => {
    const { pool } = scriptedPool([5001, 5001, 5002]);
    const old = await pool.lease(8080);
    old.release();
    const newer = await pool.lease(8080);

    old.release();

    expect(newer.port).toBe(8080);
    expect(pool.isLeased(8080)).toBe(true);
    expect((await pool.lease(8080)).port).toBe(5001);
  });

  it('asks the real OS by default: a port a server listens on is not leased', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, resolve));
    const taken = (server.address() as { port: number }).port;
    try {
      const lease = await new PortPool().lease(taken);

      expect(lease.port).not.toBe(taken);
      expect(lease.port).toBeGreaterThan(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
