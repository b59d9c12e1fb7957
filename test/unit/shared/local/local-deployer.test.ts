import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { judgeCanary } from '../../../../shared/domain/canary-judge.ts';
import { NotFoundError } from '../../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { CanaryProxy, seededRandom } from '../../../../shared/local/canary-proxy.ts';
import { LocalDeployer } from '../../../../shared/local/local-deployer.ts';
import { freePort } from '../../../../shared/local/process-manager.ts';
import { ProxyMetricsSource } from '../../../../shared/local/proxy-metrics-source.ts';
import { systemClock } from '../../../../shared/ports/clock.ts';
import type { DeploymentOutcome, DeployRequest, Environment } from '../../../../shared/ports/deployer.ts';
import { nothingListensOn } from '../../../support/net.ts';
import { trafficLoop } from '../../../support/traffic-loop.ts';

const apps = resolve('test/fixtures/apps');

interface Answer {
  status: number;
  release?: string;
  body: string;
}

/** One GET to 127.0.0.1; a connection error is an answer with status 0, so loops can count it. */
function get(url: string): Promise<Answer> {
  return new Promise((done) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, release: res.headers['x-pushline-release'] as string, body }),
      );
    });
    req.on('error', (error) => done({ status: 0, body: String(error) }));
    req.end();
  });
}

