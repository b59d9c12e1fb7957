import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { CanaryProxy, seededRandom } from '../../../../shared/local/canary-proxy.ts';
import { LocalDeployer } from '../../../../shared/local/local-deployer.ts';
import { freePort } from '../../../../shared/local/process-manager.ts';
import { systemClock } from '../../../../shared/ports/clock.ts';
import type { DeploymentOutcome, DeployRequest } from '../../../../shared/ports/deployer.ts';
import { nothingListensOn } from '../../../support/net.ts';

const apps = resolve('test/fixtures/apps');

/** The release that answered one GET through the proxy, or its status when not 200. */
function releaseAt(port: number): Promise<string> {
  return new Promise((done) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      done(res.statusCode === 200 ? String(res.headers['x-pushline-release']) : `HTTP ${res.statusCode}`);
    }).on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/**
 * A LocalDeployer for each test, on a fresh data folder, recording what it reports, and the
 * `shop` pipeline with a local target for `environment` on a free port.
 */
function harness(environment: 'production' | 'staging') {
  interface Harness {
    dataDir: string;
    port: number;
    outcomes: DeploymentOutcome[];
    deployer: LocalDeployer;
    shop: (start?: string) => PipelineConfig;
    request: (runId: string, pipeline?: PipelineConfig) => DeployRequest;
  }
  const h: Harness = {
    dataDir: '',
    port: 0,
    outcomes: [] as DeploymentOutcome[],
    deployer: undefined as unknown as LocalDeployer,
    shop: (start = 'node app.mjs') =>
      PipelineConfig.parse({
        name: 'shop',
        source: { github: 'acme/shop' },
        [environment]: { local: { start, port: h.port } },
      }),
    request: (runId: string, pipeline = h.shop()): DeployRequest => ({
      runId,
      attempt: 1,
      pipeline,
      environment,
      commit: 'a1b2c3d4e5f6',
      artifacts: { location: apps, files: [], exportedVariables: {} },
    }),
  };
  beforeEach(async () => {
    h.dataDir = mkdtempSync(join(tmpdir(), `pushline-restore-${environment}-`));
    h.port = await freePort();
    h.outcomes = [];
    h.deployer = new LocalDeployer({
      dataDir: h.dataDir,
      clock: systemClock,
      onFinished: (outcome) => {
        h.outcomes.push(outcome);
      },
      env: { PATH: process.env.PATH },
      healthTimeoutMs: 5000,
      drainTimeoutMs: 1000,
      proxyFactory: (options) => new CanaryProxy({ ...options, random: seededRandom(3) }),
    });
  });
  afterEach(async () => {
    await h.deployer.stopAll();
    rmSync(h.dataDir, { recursive: true, force: true });
  });
  return h;
}

