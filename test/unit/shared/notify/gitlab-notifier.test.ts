import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { PushlineError, TransientError } from '../../../../shared/domain/errors.ts';
import { GitLabNotifier } from '../../../../shared/notify/gitlab-notifier.ts';
import { RecordingServer } from '../../../support/recording-server.ts';
import { COMMIT, pipeline, RunDriver, SCRIPTS, source } from './run-fixtures.ts';

const STATUSES = `/api/v4/projects/acme%2Fplatform%2Fweb/statuses/${COMMIT}`;

describe('GitLabNotifier', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await RecordingServer.start();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    server.on({ method: 'POST', path: STATUSES }, (r) => ({ status: 201, body: r.parsed }));
  });

  function setup() {
    const driver = new RunDriver();
    const config = pipeline({ source: { gitlab: 'acme/platform/web' } });
    const notifier = new GitLabNotifier({
      token: 'glpat-test',
      baseUrl: `${server.url}/api/v4/`,
      store: driver.store,
      clock: driver.clock,
      dashboardUrl: 'http://localhost:8787',
    });
    const announce = async () =>
      notifier.notify({
        run: await driver.run(),
        event: driver.events.at(-1)!,
        pipeline: config,
        announce: true,
      });
    return { driver, announce };
  }

  const gitlabSource = () => source({ provider: 'gitlab', repo: 'acme/platform/web', url: undefined });

  it('posts each state change of each context once, with the token header', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start(gitlabSource());

    // Act
    await announce();
    for (const step of SCRIPTS.buildFailed) {
      await driver.append(step.detailType, step.stage, step.data as never, step.after);
      await announce();
    }

    // Assess
    const sent = server.requests.map((r) => r.parsed as Record<string, string>);
    expect(sent.map((b) => `${b.name} ${b.state}`)).toEqual([
      'pushline/build pending',
      'pushline/build running',
      'pushline/build failed',
    ]);
    expect(sent[2]).toMatchObject({
      ref: 'main',
      description: 'Build failed: npm test exited with 1',
      target_url: `http://localhost:8787/runs/${driver.runId}`,
    });
    expect(server.requests[0]!.headers['private-token']).toBe('glpat-test');
  });

  it('counts GitLab refusing a transition to the state it already shows as done', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start(gitlabSource());
    server.script(
      { path: STATUSES },
      { status: 400, body: { message: 'Cannot transition status via :enqueue from :pending' } },
    );

    // Act
    await announce();

    // Assess
    expect(await driver.store.getAttribute(driver.runId, 'gitlab.status.build')).toBe('pending');
  });

  it('retries a 502 and not a 401', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start(gitlabSource());
    server.script(
      { path: STATUSES },
      { status: 502, body: 'bad gateway' },
      { status: 401, body: { message: '401 Unauthorized' } },
    );

    // Act
    const first = await announce().catch((e: unknown) => e);
    const second = await announce().catch((e: unknown) => e);

    // Assess
    expect(first).toBeInstanceOf(TransientError);
    expect(second).toBeInstanceOf(PushlineError);
    expect((second as PushlineError).retryable).toBe(false);
    expect((second as Error).message).toBe('gitlab HTTP 401: {"message":"401 Unauthorized"}');
    expect((second as Error).message).not.toContain('glpat');
  });
});
