import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { commitAndPush } from '../../cli/demo/scaffold.ts';
import { createLocalApp, type LocalApp } from '../../cli/local/create-local-app.ts';
import { silentBusLogger } from '../../shared/local/local-bus.ts';
import { freePort } from '../../shared/local/process-manager.ts';
import { deliverSpooledPushes, spoolDir, spoolPush } from '../../shared/local/push-spool.ts';
import { type LocalDemo, makeLocalDemo, runOfCommit } from '../support/local-demo.ts';

/**
 * Issue 14: a push made while the server is down is not lost. The real post-receive hook keeps it
 * in the data folder's spool, and the next `pushline up` (`createLocalApp`) delivers it: the run
 * starts as if the push had just been made, once, however many times the spool is delivered.
 */
describe('pushes made while the server is down', () => {
  let demo: LocalDemo;
  let app: LocalApp | undefined;
  const spooled = () => readdirSync(spoolDir(demo.repo.dataDir)).filter((n) => n.endsWith('.json'));

  beforeAll(async () => {
    demo = await makeLocalDemo();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    demo?.cleanup();
  }, 30_000);

  it('are kept by the hook and started by the next pushline up, once', async () => {
    // Prepare: the hook points at a port where nothing listens
    const port = await freePort();
    await demo.hookTo(`http://127.0.0.1:${port}`);

    // Act: push with no server, then start one on that port and data folder
    const { commit, pushOutput } = await commitAndPush(
      demo.repo,
      'Pushed while Pushline was down',
      {},
      demo.env,
    );
    const kept = spooled();
    app = await createLocalApp({
      file: demo.repo.configFile,
      dataDir: demo.repo.dataDir,
      port,
      env: demo.env,
      logger: silentBusLogger,
      quiet: true,
      registerHandlers: async () => {},
    });
    const runId = await runOfCommit(app.url, commit);

    // Assess
    expect(pushOutput).toMatch(
      /could not reach http:\/\/127\.0\.0\.1:\d+: .* for refs\/heads\/main; the push is kept in /,
    );
    expect(pushOutput).toContain('delivered when `pushline up` starts');
    expect(kept).toHaveLength(1);
    expect(spooled()).toEqual([]);
    const { runs } = await app.store.list();
    expect(runs.map((run) => run.id)).toEqual([runId]);
  }, 60_000);

  it('keeps a push the server answers with 5xx, and delivers each push once even when told twice', async () => {
    // Prepare: a push in the spool, and a server that refuses everything with 503 at first
    const dir = spoolDir(join(demo.repo.dataDir, 'other'));
    const payload = { ref: 'refs/heads/main' };
    await spoolPush(dir, {
      deliveryId: 'd-1',
      ref: 'refs/heads/main',
      spooledAt: new Date().toISOString(),
      payload,
    });
    await spoolPush(dir, {
      deliveryId: 'd-2',
      ref: 'refs/heads/next',
      spooledAt: new Date().toISOString(),
      payload,
    });
    const sent: string[] = [];
    let status = 503;
    const post = async (options: { deliveryId?: string }) => {
      sent.push(options.deliveryId!);
      return { status, body: {}, deliveryId: options.deliveryId! };
    };

    // Act
    const first = await deliverSpooledPushes({ dir, url: 'http://unused', secret: 's', post });
    status = 202;
    const second = await deliverSpooledPushes({ dir, url: 'http://unused', secret: 's', post });
    const third = await deliverSpooledPushes({ dir, url: 'http://unused', secret: 's', post });

    // Assess: the first 503 stops the round; the next delivers both in order, with their own ids
    expect(first).toEqual({ delivered: 0, refused: 0, kept: 2 });
    expect(second).toEqual({ delivered: 2, refused: 0, kept: 0 });
    expect(third).toEqual({ delivered: 0, refused: 0, kept: 0 });
    expect(sent).toEqual(['d-1', 'd-1', 'd-2']);
  });
});
