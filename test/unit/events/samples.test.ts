import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { DETAIL_TYPES, EVENT_SOURCE, PIPELINE_EVENTS, parsePipelineEvent } from '../../../events/index.ts';

const SAMPLES_DIR = new URL('../../../events/samples/', import.meta.url);

/** `Staging Deployed` → `staging-deployed.json`: the file a detail-type's sample lives in. */
function sampleFileOf(detailType: string): string {
  return `${detailType.toLowerCase().replaceAll(' ', '-')}.json`;
}

interface EventBridgeEnvelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: unknown[];
  detail: Record<string, unknown> & { runId: string; eventId: string; source: unknown };
}

const files = readdirSync(SAMPLES_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();
const samples = files.map((file) => ({
  file,
  event: JSON.parse(readFileSync(new URL(file, SAMPLES_DIR), 'utf8')) as EventBridgeEnvelope,
}));

describe('events/samples', () => {
  it('holds exactly one sample per detail-type of the registry', () => {
    // Prepare
    const expected = DETAIL_TYPES.map(sampleFileOf).sort();

    // Act / Assess: a new detail-type without a sample, or a stray sample, fails here
    expect(files).toEqual(expected);
    expect(Object.keys(PIPELINE_EVENTS)).toHaveLength(19);
  });

  it.each(samples)('$file is a whole EventBridge event whose detail parses', ({ file, event }) => {
    // Act
    const parsed = parsePipelineEvent(event['detail-type'], event.detail);

    // Assess
    expect(sampleFileOf(event['detail-type'])).toBe(file);
    expect(parsed.detailType).toBe(event['detail-type']);
    expect(event).toMatchObject({
      version: '0',
      source: EVENT_SOURCE,
      account: '123456789012',
      region: 'eu-west-1',
      resources: [],
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    // The envelope's time is the detail's `at`, to the second (EventBridge drops milliseconds).
    expect(event.time).toBe(parsed.detail.at.replace(/\.\d+Z$/, 'Z'));
  });

  it('samples share one run and one push, with a distinct event id each', () => {
    // Prepare
    const details = samples.map(({ event }) => event.detail);

    // Assess
    expect(new Set(details.map((d) => d.runId)).size).toBe(1);
    expect(new Set(details.map((d) => JSON.stringify(d.source))).size).toBe(1);
    expect(new Set(details.map((d) => d.eventId)).size).toBe(details.length);
  });
});