async function getMany(url: string, n: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  let left = n;
  const worker = async () => {
    while (left-- > 0) answers.push(await get(url));
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return answers;
}

function pipeline(
  ports: { staging: number; production: number },
  options: { start?: string; env?: Record<string, string> } = {},
) {
  const start = options.start ?? 'node app.mjs';
  return PipelineConfig.parse({
    name: 'shop',
    source: { github: 'acme/shop' },
    staging: { local: { start, port: ports.staging, env: options.env ?? {} } },
    production: { local: { start, port: ports.production, env: options.env ?? {} } },
  });
}

function deployRequest(p: PipelineConfig, runId: string, environment: Environment): DeployRequest {
  return {
    runId,
    attempt: 1,
    pipeline: p,
    environment,
    commit: 'a1b2c3d4e5f6',
    artifacts: { location: apps, files: [], exportedVariables: {} },
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('LocalDeployer', () => {
  let dataDir: string;
  let outcomes: DeploymentOutcome[];
  let deployer: LocalDeployer;
  let ports: { staging: number; production: number };

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pushline-deployer-'));
    outcomes = [];
    deployer = new LocalDeployer({
      dataDir,
      clock: systemClock,
      onFinished: (outcome) => {
        outcomes.push(outcome);
      },
      env: { PATH: process.env.PATH },
      healthTimeoutMs: 5000,
      drainTimeoutMs: 2000,
      proxyFactory: (options) => new CanaryProxy({ ...options, random: seededRandom(11) }),
    });
    ports = { staging: await freePort(), production: await freePort() };
  });

  afterEach(async () => {
    await deployer.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function outcomeFor(deploymentId: string, ms = 8000): Promise<DeploymentOutcome> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = outcomes.find((o) => o.deploymentId === deploymentId);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no outcome for ${deploymentId}; got ${JSON.stringify(outcomes)}`);
      await sleep(20);
    }
  }

  /** The pids of the apps running now, from the pid files the deployer keeps. */
  function appPids(): number[] {
    const dir = join(dataDir, 'processes');
    return readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).pid as number);
  }

  /** The pid of a deployment's app, from its pid file. */
  function pidOf(deploymentId: string): number {
    return JSON.parse(readFileSync(join(dataDir, 'processes', `${deploymentId}.json`), 'utf8')).pid;
  }

  describe('staging', () => {
    it('starts the release on its port and reports SUCCEEDED with the URL, after returning', async () => {
      // Act
      const { deploymentId, url } = await deployer.deploy(deployRequest(pipeline(ports), 'run-1', 'staging'));
      const reportedAtOnce = outcomes.length;
      const outcome = await outcomeFor(deploymentId);
      // Assess
      expect(reportedAtOnce).toBe(0);
      expect(url).toBe(`http://127.0.0.1:${ports.staging}`);
      expect(outcome).toEqual({
        deploymentId,
        runId: 'run-1',
        environment: 'staging',
        status: 'SUCCEEDED',
        url,
      });
      expect(JSON.parse((await get(`${url}/`)).body).release).toBe(deploymentId);
    });

    it('keeps the previous release serving until the new one is healthy, then stops it', async () => {
      const p = pipeline(ports, { env: { DELAY_MS: '0' } });
      const first = await deployer.deploy(deployRequest(p, 'run-1', 'staging'));
      await outcomeFor(first.deploymentId);
      const oldPid = pidOf(first.deploymentId);

      const second = await deployer.deploy(deployRequest(p, 'run-2', 'staging'));
      const oldAnswer = await get(`${first.url}/`);
      const outcome = await outcomeFor(second.deploymentId);

      expect(oldAnswer.status).toBe(200);
      expect(second.url).not.toBe(first.url); // the old release held the configured port
      expect(outcome).toMatchObject({ status: 'SUCCEEDED', url: second.url });
      expect(JSON.parse((await get(`${second.url}/`)).body).release).toBe(second.deploymentId);
      expect(isRunning(oldPid)).toBe(false);
    });

    it('reports FAILED with the log tail when the release never gets healthy, and the old one keeps serving', async () => {
      const first = await deployer.deploy(deployRequest(pipeline(ports), 'run-1', 'staging'));
      await outcomeFor(first.deploymentId);
      const broken = pipeline(ports, { start: 'echo "waiting for the database"; exec sleep 30' });
      broken.timeouts.staging = 1; // the health wait never outlasts the stage's timeout

      const { deploymentId } = await deployer.deploy(deployRequest(broken, 'run-2', 'staging'));
      const outcome = await outcomeFor(deploymentId);

      expect(outcome).toMatchObject({
        status: 'FAILED',
        errorCode: 'HEALTH_CHECK_TIMEOUT',
        environment: 'staging',
      });
      expect(outcome.reason).toMatch(/did not answer 2xx at http:\/\/127\.0\.0\.1:\d+\/healthz within 1s/);
      expect(outcome.reason).toContain('--- last lines of its log ---');
      expect(outcome.reason).toContain('waiting for the database');
      expect((await get(`${first.url}/`)).status).toBe(200);
    });

    it('reports FAILED with the log tail when the release exits at once', async () => {
      const { deploymentId } = await deployer.deploy(
        deployRequest(pipeline(ports, { start: 'node exits-at-once.mjs' }), 'run-1', 'staging'),
      );

      expect(await outcomeFor(deploymentId)).toMatchObject({
        status: 'FAILED',
        errorCode: 'PROCESS_EXITED',
        reason: expect.stringContaining('fatal: DATABASE_URL is not set'),
      });
    });

    it('reports FAILED without a local target or without artifacts', async () => {
      const noTarget = PipelineConfig.parse({ name: 'shop', source: { github: 'acme/shop' } });
      const a = await deployer.deploy(deployRequest(noTarget, 'run-1', 'staging'));
      const noArtifacts = {
        ...deployRequest(pipeline(ports), 'run-2', 'staging'),
        artifacts: { files: [], exportedVariables: {} },
      };
      const b = await deployer.deploy(noArtifacts);

      expect(await outcomeFor(a.deploymentId)).toMatchObject({
        status: 'FAILED',
        errorCode: 'NO_LOCAL_TARGET',
        reason: 'pipeline shop has no staging.local target (start, port) in pushline.yml',
      });
      expect(await outcomeFor(b.deploymentId)).toMatchObject({ status: 'FAILED', errorCode: 'NO_ARTIFACTS' });
    });

    it('is idempotent: the same run and attempt deploy once', async () => {
      const req = deployRequest(pipeline(ports), 'run-1', 'staging');
      const first = await deployer.deploy(req);
      const again = await deployer.deploy(req);
      await outcomeFor(first.deploymentId);
      await sleep(50);

      expect(again.deploymentId).toBe(first.deploymentId);
      expect(outcomes).toHaveLength(1);
      expect(appPids()).toHaveLength(1);
    });
  });

  describe('production', () => {
    it('gives a first release all the traffic, then promotes it', async () => {
      const p = pipeline(ports);

      const { deploymentId } = await deployer.startCanary({
        ...deployRequest(p, 'run-1', 'production'),
        trafficPercent: 10,
      });
      const answers = await getMany(`http://127.0.0.1:${ports.production}/`, 10);
      await deployer.promote(deploymentId);

      expect(answers.every((a) => a.status === 200 && a.release === deploymentId)).toBe(true);
      expect(await outcomeFor(deploymentId)).toEqual({
        deploymentId,
        runId: 'run-1',
        environment: 'production',
        status: 'SUCCEEDED',
        url: `http://127.0.0.1:${ports.production}`,
      });
      expect(deployer.proxyFor('shop')?.stable?.release).toBe(deploymentId);
    });

    it('answers no request 503 while a first release starts: refused until it is healthy, then 200', async () => {
      const p = pipeline(ports, { env: { START_DELAY_MS: '400' } });
      const answers: Answer[] = [];
      let going = true;
      const loop = (async () => {
        while (going) {
          answers.push(await get(`http://127.0.0.1:${ports.production}/`));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();

      const { deploymentId } = await deployer.startCanary({
        ...deployRequest(p, 'run-1', 'production'),
        trafficPercent: 10,
      });
      while (!answers.some((a) => a.status === 200)) await new Promise((resolve) => setTimeout(resolve, 10));
      going = false;
      await loop;

      // Before: the proxy listened at once and answered 503 "no release" during the health wait.
      expect(answers.filter((a) => a.status !== 0 && a.status !== 200)).toEqual([]);
      expect(answers.filter((a) => a.status === 0).length).toBeGreaterThan(0);
      expect(answers.at(-1)).toMatchObject({ status: 200, release: deploymentId });
    });

    async function withStable(): Promise<string> {
      const { deploymentId } = await deployer.startCanary({
        ...deployRequest(pipeline(ports), 'run-1', 'production'),
        trafficPercent: 10,
      });
      await deployer.promote(deploymentId);
      await outcomeFor(deploymentId);
      return deploymentId;
    }

    it('sends about the canary share of traffic to the new release', async () => {
      const stable = await withStable();

      const { deploymentId } = await deployer.startCanary({
        ...deployRequest(pipeline(ports), 'run-2', 'production'),
        trafficPercent: 25,
      });
      const answers = await getMany(`http://127.0.0.1:${ports.production}/`, 120);

      const toCanary = answers.filter((a) => a.release === deploymentId).length;
      expect(answers.every((a) => a.status === 200 && [stable, deploymentId].includes(a.release!))).toBe(
        true,
      );
      expect(toCanary / 120).toBeGreaterThan(0.17);
      expect(toCanary / 120).toBeLessThan(0.33);
    });

    it('promotes without failing a request, then stops the old release', async () => {
      const stable = await withStable();
      const stablePid = pidOf(stable);
      const { deploymentId } = await deployer.startCanary({
        ...deployRequest(pipeline(ports, { env: { DELAY_MS: '20' } }), 'run-2', 'production'),
        trafficPercent: 30,
      });
      const traffic = trafficLoop(() => get(`http://127.0.0.1:${ports.production}/`), 'canary');
      await traffic.until('canary', 10);

      await deployer.promote(deploymentId);
      traffic.setPhase('promoted');
      const outcome = await outcomeFor(deploymentId);
      await traffic.until('promoted', 10);
      const answers = await traffic.stop();

      const releasesIn = (phase: string) =>
        new Set(answers.filter((a) => a.phase === phase).map((a) => a.release));
      expect(outcome).toMatchObject({ status: 'SUCCEEDED', environment: 'production' });
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(releasesIn('canary').has(stable)).toBe(true);
      expect(releasesIn('promoted')).toEqual(new Set([deploymentId]));
      expect(isRunning(stablePid)).toBe(false);
    });

    it('rolls back without failing a request: traffic back to stable, the canary stopped, STOPPED + rolledBack', async () => {
      const stable = await withStable();
      const { deploymentId } = await deployer.startCanary({
        ...deployRequest(pipeline(ports), 'run-2', 'production'),
        trafficPercent: 50,
      });
      const canaryPid = pidOf(deploymentId);
      const traffic = trafficLoop(() => get(`http://127.0.0.1:${ports.production}/`), 'canary');
      await traffic.until('canary', 10);

      await deployer.rollback(deploymentId, 'error_rate 0.5 > max 0.01');
      traffic.setPhase('rolled back');
      const outcome = await outcomeFor(deploymentId);
      await traffic.until('rolled back', 10);
      const answers = await traffic.stop();

      expect(outcome).toEqual({
        deploymentId,
        runId: 'run-2',
        environment: 'production',
        status: 'STOPPED',
        rolledBack: true,
        reason: 'error_rate 0.5 > max 0.01',
      });
      const releasesIn = (phase: string) =>
        new Set(answers.filter((a) => a.phase === phase).map((a) => a.release));
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(releasesIn('canary')).toEqual(new Set([stable, deploymentId]));
      expect(releasesIn('rolled back')).toEqual(new Set([stable]));
      expect(isRunning(canaryPid)).toBe(false);
    });

    it('measures a failing canary so that the judge calls it unhealthy', async () => {
      await withStable();
      const flaky = pipeline(ports, { env: { FAIL_SHARE: '0.5' } });
      const { deploymentId } = await deployer.startCanary({
        ...deployRequest(flaky, 'run-2', 'production'),
        trafficPercent: 50,
      });
      const start = new Date();
      await getMany(`http://127.0.0.1:${ports.production}/`, 120);

      // Built as the composition root builds it.
      const metrics = new ProxyMetricsSource({ resolve: (ref) => deployer.metricsView(ref) });
      const samples = await metrics.sample({ pipeline: flaky, deploymentId, start, end: new Date() });
      const verdict = judgeCanary({ config: flaky.production.canary, samples, now: new Date() });

      expect(samples.canaryRequests).toBeGreaterThan(40);
      expect(samples.baselineRequests).toBe(120 - samples.canaryRequests);
      expect(verdict.result).toBe('unhealthy');
      expect(verdict.reason).toMatch(/^error_rate 0\.\d+ > max 0\.01$/);
    });

    it('shows the judge no metrics for a deployment it does not know or that is not in production', async () => {
      const stable = await withStable();
      const staging = await deployer.deploy(deployRequest(pipeline(ports), 'run-2', 'staging'));
      await outcomeFor(staging.deploymentId);

      expect(deployer.metricsView({ pipeline: 'shop', deploymentId: stable })).toMatchObject({
        canaryRelease: stable,
        baselineRelease: undefined,
      });
      expect(
        deployer.metricsView({ pipeline: 'shop', deploymentId: 'production-shop-before-restart-1' }),
      ).toBe(undefined);
      expect(deployer.metricsView({ pipeline: 'shop', deploymentId: staging.deploymentId })).toBeUndefined();
    });

    it('reports FAILED when the canary never gets healthy, and the stable release keeps all traffic', async () => {
      const stable = await withStable();
      const broken = pipeline(ports, { start: 'node exits-at-once.mjs' });

      const { deploymentId } = await deployer.startCanary({
        ...deployRequest(broken, 'run-2', 'production'),
        trafficPercent: 50,
      });
      const outcome = await outcomeFor(deploymentId);
      const answers = await getMany(`http://127.0.0.1:${ports.production}/`, 10);

      expect(outcome).toMatchObject({
        status: 'FAILED',
        environment: 'production',
        errorCode: 'PROCESS_EXITED',
      });
      expect(answers.every((a) => a.release === stable)).toBe(true);
      await deployer.promote(deploymentId); // a no-op: it ended
      expect(outcomes.filter((o) => o.deploymentId === deploymentId)).toHaveLength(1);
    });

    it('is idempotent: startCanary, promote and rollback twice change nothing more', async () => {
      const req = { ...deployRequest(pipeline(ports), 'run-1', 'production'), trafficPercent: 10 };
      const a = await deployer.startCanary(req);
      const b = await deployer.startCanary(req);
      await Promise.all([deployer.promote(a.deploymentId), deployer.promote(a.deploymentId)]);
      await outcomeFor(a.deploymentId);
      await deployer.rollback(a.deploymentId, 'too late');
      await sleep(50);

      expect(b.deploymentId).toBe(a.deploymentId);
      expect(appPids()).toHaveLength(1);
      expect(outcomes).toHaveLength(1);
      expect((await get(`http://127.0.0.1:${ports.production}/`)).release).toBe(a.deploymentId);
    });

    it('deploys all at once with deploy(): healthy, then all traffic, then the old release stopped', async () => {
      const stable = await withStable();
      const stablePid = pidOf(stable);

      const { deploymentId, url } = await deployer.deploy(
        deployRequest(pipeline(ports), 'run-2', 'production'),
      );
      const outcome = await outcomeFor(deploymentId);

      expect(outcome).toMatchObject({ status: 'SUCCEEDED', environment: 'production', url });
      expect((await getMany(`${url}/`, 6)).every((a) => a.release === deploymentId)).toBe(true);
      expect(isRunning(stablePid)).toBe(false);
    });

    it('refuses a traffic share outside 0–100 before starting anything', async () => {
      const req = { ...deployRequest(pipeline(ports), 'run-1', 'production'), trafficPercent: 150 };

      await expect(deployer.startCanary(req)).rejects.toThrow(
        /trafficPercent must be between 0 and 100, not 150/,
      );
      expect(deployer.proxyFor('shop')).toBeUndefined();
    });

    it('refuses to promote a deployment it does not know', async () => {
      await expect(deployer.promote('production-shop-nope-1')).rejects.toThrow(NotFoundError);
    });
  });

  it('stopAll leaves no app process and no proxy behind', async () => {
    const p = pipeline(ports);
    const staging = await deployer.deploy(deployRequest(p, 'run-1', 'staging'));
    await outcomeFor(staging.deploymentId);
    await deployer.startCanary({ ...deployRequest(p, 'run-1', 'production'), trafficPercent: 10 });
    const pids = appPids();
    expect(pids).toHaveLength(2);

    await deployer.stopAll();

    expect(pids.filter(isRunning)).toEqual([]);
    expect(readdirSync(join(dataDir, 'processes'))).toEqual([]);
    expect(await nothingListensOn(ports.production)).toBe(true);
    expect(await nothingListensOn(ports.staging)).toBe(true);
    await expect(deployer.deploy(deployRequest(p, 'run-2', 'staging'))).rejects.toThrow(/shutting down/);
  });
});
