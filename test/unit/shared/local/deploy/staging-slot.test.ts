import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../../../shared/domain/errors.ts';
import { restoreRelease } from '../../../../../shared/local/deploy/restore-release.ts';
import { StagingSlot } from '../../../../../shared/local/deploy/staging-slot.ts';
import { ProcessStartError } from '../../../../../shared/local/process-manager.ts';
import { register, requestFor, STAGING_PORT, shop, slotHarness } from './slot-harness.ts';

describe('StagingSlot', () => {
  it('serves a first release on the configured port and reports SUCCEEDED with its URL', async () => {
    // Prepare
    const h = slotHarness();
    const slot = new StagingSlot(h.ctx, 'shop');
    const d = register(h.ctx, requestFor('run-1', 'staging'));
    // Act
    await slot.deploy(d, requestFor('run-1', 'staging'));
    const urlAtOnce = d.url;
    await d.ready;
    // Assess
    expect(urlAtOnce).toBe(`http://127.0.0.1:${STAGING_PORT}`);
    expect(d.state).toBe('running');
    expect(slot.current).toBe(d.id);
    expect(h.ports.isLeased(STAGING_PORT)).toBe(false);
    expect(h.outcomes).toEqual([
      { deploymentId: d.id, runId: 'run-1', environment: 'staging', status: 'SUCCEEDED', url: urlAtOnce },
    ]);
  });

  it('starts the next release on another port while the serving one holds the configured port, and stops the old one only once the new one is healthy', async () => {
    const h = slotHarness();
    const slot = new StagingSlot(h.ctx, 'shop');
    const first = register(h.ctx, requestFor('run-1', 'staging'));
    await slot.deploy(first, requestFor('run-1', 'staging'));
    await first.ready;
    h.busy.add(STAGING_PORT); // the first release listens there now

    const second = register(h.ctx, requestFor('run-2', 'staging'));
    await slot.deploy(second, requestFor('run-2', 'staging'));
    await second.ready;

    expect(second.url).not.toBe(first.url);
    expect(h.apps.log).toEqual([`start ${first.id}`, `start ${second.id}`, `stop ${first.id}`]);
    expect([first.state, second.state]).toEqual(['replaced', 'running']);
    expect(slot.current).toBe(second.id);
  });

  it('keeps the serving release when the next one does not start, and reports FAILED with its code', async () => {
    const h = slotHarness();
    const slot = new StagingSlot(h.ctx, 'shop');
    const first = register(h.ctx, requestFor('run-1', 'staging'));
    await slot.deploy(first, requestFor('run-1', 'staging'));
    await first.ready;
    const second = register(h.ctx, requestFor('run-2', 'staging'));
    h.apps.fail(
      second.id,
      new ProcessStartError('`node app.mjs` exited (code 3)', { code: 'PROCESS_EXITED', logTail: '' }),
    );

    await slot.deploy(second, requestFor('run-2', 'staging'));
    await second.ready;

    expect([first.state, second.state]).toEqual(['running', 'failed']);
    expect(slot.current).toBe(first.id);
    expect(h.apps.stopped()).toEqual([second.id]);
    expect(h.outcomes.at(-1)).toMatchObject({
      deploymentId: second.id,
      status: 'FAILED',
      errorCode: 'PROCESS_EXITED',
      reason: '`node app.mjs` exited (code 3)',
    });
    expect(h.ports.isLeased(h.apps.ports.get(second.id)!)).toBe(false);
  });

  it('reports FAILED without starting anything when there is no target or no artifacts', async () => {
    const h = slotHarness();
    const slot = new StagingSlot(h.ctx, 'shop');
    const noTarget = requestFor('run-1', 'staging', shop(false));
    const noArtifacts = {
      ...requestFor('run-2', 'staging'),
      artifacts: { files: [], exportedVariables: {} },
    };
    const a = register(h.ctx, noTarget);
    const b = register(h.ctx, noArtifacts);

    await slot.deploy(a, noTarget);
    await slot.deploy(b, noArtifacts);
    await Promise.all([a.ready, b.ready]);

    expect(h.apps.log).toEqual([]);
    expect(h.outcomes.map((o) => [o.deploymentId, o.status, o.errorCode])).toEqual([
      [a.id, 'FAILED', 'NO_LOCAL_TARGET'],
      [b.id, 'FAILED', 'NO_ARTIFACTS'],
    ]);
    expect(h.ports.isLeased(STAGING_PORT)).toBe(false);
  });

  describe('restored after a restart', () => {
    it('serves the release again on the configured port, reporting nothing', async () => {
      const h = slotHarness();
      const slot = new StagingSlot(h.ctx, 'shop');

      const restored = await restoreRelease(h.ctx, slot, requestFor('run-1', 'staging'));

      expect(restored).toEqual({
        deploymentId: 'staging-shop-run-1-1',
        url: `http://127.0.0.1:${STAGING_PORT}`,
      });
      expect(slot.current).toBe(restored.deploymentId);
      expect(h.outcomes).toEqual([]);
    });

    it('gives way to a staging deployment that took the slot while the restored release started', async () => {
      const h = slotHarness();
      const slot = new StagingSlot(h.ctx, 'shop');
      const letGo = h.apps.hold('staging-shop-run-1-1');
      const restoring = restoreRelease(h.ctx, slot, requestFor('run-1', 'staging'));
      const newer = register(h.ctx, requestFor('run-2', 'staging'));
      await slot.deploy(newer, requestFor('run-2', 'staging'));
      await newer.ready;

      letGo();

      await expect(restoring).rejects.toThrow(/has staging-shop-run-2-1 on staging now/);
      expect(h.ctx.deployments.get('staging-shop-run-1-1')?.state).toBe('failed');
      expect(h.apps.stopped()).toEqual(['staging-shop-run-1-1']);
      expect(slot.current).toBe(newer.id);
    });

    it('refuses a release while staging serves another, or without a target', async () => {
      const h = slotHarness();
      const slot = new StagingSlot(h.ctx, 'shop');
      await restoreRelease(h.ctx, slot, requestFor('run-1', 'staging'));

      await expect(restoreRelease(h.ctx, slot, requestFor('run-2', 'staging'))).rejects.toThrow(
        new ValidationError('pipeline shop already has staging-shop-run-1-1 on staging'),
      );
      expect(slot.refuseRestore(requestFor('run-3', 'staging', shop(false)))).toBe(
        'pipeline shop has no staging.local target',
      );
      expect(h.ctx.deployments.get('staging-shop-run-2-1')).toBeUndefined();
    });
  });
});
