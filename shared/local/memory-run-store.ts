import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { foldForAppend, startEntry } from '../app/fold-for-append.ts';
import { activeSlice, type RunSummary, summarize } from '../domain/concurrency.ts';
import { ConcurrencyError } from '../domain/errors.ts';
import type { PipelineState } from '../domain/production-hold.ts';
import { applyEvent, type Run } from '../domain/run.ts';
import { runIdMatches } from '../domain/run-id.ts';
import type { Clock } from '../ports/clock.ts';
import { systemClock } from '../ports/clock.ts';
import type {
  ActiveRunQuery,
  AppendResult,
  ExternalRef,
  LogEntry,
  RunNote,
  RunQuery,
  RunStore,
  StartRunsResult,
  StoredPipelineState,
  StoredRun,
} from '../ports/run-store.ts';

interface Record_ {
  run: Run;
  log: LogEntry[];
  notes: RunNote[];
  attributes: Map<string, string>;
}

/**
 * A `RunStore` in memory: for tests and for `serverless invoke local`. Same contract as the SQLite
 * and DynamoDB stores (the shared contract suite runs against all three). `appended` lists the
 * entries written, in order, so a test can act as the outbox.
 */
export class MemoryRunStore implements RunStore {
  readonly appended: LogEntry[] = [];
  private readonly runs = new Map<string, Record_>();
  private readonly deliveries = new Map<string, string[]>();
  private readonly refs = new Map<string, string>();
  private readonly pipelineStates = new Map<string, StoredPipelineState>();
  private readonly clock: Clock;

  constructor({ clock = systemClock }: { clock?: Clock } = {}) {
    this.clock = clock;
  }

  async startRuns(
    delivery: { id: string; provider: string },
    events: PipelineEvent[],
  ): Promise<StartRunsResult> {
    const key = `${delivery.provider}:${delivery.id}`;
    const seen = this.deliveries.get(key);
    if (seen) return { created: false, runIds: seen };
    const runIds: string[] = [];
    for (const event of events) {
      if (event.detailType !== 'Run Started')
        throw new TypeError(`startRuns takes Run Started, not ${event.detailType}`);
      if (this.runs.has(event.detail.runId)) throw new ConcurrencyError(`run ${event.detail.runId} exists`);
    }
    for (const event of events) {
      const { run } = applyEvent(undefined, event);
      const entry = startEntry(event, this.clock.now().toISOString());
      this.runs.set(run.id, { run, log: [entry], notes: [], attributes: new Map() });
      this.appended.push(entry);
      runIds.push(run.id);
    }
    this.deliveries.set(key, runIds);
    return { created: true, runIds };
  }

  async get(runId: string): Promise<StoredRun | undefined> {
    const record = this.runs.get(runId);
    return record ? { run: record.run, version: record.log.length } : undefined;
  }

  async append(runId: string, expectedVersion: number, events: PipelineEvent[]): Promise<AppendResult> {
    const record = this.runs.get(runId);
    if (!record || record.log.length !== expectedVersion) {
      throw new ConcurrencyError(`run ${runId} is not at version ${expectedVersion}`, {
        runId,
        expectedVersion,
      });
    }
    const { run, entries } = foldForAppend(
      record.run,
      expectedVersion,
      events,
      this.clock.now().toISOString(),
    );
    record.run = run;
    record.log.push(...entries);
    this.appended.push(...entries);
    return { run, version: record.log.length, entries };
  }

  async log(runId: string): Promise<LogEntry[]> {
    return [...(this.runs.get(runId)?.log ?? [])];
  }

  async list(query: RunQuery = {}): Promise<{ runs: Run[]; cursor?: string }> {
    const limit = query.limit ?? 50;
    const offset = query.cursor ? Number(query.cursor) : 0;
    const all = [...this.runs.values()]
      .map((r) => r.run)
      .filter((run) => !query.pipeline || run.pipeline === query.pipeline)
      .filter((run) => !query.status || query.status.includes(run.status))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const runs = all.slice(offset, offset + limit);
    return offset + limit < all.length ? { runs, cursor: String(offset + limit) } : { runs };
  }

  async activeRuns(pipeline: string, query: ActiveRunQuery = {}): Promise<RunSummary[]> {
    const ofPipeline = [...this.runs.values()].map((r) => r.run).filter((run) => run.pipeline === pipeline);
    return activeSlice(ofPipeline, query).map(summarize);
  }

  async link(ref: ExternalRef, runId: string): Promise<void> {
    this.refs.set(`${ref.kind}:${ref.id}`, runId);
  }

  async findByRef(ref: ExternalRef): Promise<string | undefined> {
    return this.refs.get(`${ref.kind}:${ref.id}`);
  }

  async findRunIds(partial: string, limit: number): Promise<string[]> {
    return [...this.runs.keys()]
      .filter((id) => runIdMatches(id, partial))
      .sort()
      .reverse()
      .slice(0, limit);
  }

  async addNote(runId: string, note: RunNote): Promise<void> {
    this.runs.get(runId)?.notes.push(note);
  }

  async notes(runId: string): Promise<RunNote[]> {
    return [...(this.runs.get(runId)?.notes ?? [])];
  }

  async setAttribute(runId: string, key: string, value: string, options: { ifAbsent?: boolean } = {}) {
    const attributes = this.runs.get(runId)?.attributes;
    if (!attributes) return false;
    if (options.ifAbsent && attributes.has(key)) return false;
    attributes.set(key, value);
    return true;
  }

  async getAttribute(runId: string, key: string): Promise<string | undefined> {
    return this.runs.get(runId)?.attributes.get(key);
  }

  async getPipelineState(pipeline: string): Promise<StoredPipelineState> {
    return structuredClone(this.pipelineStates.get(pipeline) ?? { state: {}, version: 0 });
  }

  async setPipelineState(
    pipeline: string,
    state: PipelineState,
    { expectedVersion }: { expectedVersion: number },
  ): Promise<number> {
    const version = this.pipelineStates.get(pipeline)?.version ?? 0;
    if (version !== expectedVersion) {
      throw new ConcurrencyError(
        `pipeline ${pipeline}'s state is at version ${version}, not ${expectedVersion}`,
        {
          expectedVersion,
        },
      );
    }
    this.pipelineStates.set(pipeline, { state: structuredClone(state), version: version + 1 });
    return version + 1;
  }
}
