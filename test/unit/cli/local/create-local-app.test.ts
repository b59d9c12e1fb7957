import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import { createLocalApp, type LocalApp } from '../../../../cli/local/create-local-app.ts';
import type { PipelineEvent } from '../../../../events/pipeline-events.ts';
import { ConfigError } from '../../../../shared/domain/errors.ts';
import { silentBusLogger } from '../../../../shared/local/local-bus.ts';
import { githubExamples } from '../../shared/sources/github-examples.ts';

const PIPELINE_FILE = 'pipelines:\n  - name: hello\n    source:\n      github: Codertocat/Hello-World\n';
const push = githubExamples('push').find((e) => e.payload.ref === 'refs/heads/master')!.payload;
const body = JSON.stringify(push);

describe('createLocalApp', () => {
  let dir: string;
  let app: LocalApp | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pushline-app-'));
    writeFileSync(join(dir, 'pushline.yml'), PIPELINE_FILE);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (options: Partial<Parameters<typeof createLocalApp>[0]> = {}) =>
    createLocalApp({
      file: join(dir, 'pushline.yml'),
      dataDir: join(dir, 'data'),
      port: 0,
      env: { GITHUB_WEBHOOK_SECRET: 'app-secret' },
      logger: silentBusLogger,
      // Unit tests wire their own handlers (or none); the real stages run in test/integration.
      registerHandlers: () => {},
      ...options,
    });

  const deliver = async (url: string, id: string) =>
    fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'x-github-event': 'push',
        'x-github-delivery': id,
        'x-hub-signature-256': await sign('app-secret', body),
      },
      body,
    });

  it('dispatches a webhook’s Run Started to the handlers wired by registerHandlers', async () => {
    const seen: PipelineEvent[] = [];
    let resolveSeen: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (resolveSeen = resolve));
    app = await open({
      registerHandlers: (local) => {
        local.bus.on('start-build', (event) => {
          seen.push(event);
          resolveSeen();
        });
      },
    });

    const response = await deliver(app.url, 'd-1');
    await arrived;

    expect(response.status).toBe(202);
    expect(seen.map((e) => [e.detailType, e.detail.source.commit])).toEqual([['Run Started', push.after]]);
    expect(app.pipeline('hello')?.source.github).toBe('Codertocat/Hello-World');
  });

  it('publishes at start-up what an earlier process committed but never dispatched', async () => {
    app = await open();
    await deliver(app.url, 'd-1');
    await app.outbox.drain(); // d-1 is published…
    await app.outbox.stop(); // …and nothing more is
    await deliver(app.url, 'd-2'); // …so this run's Run Started stays in the backlog
    await app.close();
    const seen: string[] = [];

    app = await open({
      registerHandlers: (local) => {
        local.bus.on('start-build', (event) => {
          seen.push(event.detail.source.deliveryId ?? '');
        });
      },
    });

    expect(seen).toEqual(['d-2']);
  });

  it('refuses a bad pipeline file before opening anything', async () => {
    writeFileSync(join(dir, 'pushline.yml'), 'pipelines: []\n');

    await expect(open()).rejects.toBeInstanceOf(ConfigError);
    expect(() => statSync(join(dir, 'data'))).toThrow();
  });

  it('generates a webhook secret into the data folder when none is configured, and keeps it', async () => {
    app = await open({ env: {} });
    const file = join(dir, 'data', 'webhook-secret');
    const secret = readFileSync(file, 'utf8').trim();
    await app.close();

    app = await open({ env: {} });

    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
    expect(await app.secrets.get('github-webhook-secret')).toBe(secret);
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    const first = await open();
    app = first;

    await expect(open({ port: first.port, dataDir: join(dir, 'other') })).rejects.toThrow(/EADDRINUSE/);
  });
});
