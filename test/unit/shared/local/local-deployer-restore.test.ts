import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { CanaryProxy, seededRandom } from '../../../../shared/local/canary-proxy.ts';
import { LocalDeployer } from '../../../../shared/local/local-deployer.ts';
import { freePort, isPortFree } from '../../../../shared/local/process-manager.ts';
import { systemClock } from '../../../../shared/ports/clock.ts';
import type { DeploymentOutcome, DeployRequest } from '../../../../shared/ports/deployer.ts';

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

describe('LocalDeployer.restoreStable', () => {
  let dataDir: string;
  let port: number;
  let outcomes: DeploymentOutcome[];
  let deployer: LocalDeployer;

  const shop = (start = 'node app.mjs') =>
    PipelineConfig.parse({
      name: 'shop',
      source: { github: 'acme/shop' },
      production: { local: { start, port } },
    });
  const request = (runId: string, pipeline = shop()): DeployRequest => ({
    runId,
    attempt: 1,
    pipeline,
    environment: 'production',
    commit: 'a1b2c3d4e5f6',
    artifacts: { location: apps, files: [], exportedVariables: {} },
  });

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pushline-restore-'));
    port = await freePort();
    outcomes = [];
    deployer = new LocalDeployer({
      dataDir,
      clock: systemClock,
      onFinished: (outcome) => {
        outcomes.push(outcome);
      },
      env: { PATH: process.env.PATH },
      healthTimeoutMs: 5000,
      drainTimeoutMs: 1000,
      proxyFactory: (options) => new CanaryProxy({ ...options, random: seededRandom(3) }),
    });
  });

  afterEach(async () => {
    await deployer.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a release again as the stable one, under the id its canary had, and reports nothing', async () => {
    const { deploymentId, url } = await deployer.restoreStable(request('run-1'));

    expect(deploymentId).toBe('production-shop-run-1-1');
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(await releaseAt(port)).toBe(deploymentId);
    expect(deployer.proxyFor('shop')!.stable?.release).toBe(deploymentId);
    expect(await deployer.restoreStable(request('run-1'))).toEqual({ deploymentId, url });
    expect(outcomes).toEqual([]);
  });

  it('shares traffic with the next canary, and is stopped once that canary is promoted', async () => {
    const stable = (await deployer.restoreStable(request('run-1'))).deploymentId;
    const { deploymentId: canary } = await deployer.startCanary({ ...request('run-2'), trafficPercent: 50 });

    const seen = new Set(await Promise.all(Array.from({ length: 20 }, () => releaseAt(port))));
    await deployer.promote(canary);

    expect(seen).toEqual(new Set([stable, canary]));
    // The outcome follows once the old release has drained and stopped.
    for (let i = 0; i < 250 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(outcomes).toEqual([expect.objectContaining({ deploymentId: canary, status: 'SUCCEEDED' })]);
    expect(readdirSync(join(dataDir, 'processes'))).toEqual([`${canary}.json`]);
  });

  it('leaves nothing behind when the release does not start: no process, no proxy', async () => {
    await expect(deployer.restoreStable(request('run-1', shop('node exits-at-once.mjs')))).rejects.toThrow(
      /exited \(code 3\)/,
    );

    expect(deployer.proxyFor('shop')).toBeUndefined();
    expect(await isPortFree(port)).toBe(true);
    expect(readdirSync(join(dataDir, 'processes'))).toEqual([]);
  });

  it('refuses a second stable release for a pipeline that has one', async () => {
    await deployer.restoreStable(request('run-1'));

    await expect(deployer.restoreStable(request('run-2'))).rejects.toThrow(ValidationError);
    expect(await releaseAt(port)).toBe('production-shop-run-1-1');
  });
});

describe('LocalDeployer.restoreStaging', () => {
  let dataDir: string;
  let port: number;
  let outcomes: DeploymentOutcome[];
  let deployer: LocalDeployer;

  const shop = (start = 'node app.mjs') =>
    PipelineConfig.parse({
      name: 'shop',
      source: { github: 'acme/shop' },
      staging: { local: { start, port } },
    });
  const request = (runId: string, pipeline = shop()): DeployRequest => ({
    runId,
    attempt: 1,
    pipeline,
    environment: 'staging',
    commit: 'a1b2c3d4e5f6',
    artifacts: { location: apps, files: [], exportedVariables: {} },
  });
  const statusAt = (at: number) =>
    new Promise<number | string>((done) => {
      get({ host: '127.0.0.1', port: at, path: '/', agent: false }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      }).on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    });

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pushline-restore-staging-'));
    port = await freePort();
    outcomes = [];
    deployer = new LocalDeployer({
      dataDir,
      clock: systemClock,
      onFinished: (outcome) => {
        outcomes.push(outcome);
      },
      env: { PATH: process.env.PATH },
      healthTimeoutMs: 5000,
      drainTimeoutMs: 1000,
    });
  });

  afterEach(async () => {
    await deployer.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a release again on the staging port, under its deployment id, and reports nothing', async () => {
    const { deploymentId, url } = await deployer.restoreStaging(request('run-1'));

    expect(deploymentId).toBe('staging-shop-run-1-1');
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(await statusAt(port)).toBe(200);
    expect(await deployer.restoreStaging(request('run-1'))).toEqual({ deploymentId, url });
    expect(readdirSync(join(dataDir, 'processes'))).toEqual([`${deploymentId}.json`]);
    expect(outcomes).toEqual([]);
  });

  it('is replaced by the next staging deployment, which reports as usual', async () => {
    const restored = (await deployer.restoreStaging(request('run-1'))).deploymentId;

    const { deploymentId } = await deployer.deploy(request('run-2'));
    for (let i = 0; i < 250 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));

    expect(outcomes).toEqual([expect.objectContaining({ deploymentId, status: 'SUCCEEDED' })]);
    expect(readdirSync(join(dataDir, 'processes'))).toEqual([`${deploymentId}.json`]);
    expect(restored).not.toBe(deploymentId);
  });

  it('leaves nothing behind when the release does not start', async () => {
    await expect(deployer.restoreStaging(request('run-1', shop('node exits-at-once.mjs')))).rejects.toThrow(
      /exited \(code 3\)/,
    );

    expect(await isPortFree(port)).toBe(true);
    expect(readdirSync(join(dataDir, 'processes'))).toEqual([]);
    expect(outcomes).toEqual([]);
  });

  it('refuses a second release while staging serves one', async () => {
    await deployer.restoreStaging(request('run-1'));

    await expect(deployer.restoreStaging(request('run-2'))).rejects.toThrow(ValidationError);
    expect(readdirSync(join(dataDir, 'processes'))).toEqual(['staging-shop-run-1-1.json']);
  });
});
