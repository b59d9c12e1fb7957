import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../../../shared/domain/errors.ts';
import type { Deployment } from '../../../../../shared/local/deploy/deployment.ts';
import { advance, DeploymentState } from '../../../../../shared/local/deploy/deployment-state.ts';
import { type RestorableSlot, restoreRelease } from '../../../../../shared/local/deploy/restore-release.ts';
import type { DeployRequest } from '../../../../../shared/ports/deployer.ts';
import { requestFor, slotHarness } from './slot-harness.ts';

/** A slot that records what the restore path asks of it; `failWith` makes `bringBack` throw. */
function fakeSlot(options: { refusal?: string; failWith?: Error } = {}) {
  const calls: string[] = [];
  const slot: RestorableSlot = {
    environment: 'staging',
    servingState: DeploymentState.Running,
    refuseRestore: () => options.refusal,
    bringBack: async (d: Deployment, _request: DeployRequest) => {
      calls.push(`bringBack ${d.id}`);
      await new Promise((resolve) => setImmediate(resolve));
      if (options.failWith) throw options.failWith;
      d.url = 'http://127.0.0.1:18081';
      advance(d, DeploymentState.Running);
    },
    abandon: async (d: Deployment) => {
      calls.push(`abandon ${d.id}`);
    },
  };
  return { slot, calls };
}

describe('restoreRelease', () => {
  it('brings the release back under the id of its environment and answers with its URL', async () => {
    const h = slotHarness();
    const { slot } = fakeSlot();

    const restored = await restoreRelease(h.ctx, slot, requestFor('run-1', 'production'));

    expect(restored).toEqual({ deploymentId: 'staging-shop-run-1-1', url: 'http://127.0.0.1:18081' });
  });

  it('brings a release back once when asked twice at the same time, and answers both the same', async () => {
    const h = slotHarness();
    const { slot, calls } = fakeSlot();

    const [a, b] = await Promise.all([
      restoreRelease(h.ctx, slot, requestFor('run-1', 'staging')),
      restoreRelease(h.ctx, slot, requestFor('run-1', 'staging')),
    ]);

    expect(a).toEqual(b);
    expect(calls).toEqual(['bringBack staging-shop-run-1-1']);
  });

  it('refuses what the slot refuses, before it records anything', async () => {
    const h = slotHarness();
    const { slot, calls } = fakeSlot({
      refusal: 'pipeline shop already has staging-shop-run-0-1 on staging',
    });

    await expect(restoreRelease(h.ctx, slot, requestFor('run-1', 'staging'))).rejects.toThrow(
      new ValidationError('pipeline shop already has staging-shop-run-0-1 on staging'),
    );
    expect(calls).toEqual([]);
    expect(h.ctx.deployments.get('staging-shop-run-1-1')).toBeUndefined();
  });

  it('refuses a release whose artifacts are gone, without bringing it back', async () => {
    const h = slotHarness();
    const { slot, calls } = fakeSlot();
    const request = { ...requestFor('run-1', 'staging'), artifacts: { files: [], exportedVariables: {} } };

    await expect(restoreRelease(h.ctx, slot, request)).rejects.toThrow(
      'the build left no artifacts directory to start the app from',
    );
    expect(calls).toEqual(['abandon staging-shop-run-1-1']);
  });

  it('leaves nothing behind when the release does not start: failed, its app stopped, the slot let go', async () => {
    const h = slotHarness();
    const { slot, calls } = fakeSlot({ failWith: new Error('exited (code 3)') });

    await expect(restoreRelease(h.ctx, slot, requestFor('run-1', 'staging'))).rejects.toThrow(
      'exited (code 3)',
    );

    expect(h.ctx.deployments.get('staging-shop-run-1-1')?.state).toBe('failed');
    expect(h.apps.stopped()).toEqual(['staging-shop-run-1-1']);
    expect(calls).toEqual(['bringBack staging-shop-run-1-1', 'abandon staging-shop-run-1-1']);
  });

  it('answers a later call for a release that failed with its state, without trying again', async () => {
    const h = slotHarness();
    const { slot, calls } = fakeSlot({ failWith: new Error('exited (code 3)') });
    await restoreRelease(h.ctx, slot, requestFor('run-1', 'staging')).catch(() => undefined);

    await expect(restoreRelease(h.ctx, slot, requestFor('run-1', 'staging'))).rejects.toThrow(
      new ValidationError('release staging-shop-run-1-1 is failed, not running'),
    );
    expect(calls.filter((c) => c.startsWith('bringBack'))).toHaveLength(1);
  });
});
