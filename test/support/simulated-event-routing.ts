import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type EventPattern, matchesPattern } from '../../serverless/event-pattern.ts';
import { DEPLOYED_NAMES, logicalStem } from '../../serverless/functions.ts';
import { localClient } from '../contract/aws/support/pushline-table.ts';
import type { PackagedStack } from '../unit/serverless/support/packaged-stack.ts';
import { ACCOUNT, REGION } from '../unit/serverless/support/template-values.ts';

/** An EventBridge event, as a rule's target receives it. */
export type Envelope = { 'detail-type': string; source: string; detail: Record<string, unknown> } & Record<
  string,
  unknown
>;
export type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

/** The packaged template's event routing: its rules (target function, bus, pattern) and the outbox pipe's filter. */
export function routingOf(stack: PackagedStack) {
  const resources = stack.template.Resources;
  /** The template's Lambda logical ids → Pushline function names. */
  const names = new Map(DEPLOYED_NAMES.map((name) => [`${logicalStem(name)}LambdaFunction`, name]));
  const rules = Object.values(resources)
    .filter((r) => r.Type === 'AWS::Events::Rule')
    .map((r) => ({
      target: names.get(r.Properties.Targets[0].Arn['Fn::GetAtt'][0])!,
      bus: (r.Properties.EventBusName === 'default' ? 'default' : 'pushline') as 'default' | 'pushline',
      pattern: r.Properties.EventPattern as EventPattern,
    }));
  const pipe = Object.values(resources).find((r) => r.Type === 'AWS::Pipes::Pipe')!;
  const pipeFilter = JSON.parse(
    pipe.Properties.SourceParameters.FilterCriteria.Filters[0].Pattern,
  ) as EventPattern;
  return { names, rules, pipeFilter };
}

/**
 * EventBridge and the outbox pipe, played in one process over the template's own routing: `put`
 * invokes every rule's target whose pattern matches (notify aside, which tests check elsewhere), and
 * after each invocation `pump` turns the table's new items — the stream — into the pipe's records
 * (its filter), through the real `publish`, onto the Pushline bus. `onDelivery` and `onPublished`
 * let a test see what went where.
 */
export function simulatedEventRouting(options: {
  stack: PackagedStack;
  handlers: Record<string, Handler>;
  dynamoEndpoint: () => string;
  context: unknown;
  onDelivery?: (delivery: { target: string; detailType: string }) => void;
  onPublished?: (envelope: Envelope) => void;
}) {
  const { rules, pipeFilter } = routingOf(options.stack);
  const seen = new Set<string>();
  let published = 0;

  async function put(bus: 'pushline' | 'default', envelope: Envelope): Promise<void> {
    for (const rule of rules.filter((r) => r.bus === bus && matchesPattern(r.pattern, envelope))) {
      options.onDelivery?.({ target: rule.target, detailType: envelope['detail-type'] });
      const handler = rule.target === 'notify' ? undefined : options.handlers[rule.target];
      if (handler) await handler(envelope, options.context);
      await pump();
    }
  }

  async function pump(): Promise<void> {
    const { Items = [] } = await localClient(options.dynamoEndpoint()).send(
      new ScanCommand({ TableName: process.env.PUSHLINE_TABLE }),
    );
    const fresh = Items.filter((item) => !seen.has(`${item.pk?.S}|${item.sk?.S}`)).sort((a, b) =>
      `${a.recordedAt?.S}${a.sk?.S}`.localeCompare(`${b.recordedAt?.S}${b.sk?.S}`),
    );
    for (const item of fresh) seen.add(`${item.pk?.S}|${item.sk?.S}`);
    const records = fresh
      .map((NewImage: Record<string, AttributeValue>) => ({ eventName: 'INSERT', dynamodb: { NewImage } }))
      .filter((record) => matchesPattern(pipeFilter, record));
    if (records.length === 0) return;
    const entries = (await options.handlers.publish!(records, options.context)) as {
      detailType: string;
      detail: Envelope['detail'];
      time: string;
    }[];
    for (const entry of entries) {
      const envelope: Envelope = {
        version: '0',
        id: `sim-${published++}`,
        'detail-type': entry.detailType,
        source: 'pushline',
        account: ACCOUNT,
        // The pipe's target sets Time from the enrichment's `$.time`: when the event happened.
        time: entry.time,
        region: REGION,
        resources: [],
        detail: entry.detail,
      };
      options.onPublished?.(envelope);
      await put('pushline', envelope);
    }
  }

  return { put, pump, rules, pipeFilter };
}
