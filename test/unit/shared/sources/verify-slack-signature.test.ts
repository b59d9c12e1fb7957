import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { WebhookSignatureError } from '../../../../shared/domain/errors.ts';
import { verifySlackSignature } from '../../../../shared/sources/verify-slack-signature.ts';

// The worked example of Slack's "Verifying requests from Slack": its secret, timestamp, body and signature.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY = Buffer.from(
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
);
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const DOC_TIME = new Date(Number(DOC_TIMESTAMP) * 1000);

/** Signs as Slack does, computed here rather than by the code under test. */
function sign(secret: string, timestamp: string, body: Buffer): string {
  return `v0=${createHmac('sha256', secret)
    .update(`v0:${timestamp}:${body.toString('utf8')}`)
    .digest('hex')}`;
}

function verifying(request: Partial<Parameters<typeof verifySlackSignature>[1]>, now = DOC_TIME) {
  return () =>
    verifySlackSignature(
      DOC_SECRET,
      { body: DOC_BODY, timestamp: DOC_TIMESTAMP, signature: DOC_SIGNATURE, ...request },
      now,
    );
}

describe('verifySlackSignature', () => {
  it("accepts Slack's own worked example", () => {
    expect(verifying({})).not.toThrow();
  });

  it('accepts a request signed a moment ago with the secret, and an upper-case hex signature', () => {
    // Prepare
    const now = new Date('2026-12-02T10:00:00.000Z');
    const timestamp = String(now.getTime() / 1000 - 30);
    const body = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D');
    const signature = sign(DOC_SECRET, timestamp, body);

    // Act, Assess
    expect(verifying({ body, timestamp, signature }, now)).not.toThrow();
    expect(
      verifying({ body, timestamp, signature: signature.toUpperCase().replace('V0=', 'v0=') }, now),
    ).not.toThrow();
  });

  it('refuses a body changed after signing', () => {
    const tampered = Buffer.from(DOC_BODY.toString().replace('roadrunner', 'coyote'));
    expect(verifying({ body: tampered })).toThrow(
      new WebhookSignatureError('X-Slack-Signature does not match the body'),
    );
  });

  it('refuses a signature made with another secret', () => {
    const signature = sign('not-the-secret', DOC_TIMESTAMP, DOC_BODY);
    expect(verifying({ signature })).toThrow('X-Slack-Signature does not match the body');
  });

  it('refuses a signature moved to another timestamp (the timestamp is signed too)', () => {
    const later = String(Number(DOC_TIMESTAMP) + 60);
    expect(verifying({ timestamp: later }, new Date(Number(later) * 1000))).toThrow(
      'X-Slack-Signature does not match the body',
    );
  });

  it('refuses a correctly signed request more than five minutes old, as a replay', () => {
    const sixMinutesLater = new Date(DOC_TIME.getTime() + 301_000);
    expect(verifying({}, sixMinutesLater)).toThrow(/301s from now .* possible replay/);
    expect(verifying({}, new Date(DOC_TIME.getTime() + 300_000))).not.toThrow();
  });

  it('refuses a timestamp more than five minutes in the future', () => {
    expect(verifying({}, new Date(DOC_TIME.getTime() - 301_000))).toThrow(WebhookSignatureError);
  });

  it.each([
    [{ timestamp: undefined }, 'missing X-Slack-Request-Timestamp header'],
    [{ signature: undefined }, 'missing X-Slack-Signature header'],
    [{ timestamp: '1531420618.5' }, 'X-Slack-Request-Timestamp is not a Unix time in seconds'],
    [{ signature: 'v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503' }, 'not of the form'],
    [{ signature: 'v0=a2114d57' }, 'not of the form'],
  ])('refuses a malformed request (%j)', (request, message) => {
    expect(verifying(request)).toThrow(message);
  });
});