describe('LocalDeployer.restoreStable', () => {
  const h = harness('production');

  it('serves a release again as the stable one, under the id its canary had, and reports nothing', async () => {
    const { deploymentId, url } = await h.deployer.restoreStable(h.request('run-1'));

    expect(deploymentId).toBe('production-shop-run-1-1');
    expect(url).toBe(`http://127.0.0.1:${h.port}`);
    expect(await releaseAt(h.port)).toBe(deploymentId);
    expect(h.deployer.proxyFor('shop')!.stable?.release).toBe(deploymentId);
    expect(await h.deployer.restoreStable(h.request('run-1'))).toEqual({ deploymentId, url });
    expect(h.outcomes).toEqual([]);
  });

  it('shares traffic with the next canary, and is stopped once that canary is promoted', async () => {
    const stable = (await h.deployer.restoreStable(h.request('run-1'))).deploymentId;
    const { deploymentId: canary } = await h.deployer.startCanary({
      ...h.request('run-2'),
      trafficPercent: 50,
    });

    const seen = new Set(await Promise.all(Array.from({ length: 20 }, () => releaseAt(h.port))));
    await h.deployer.promote(canary);

    expect(seen).toEqual(new Set([stable, canary]));
    // The outcome follows once the old release has drained and stopped.
    for (let i = 0; i < 250 && h.outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(h.outcomes).toEqual([expect.objectContaining({ deploymentId: canary, status: 'SUCCEEDED' })]);
    expect(readdirSync(join(h.dataDir, 'processes'))).toEqual([`${canary}.json`]);
  });

  it('leaves nothing behind when the release does not start: no process, no proxy', async () => {
    await expect(
      h.deployer.restoreStable(h.request('run-1', h.shop('node exits-at-once.mjs'))),
    ).rejects.toThrow(/exited \(code 3\)/);

    expect(h.deployer.proxyFor('shop')).toBeUndefined();
    expect(await nothingListensOn(h.port)).toBe(true);
    expect(readdirSync(join(h.dataDir, 'processes'))).toEqual([]);
  });

  it('refuses a second stable release for a pipeline that has one', async () => {
    await h.deployer.restoreStable(h.request('run-1'));

    await expect(h.deployer.restoreStable(h.request('run-2'))).rejects.toThrow(ValidationError);
    expect(await releaseAt(h.port)).toBe('production-shop-run-1-1');
  });
});

describe('LocalDeployer.restoreStaging', () => {
  const h = harness('staging');
  const statusAt = (at: number) =>
    new Promise<number | string>((done) => {
      get({ host: '127.0.0.1', port: at, path: '/', agent: false }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      }).on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    });

  it('serves a release again on the staging port, under its deployment id, and reports nothing', async () => {
    const { deploymentId, url } = await h.deployer.restoreStaging(h.request('run-1'));

    expect(deploymentId).toBe('staging-shop-run-1-1');
    expect(url).toBe(`http://127.0.0.1:${h.port}`);
    expect(await statusAt(h.port)).toBe(200);
    expect(await h.deployer.restoreStaging(h.request('run-1'))).toEqual({ deploymentId, url });
    expect(readdirSync(join(h.dataDir, 'processes'))).toEqual([`${deploymentId}.json`]);
    expect(h.outcomes).toEqual([]);
  });

  it('is replaced by the next staging deployment, which reports as usual', async () => {
    const restored = (await h.deployer.restoreStaging(h.request('run-1'))).deploymentId;

    const { deploymentId } = await h.deployer.deploy(h.request('run-2'));
    for (let i = 0; i < 250 && h.outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));

    expect(h.outcomes).toEqual([expect.objectContaining({ deploymentId, status: 'SUCCEEDED' })]);
    expect(readdirSync(join(h.dataDir, 'processes'))).toEqual([`${deploymentId}.json`]);
    expect(restored).not.toBe(deploymentId);
  });

  it('leaves nothing behind when the release does not start', async () => {
    await expect(
      h.deployer.restoreStaging(h.request('run-1', h.shop('node exits-at-once.mjs'))),
    ).rejects.toThrow(/exited \(code 3\)/);

    expect(await nothingListensOn(h.port)).toBe(true);
    expect(readdirSync(join(h.dataDir, 'processes'))).toEqual([]);
    expect(h.outcomes).toEqual([]);
  });

  it('starts a release once when asked twice at the same time', async () => {
    const [a, b] = await Promise.all([
      h.deployer.restoreStaging(h.request('run-1')),
      h.deployer.restoreStaging(h.request('run-1')),
    ]);

    expect(a).toEqual(b);
    expect(readdirSync(join(h.dataDir, 'processes'))).toEqual([`${a.deploymentId}.json`]);
  });

  it('refuses a second release while staging serves one', async () => {
    await h.deployer.restoreStaging(h.request('run-1'));

    await expect(h.deployer.restoreStaging(h.request('run-2'))).rejects.toThrow(ValidationError);
    expect(readdirSync(join(h.dataDir, 'processes'))).toEqual(['staging-shop-run-1-1.json']);
  });
});
