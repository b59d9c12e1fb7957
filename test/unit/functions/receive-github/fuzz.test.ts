import { describe, expect, it } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import fc from 'fast-check';
import { makeReceiveGithub } from '../../../../functions/receive-github/receive-github.ts';
import { githubExamples } from '../../shared/sources/github-examples.ts';
import { headersArbitrary, mutatedPayload } from './fuzz-support.ts';
import { fixedClock, GITHUB_SECRET, newStore, secretsOf, testFile } from './support.ts';

const pushes = githubExamples('push').map((e) => e.payload);

function receiver() {
  const clock = fixedClock();
  return makeReceiveGithub({
    store: newStore(clock),
    file: () => testFile,
    secrets: secretsOf({ 'github-webhook-secret': GITHUB_SECRET }),
    clock,
    maxBodyBytes: 4096,
  });
}

const RUNS = { numRuns: 150 };

describe('makeReceiveGithub under fuzzing', () => {
  it('answers random bytes with random headers with 401 or 413, never a 5xx, never a throw', async () => {
    const receive = receiver();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), headersArbitrary, async (bytes, headers) => {
        const response = await receive({ headers, body: Buffer.from(bytes) });
        expect([401, 413]).toContain(response.statusCode);
      }),
      RUNS,
    );
  });

  it('answers correctly signed random bytes with a 2xx or 4xx', async () => {
    const receive = receiver();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.constantFrom('push', 'ping', 'issues', ''),
        headersArbitrary,
        async (bytes, event, headers) => {
          const body = Buffer.from(bytes);
          const response = await receive({
            headers: {
              ...headers,
              'x-github-event': event,
              'x-github-delivery': 'fuzz',
              'x-hub-signature-256': await sign(GITHUB_SECRET, body.toString('utf8')),
            },
            body,
          });
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      RUNS,
    );
  });

  it('answers signed pushes of any JSON shape, and real pushes with fields spoilt, with 200, 202 or 400', async () => {
    const receive = receiver();
    const payloads = fc.oneof(fc.jsonValue({ maxDepth: 4 }), mutatedPayload(pushes));
    await fc.assert(
      fc.asyncProperty(payloads, fc.uuid(), async (payload, delivery) => {
        const text = JSON.stringify(payload) ?? 'null';
        const response = await receive({
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-github-delivery': delivery,
            'x-hub-signature-256': await sign(GITHUB_SECRET, text),
          },
          body: Buffer.from(text),
        });
        expect([200, 202, 400, 413]).toContain(response.statusCode);
      }),
      RUNS,
    );
  });
});
