import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeBus } from '../../../shared/aws/eventbridge-bus.ts';
import { TransientError } from '../../../shared/domain/errors.ts';
import { runStarted } from './support/events.ts';

const eventbridge = mockClient(EventBridgeClient);
const bus = new EventBridgeBus({
  client: new EventBridgeClient({ region: 'eu-west-1' }),
  busName: 'pushline-dev',
});

describe('EventBridgeBus', () => {
  beforeEach(() => {
    eventbridge.reset();
  });

  it('puts each event on the bus with source pushline, its detail-type and its detail, ten at a time', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const events = Array.from({ length: 12 }, (_, i) => runStarted({ runId: `01RUN${i}` }));

    await bus.publish(events);

    const calls = eventbridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(calls[0]![0]).toEqual({
      EventBusName: 'pushline-dev',
      Source: 'pushline',
      DetailType: 'Run Started',
      Detail: JSON.stringify(events[0]!.detail),
      Time: new Date(events[0]!.detail.at),
    });
  });

  it('throws TransientError naming the entries EventBridge refused', async () => {
    // The documented PutEvents response: one entry per request entry, in order, failures with an ErrorCode.
    eventbridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [
        { EventId: '11710aed-b79e-4468-a20b-bb3c0c3b4860' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'x' },
      ],
    });

    const publish = bus.publish([
      runStarted({ runId: '01A' }),
      runStarted({ runId: '01B', eventId: 'ev-b' }),
    ]);

    await expect(publish).rejects.toBeInstanceOf(TransientError);
    await expect(publish).rejects.toThrow('ev-b (InternalFailure)');
  });
});
