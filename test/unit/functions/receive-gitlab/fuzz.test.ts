import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { makeReceiveGitlab } from '../../../../functions/receive-gitlab/receive-gitlab.ts';
import { fixture } from '../../shared/sources/fixtures.ts';
import { headersArbitrary, mutatedPayload } from '../receive-github/fuzz-support.ts';
import { fixedClock, GITLAB_TOKEN, newStore, secretsOf, testFile } from '../receive-github/support.ts';

function receiver() {
  const clock = fixedClock();
  return makeReceiveGitlab({
    store: newStore(clock),
    file: () => testFile,
    secrets: secretsOf({ 'gitlab-webhook-token': GITLAB_TOKEN }),
    clock,
    maxBodyBytes: 4096,
  });
}

const RUNS = { numRuns: 150 };
const samples = [fixture('gitlab/push-hook.json'), fixture('gitlab/tag-push-hook.json')];

describe('makeReceiveGitlab under fuzzing', () => {
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

  it('answers authenticated random bytes, any JSON and spoilt real pushes with a 2xx or 4xx', async () => {
    const receive = receiver();
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)),
      fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
      mutatedPayload(samples).map((value) => Buffer.from(JSON.stringify(value))),
    );
    await fc.assert(
      fc.asyncProperty(
        bodies,
        fc.constantFrom('Push Hook', 'Tag Push Hook', 'Issue Hook', 'System Hook'),
        fc.uuid(),
        headersArbitrary,
        async (body, event, uuid, headers) => {
          const response = await receive({
            headers: {
              ...headers,
              'x-gitlab-event': event,
              'x-gitlab-event-uuid': uuid,
              'x-gitlab-token': GITLAB_TOKEN,
            },
            body,
          });
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      RUNS,
    );
  });
});
