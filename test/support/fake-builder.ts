import type { Builder, BuildOutcome, BuildRequest } from '../../shared/ports/builder.ts';

/** What a fake build does: finish with (part of) an outcome, or hang until stopped. */
export type BuildScript = (request: BuildRequest) => Partial<Omit<BuildOutcome, 'buildId'>> | 'hang';

/**
 * A `Builder` that keeps its word on idempotency (one build per run and attempt, whatever the
 * number of calls) and queues each build's outcome for the test to deliver to finish-build.
 */
export class FakeBuilder implements Builder {
  /** Every `start` call, duplicates included. */
  readonly starts: BuildRequest[] = [];
  readonly stops: { buildId: string; reason: string }[] = [];
  /** Outcomes waiting to be delivered, oldest first. */
  readonly completions: BuildOutcome[] = [];
  private readonly builds = new Set<string>();

  constructor(private readonly script: BuildScript = () => ({ status: 'SUCCEEDED' })) {}

  async start(request: BuildRequest): Promise<{ buildId: string; logUrl?: string }> {
    this.starts.push(request);
    const buildId = `build-${request.runId}-${request.attempt}`;
    if (!this.builds.has(buildId)) {
      this.builds.add(buildId);
      const outcome = this.script(request);
      if (outcome !== 'hang') {
        this.completions.push({
          buildId,
          status: 'SUCCEEDED',
          tests: { total: 12, passed: 12, failed: 0, skipped: 0 },
          failingTests: [],
          artifacts: {
            location: `/tmp/artifacts/${buildId}`,
            files: ['dist/server.js'],
            exportedVariables: {},
          },
          ...outcome,
        });
      }
    }
    return { buildId, logUrl: `http://localhost/builds/${buildId}` };
  }

  async stop(buildId: string, reason: string): Promise<void> {
    this.stops.push({ buildId, reason });
  }

  /** The distinct builds started (one per run and attempt). */
  get started(): string[] {
    return [...this.builds];
  }
}
