import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Fetch,
  type LifecycleHookCodeDeploy,
  makeLifecycleHook,
} from '../../../../functions/lifecycle-hook/lifecycle-hook.ts';
import { SmokeCheck } from '../../../../shared/aws/codedeploy-smoke-checks.ts';

const EVENT = { DeploymentId: 'd-7K2B0V5WX', LifecycleEventHookExecutionId: 'exec-1' };
const GROUP = { application: 'AppECS-web', deploymentGroup: 'DgpECS-web-staging' };
const check = (url: string, extra: Record<string, unknown> = {}) => SmokeCheck.parse({ url, ...extra });

/** A CodeDeploy that records the answers it gets. */
function fakeCodeDeploy(group: LifecycleHookCodeDeploy['deploymentGroupOf'] = async () => GROUP) {
  const answers: { deploymentId: string; lifecycleEventHookExecutionId: string; status: string }[] = [];
  const codedeploy: LifecycleHookCodeDeploy = {
    deploymentGroupOf: group,
    putStatus: async (input) => {
      answers.push(input);
    },
  };
  return { codedeploy, answers };
}

/** A fetch that answers each URL with the given status, or throws what it is given. */
function fakeFetch(answers: Record<string, number | Error>): Fetch {
  return async (url) => {
    const answer = answers[url];
    if (answer instanceof Error) throw answer;
    return { status: answer ?? 404, body: null };
  };
}

/** A fetch that answers only when aborted (by rejecting), like a server that never replies. */
const hangingFetch: Fetch = (_url, init) =>
  new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));

