import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ProductionSlot } from '../../../../../shared/local/deploy/production-slot.ts';
import { restoreRelease } from '../../../../../shared/local/deploy/restore-release.ts';
import { ProcessStartError } from '../../../../../shared/local/process-manager.ts';
import { register, requestFor, slotHarness } from './slot-harness.ts';

describe('ProductionSlot', () => {
  let h: ReturnType<typeof slotHarness>;
  let slot: ProductionSlot;
  beforeEach(() => {
    h = slotHarness();
    slot = new ProductionSlot(h.ctx, 'shop');
  });
  afterEach(async () => {
    await h.ctx.tasks.idle();
    await h.closeProxies();
  });

  /** Starts run `runId`'s release as the canary with `percent` of the traffic. */
  async function canary(runId: string, percent = 10) {
    const request = requestFor(runId, 'production');
    const d = register(h.ctx, request);
    d.ready = h.ctx.tasks.track(slot.startCanary(d, request, percent));
    await d.ready;
    return d;
  }

  /** A stable release: run `runId`'s canary, promoted, its outcome reported. */
  async function stable(runId: string) {
    const d = await canary(runId);
    await slot.promote(d);
    await h.ctx.tasks.idle();
    return d;
  }

  it('gives a first release the canary share behind a new proxy, with no baseline', async () => {
    const d = await canary('run-1', 10);

    expect(d.state).toBe('canary');
    expect(slot.proxy?.canary).toEqual({ release: d.id, port: h.apps.ports.get(d.id) });
    expect(slot.proxy?.stable).toBeUndefined();
    expect(d.url).toBe(slot.proxy?.url);
    expect(slot.metricsOf(d)).toEqual({
      metrics: slot.proxy!.metrics,
      canaryRelease: d.id,
      baselineRelease: undefined,
    });
  });

  it('judges a canary against the release that was stable when it started', async () => {
    const v1 = await stable('run-1');

    const v2 = await canary('run-2', 25);

    expect(slot.proxy?.weight).toBe(25);
    expect(slot.proxy?.stable?.release).toBe(v1.id);
    expect(slot.metricsOf(v2)).toMatchObject({ canaryRelease: v2.id, baselineRelease: v1.id });
  });

  it('promotes: all traffic to the canary at once, then the old release stopped and SUCCEEDED', async () => {
    const v1 = await stable('run-1');
    const v2 = await canary('run-2');

    await slot.promote(v2);
    const routedAtOnce = { stable: slot.proxy?.stable?.release, canary: slot.proxy?.canary };
    await h.ctx.tasks.idle();

    expect(routedAtOnce).toEqual({ stable: v2.id, canary: undefined });
    expect([v1.state, v2.state]).toEqual(['replaced', 'live']);
    expect(h.apps.stopped()).toEqual([v1.id]);
    expect(h.outcomes.at(-1)).toEqual({
      deploymentId: v2.id,
      runId: 'run-2',
      environment: 'production',
      status: 'SUCCEEDED',
      url: slot.proxy?.url,
    });
  });

  it('rolls back: all traffic to the stable release, the canary stopped, STOPPED with rolledBack', async () => {
    const v1 = await stable('run-1');
    const v2 = await canary('run-2', 50);

    await slot.rollback(v2, 'error_rate 0.5 > max 0.01');
    await h.ctx.tasks.idle();

    expect(slot.proxy?.stable?.release).toBe(v1.id);
    expect(slot.proxy?.canary).toBeUndefined();
    expect([v1.state, v2.state]).toEqual(['live', 'rolled_back']);
    expect(h.apps.stopped()).toEqual([v2.id]);
    expect(h.outcomes.at(-1)).toEqual({
      deploymentId: v2.id,
      runId: 'run-2',
      environment: 'production',
      status: 'STOPPED',
      rolledBack: true,
      reason: 'error_rate 0.5 > max 0.01',
    });
  });

  it('rolls back a canary still in its phase when a newer release is healthy: one canary per pipeline', async () => {
    await stable('run-1');
    const v2 = await canary('run-2');

    const v3 = await canary('run-3');
    await h.ctx.tasks.idle();

    expect([v2.state, v3.state]).toEqual(['rolled_back', 'canary']);
    expect(slot.proxy?.canary?.release).toBe(v3.id);
    expect(h.outcomes.at(-1)).toMatchObject({ deploymentId: v2.id, reason: `superseded by ${v3.id}` });
  });

  it('does nothing on a second promote, or a rollback after the promotion', async () => {
    const v1 = await canary('run-1');

    await Promise.all([slot.promote(v1), slot.promote(v1)]);
    await slot.rollback(v1, 'too late');
    await h.ctx.tasks.idle();

    expect(v1.state).toBe('live');
    expect(h.outcomes.map((o) => [o.deploymentId, o.status])).toEqual([[v1.id, 'SUCCEEDED']]);
  });

  it('reports FAILED after startCanary resolves when the release does not start; the stable one keeps all traffic', async () => {
    const v1 = await stable('run-1');
    const outcomesBefore = h.outcomes.length;
    h.apps.fail(
      'production-shop-run-2-1',
      new ProcessStartError('never healthy', { code: 'HEALTH_CHECK_TIMEOUT', logTail: '' }),
    );

    const v2 = await canary('run-2', 50);
    const reportedAtOnce = h.outcomes.length - outcomesBefore;
    await h.ctx.tasks.idle();

    expect(reportedAtOnce).toBe(0);
    expect(v2.state).toBe('failed');
    expect(slot.proxy?.stable?.release).toBe(v1.id);
    expect(slot.proxy?.canary).toBeUndefined();
    expect(h.outcomes.at(-1)).toMatchObject({
      deploymentId: v2.id,
      status: 'FAILED',
      errorCode: 'HEALTH_CHECK_TIMEOUT',
    });
    expect(h.ports.isLeased(h.apps.ports.get(v2.id)!)).toBe(false);
  });

  describe('restored after a restart', () => {
    it('serves the release as the stable one at once, no canary phase, reporting nothing', async () => {
      const restored = await restoreRelease(h.ctx, slot, requestFor('run-1', 'production'));

      expect(restored).toEqual({ deploymentId: 'production-shop-run-1-1', url: slot.proxy?.url });
      expect(h.ctx.deployments.get(restored.deploymentId)?.state).toBe('live');
      expect(slot.proxy?.stable?.release).toBe(restored.deploymentId);
      expect(h.outcomes).toEqual([]);
    });

    it('leaves no proxy listening when a first release or a restore cannot start', async () => {
      h.apps.fail(
        'production-shop-run-2-1',
        new ProcessStartError('exited', { code: 'PROCESS_EXITED', logTail: '' }),
      );
      await canary('run-2'); // the proxy would listen only once the release were healthy
      expect(slot.proxy).toBeUndefined();
      h.apps.fail(
        'production-shop-run-1-1',
        new ProcessStartError('exited', { code: 'PROCESS_EXITED', logTail: '' }),
      );

      await expect(restoreRelease(h.ctx, slot, requestFor('run-1', 'production'))).rejects.toThrow('exited');

      expect(slot.proxy).toBeUndefined();
    });

    it('refuses a second stable release', async () => {
      await restoreRelease(h.ctx, slot, requestFor('run-1', 'production'));

      expect(slot.refuseRestore(requestFor('run-2', 'production'))).toBe(
        'pipeline shop already serves production-shop-run-1-1',
      );
    });
  });
});
