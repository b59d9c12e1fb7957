import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_PIPELINE } from '../../cli/demo/scaffold.ts';
import type { LocalApp } from '../../cli/local/create-local-app.ts';
import {
  bumpVersion,
  type LocalDemo,
  logProblems,
  makeLocalDemo,
  runOfCommit,
  stageOf,
  waitForRun,
} from '../support/local-demo.ts';
import { type DemoServer, startDemoServer } from '../support/local-server.ts';

/**
 * Issue 12's local "done means" for a freeze: a real server (`createLocalApp`), a real git origin
 * with the post-receive hook, real builds and app processes behind the real blue/green proxy. A
 * freeze set with the command holds a run after staging, before its canary; the unfreeze lets it
 * go on to production — checked with requests to production.
 */
describe('a deploy freeze, locally', () => {
  let demo: LocalDemo;
  let app: LocalApp;
  let server: DemoServer;
  let pushline: DemoServer['pushline'];
  let versionsServed: DemoServer['versionsServed'];

  const finished = (run: { status: string }) => run.status !== 'running';
  const types = (run: { events: { detailType: string }[] }) => run.events.map((e) => e.detailType);

  beforeAll(async () => {
    demo = await makeLocalDemo();
    server = await startDemoServer(demo);
    ({ app, pushline, versionsServed } = server);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    demo?.cleanup();
  }, 30_000);

  it('holds a run before its canary while the pipeline is frozen, and takes it to production on unfreeze', async () => {
    // Prepare: version 2 in production, then a freeze
    const first = await runOfCommit(app.url, await demo.push('Version 2', bumpVersion('2.0.0')));
    expect((await waitForRun(app.url, first, 'to finish', finished, 60_000)).status).toBe('succeeded');
    const frozen = await pushline(
      'freeze',
      DEMO_PIPELINE,
      '--as',
      'Priya',
      '--reason',
      'payment provider release',
    );
    const twice = await pushline('freeze', DEMO_PIPELINE, '--reason', 'again');

    // Act: a push during the freeze
    const runId = await runOfCommit(app.url, await demo.push('Version 3', bumpVersion('3.0.0')));
    const held = await waitForRun(
      app.url,
      runId,
      'to wait before production',
      (run) => run.notes.some((note) => note.message.startsWith('waiting: production is frozen')),
      60_000,
    );
    const duringFreeze = await versionsServed();
    const listed = (await (await fetch(`${app.url}/api/pipelines`)).json()) as { pipelines: unknown[] };
    const unfrozen = await pushline('unfreeze', DEMO_PIPELINE, '--as', 'Tomás');
    const run = await waitForRun(app.url, runId, 'to finish', finished, 60_000);

    // Assess
    expect(frozen).toMatchObject({ code: 0, stdout: expect.stringContaining('frozen by Priya') });
    expect(twice).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        `pipeline ${DEMO_PIPELINE} is already frozen by Priya: payment provider release`,
      ),
    });
    expect(stageOf(held, 'staging').status).toBe('succeeded');
    expect(stageOf(held, 'canary').status).toBe('pending');
    expect(held.notes.map((note) => note.message)).toContain(
      'waiting: production is frozen by Priya: payment provider release',
    );
    expect(duringFreeze).toEqual(['2.0.0']);
    expect(listed.pipelines).toEqual([
      expect.objectContaining({ name: DEMO_PIPELINE, frozen: expect.objectContaining({ by: 'Priya' }) }),
    ]);
    expect(unfrozen).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`released 1 waiting run(s): ${runId}`),
    });
    expect(run.status).toBe('succeeded');
    expect(types(run)).toEqual(
      expect.arrayContaining(['Staging Deployed', 'Production Released', 'Canary Started']),
    );
    expect(types(run).indexOf('Production Released')).toBeLessThan(types(run).indexOf('Canary Started'));
    expect(logProblems(run.events)).toEqual([]);
    expect(await versionsServed()).toEqual(['3.0.0']);
  }, 180_000);
});