describe('makeLifecycleHook', () => {
  it('answers Succeeded when every smoke check gets its expected status', async () => {
    const { codedeploy, answers } = fakeCodeDeploy();
    const hook = makeLifecycleHook({
      codedeploy,
      fetch: fakeFetch({ 'https://test.example.com/healthz': 200, 'https://test.example.com/login': 302 }),
      smokeChecks: () => [
        check('https://test.example.com/healthz'),
        check('https://test.example.com/login', { expectStatus: 302 }),
      ],
    });

    const result = await hook(EVENT);

    expect(answers).toEqual([
      { deploymentId: 'd-7K2B0V5WX', lifecycleEventHookExecutionId: 'exec-1', status: 'Succeeded' },
    ]);
    expect(result).toEqual({
      status: 'Succeeded',
      reason: '2 smoke checks passed',
      results: [
        { url: 'https://test.example.com/healthz', ok: true, detail: '200' },
        { url: 'https://test.example.com/login', ok: true, detail: '302' },
      ],
    });
  });

  it('answers Failed with every failing check when a status is wrong or a request throws', async () => {
    const { codedeploy, answers } = fakeCodeDeploy();
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 10.0.3.7:8080') });
    const hook = makeLifecycleHook({
      codedeploy,
      fetch: fakeFetch({
        'https://a.example.com/': 503,
        'https://b.example.com/': refused,
        'https://c.example.com/': 200,
      }),
      smokeChecks: () =>
        ['https://a.example.com/', 'https://b.example.com/', 'https://c.example.com/'].map((u) => check(u)),
    });

    const result = await hook(EVENT);

    expect(answers.map((a) => a.status)).toEqual(['Failed']);
    expect(result.reason).toBe(
      'https://a.example.com/: 503, expected 200; https://b.example.com/: fetch failed (connect ECONNREFUSED 10.0.3.7:8080)',
    );
  });

  it('answers before its deadline when a check never replies', async () => {
    const { codedeploy, answers } = fakeCodeDeploy();
    const hook = makeLifecycleHook({
      codedeploy,
      fetch: hangingFetch,
      smokeChecks: () => [check('https://slow.example.com/')],
    });
    const started = Date.now();

    const result = await hook(EVENT, { deadlineMs: 3_300 });

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(answers.map((a) => a.status)).toEqual(['Failed']);
    expect(result.reason).toMatch(/^https:\/\/slow\.example\.com\/: timed out after 0\.\ds$/);
  });

  it('answers Failed when the deployment cannot be read, or is not read in time', async () => {
    const broken = fakeCodeDeploy(async () => {
      throw new Error('CodeDeploy GetDeployment failed: Rate exceeded');
    });
    const stuck = fakeCodeDeploy(() => new Promise(() => undefined));
    const gone = fakeCodeDeploy(async () => undefined);
    const deps = { fetch: fakeFetch({}), smokeChecks: () => [] };

    const results = [
      await makeLifecycleHook({ ...deps, codedeploy: broken.codedeploy })(EVENT),
      await makeLifecycleHook({ ...deps, codedeploy: stuck.codedeploy })(EVENT, { deadlineMs: 3_200 }),
      await makeLifecycleHook({ ...deps, codedeploy: gone.codedeploy })(EVENT),
    ];

    expect(results.map((r) => [r.status, r.reason])).toEqual([
      ['Failed', 'CodeDeploy GetDeployment failed: Rate exceeded'],
      ['Failed', 'timed out reading the deployment'],
      ['Failed', 'deployment d-7K2B0V5WX was not found'],
    ]);
    expect([broken, stuck, gone].map((f) => f.answers.length)).toEqual([1, 1, 1]);
  });

  it('answers Failed for a group no pipeline deploys to, and Succeeded for a target without checks', async () => {
    const none = fakeCodeDeploy();
    const empty = fakeCodeDeploy();

    const unknown = await makeLifecycleHook({
      codedeploy: none.codedeploy,
      fetch: fakeFetch({}),
      smokeChecks: () => undefined,
    })(EVENT);
    const unchecked = await makeLifecycleHook({
      codedeploy: empty.codedeploy,
      fetch: fakeFetch({}),
      smokeChecks: () => [],
    })(EVENT);

    expect([unknown.status, unknown.reason]).toEqual([
      'Failed',
      'no pipeline deploys to AppECS-web/DgpECS-web-staging',
    ]);
    expect([unchecked.status, unchecked.reason]).toEqual([
      'Succeeded',
      'AppECS-web/DgpECS-web-staging declares no smoke checks',
    ]);
  });

  it('throws when the answer itself cannot be sent, so that Lambda retries the hook', async () => {
    const hook = makeLifecycleHook({
      codedeploy: {
        deploymentGroupOf: async () => GROUP,
        putStatus: async () => {
          throw new Error('CodeDeploy PutLifecycleEventHookExecutionStatus failed: Rate exceeded');
        },
      },
      fetch: fakeFetch({}),
      smokeChecks: () => [],
    });

    await expect(hook(EVENT)).rejects.toThrow('Rate exceeded');
  });

  describe('against a real HTTP server', () => {
    let server: Server;
    let base: string;

    beforeAll(async () => {
      server = createServer((request, response) => {
        if (request.url === '/slow') return; // never answers; closed in afterAll
        response.writeHead(request.url === '/healthz' ? 200 : 500).end('body that is not read');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('runs the checks with the global fetch and answers for the one that fails and the one that hangs', async () => {
      const { codedeploy, answers } = fakeCodeDeploy();
      const hook = makeLifecycleHook({
        codedeploy,
        fetch: fetch as unknown as Fetch,
        smokeChecks: () => [
          check(`${base}/healthz`),
          check(`${base}/broken`),
          check(`${base}/slow`, { timeoutSeconds: 1 }),
        ],
      });

      const result = await hook(EVENT);

      expect(answers.map((a) => a.status)).toEqual(['Failed']);
      expect(result.results).toEqual([
        { url: `${base}/healthz`, ok: true, detail: '200' },
        { url: `${base}/broken`, ok: false, detail: '500, expected 200' },
        { url: `${base}/slow`, ok: false, detail: 'timed out after 1s' },
      ]);
    });
  });
});
