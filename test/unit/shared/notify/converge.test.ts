import { describe, expect, it } from '@jest/globals';
import { converge } from '../../../../shared/notify/converge.ts';
import { RunDriver } from './run-fixtures.ts';

describe('converge', () => {
  it('ends on the newest state when an older send lands after a newer one', async () => {
    // Prepare: handler A read the run at v1; B reads it at v2 and sends first; A's send lands last.
    const driver = new RunDriver();
    await driver.start();
    const shown: string[] = [];
    let releaseA!: () => void;
    const aMayLand = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const a = converge(driver.store, driver.runId, (_run, version) => [
      {
        key: 'test.shown',
        fingerprint: `v${version}`,
        send: async () => {
          if (version === 1) await aMayLand;
          shown.push(`v${version}`);
        },
      },
    ]);
    await driver.append('Build Started', 'build', { buildId: 'b-1' });

    // Act
    await converge(driver.store, driver.runId, (_run, version) => [
      { key: 'test.shown', fingerprint: `v${version}`, send: async () => void shown.push(`v${version}`) },
    ]);
    releaseA();
    await a;

    // Assess
    expect(shown).toEqual(['v2', 'v1', 'v2']);
    expect(await driver.store.getAttribute(driver.runId, 'test.shown')).toBe('v2');
  });

  it('sends nothing when what is shown is already current', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await driver.store.setAttribute(driver.runId, 'test.shown', 'v1');
    let sent = 0;

    // Act
    await converge(driver.store, driver.runId, (_run, version) => [
      { key: 'test.shown', fingerprint: `v${version}`, send: async () => void sent++ },
    ]);

    // Assess
    expect(sent).toBe(0);
  });
});
