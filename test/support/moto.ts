import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * moto's server mode as an independent AWS emulator for the tests: one `moto_server` per test file,
 * on an ephemeral loopback port, spoken to over real HTTP by the real AWS SDK v3 clients. It is
 * installed by `scripts/ensure-moto.sh` (which `npm test` runs first) into `.moto/venv`.
 *
 * Every AWS service moto implements answers on the one endpoint; the account is moto's default,
 * {@link MOTO_ACCOUNT}, and the region whatever the client says ({@link MOTO_REGION} here).
 */
export const MOTO_REGION = 'eu-west-1';
export const MOTO_ACCOUNT = '123456789012';

/** The client settings every SDK client needs to talk to moto rather than AWS. */
export interface MotoClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
}

export interface Moto {
  endpoint: string;
  /** Settings for any AWS SDK v3 client: `new DynamoDBClient(moto.clientConfig)`. */
  clientConfig: MotoClientConfig;
  /** Forgets every resource (moto's own reset API), for a test that wants a clean account. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MOTO_SERVER = `${ROOT}.moto/venv/bin/moto_server`;
const MOTO_PYTHON = `${ROOT}.moto/venv/bin/python`;
const SERIAL_SERVER = fileURLToPath(new URL('./moto-serial-server.py', import.meta.url));
const START_TIMEOUT_MS = 30_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/data.json`);
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Starts a moto server and waits until it answers; fails with how to install it when it is missing.
 * `serial: true` serves one request at a time (test/support/moto-serial-server.py): moto's
 * transactions are not isolated from concurrent requests, DynamoDB's are serializable, so the
 * suites that race writers against the store use it.
 */
export async function startMoto({ serial = false }: { serial?: boolean } = {}): Promise<Moto> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      `moto is not installed at ${MOTO_SERVER}: run \`sh scripts/ensure-moto.sh\` (npm test does)`,
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const [command, args] = serial
    ? [MOTO_PYTHON, [SERIAL_SERVER, '127.0.0.1', String(port)]]
    : [MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)]];
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(endpoint))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${endpoint}:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    clientConfig: {
      endpoint,
      region: MOTO_REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    },
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    async close() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}
