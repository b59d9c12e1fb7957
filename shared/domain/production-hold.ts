import {
  type DeployWindow,
  describeWindows,
  nextOpening,
  parseWindows,
  windowsOpen,
} from './deploy-windows.ts';
import type { PipelineConfig } from './pipeline-config.ts';

/** A pipeline's freeze: who froze production, why, and when. */
export interface Freeze {
  by: string;
  reason: string;
  at: string;
}

/**
 * What is stored per pipeline, beside its runs: for now only its freeze. Absent keys mean the
 * pipeline is as its file says (not frozen).
 */
export interface PipelineState {
  frozen?: Freeze;
}

/** Why a pipeline's production may not start now, or `undefined` when it may. */
export type ProductionHold =
  | { kind: 'frozen'; freeze: Freeze; message: string }
  | { kind: 'outside-windows'; windows: string; nextOpening?: string; message: string };

/** The pipeline's deploy windows, parsed (validated with the file; none means always open). */
export function windowsOf(pipeline: Pick<PipelineConfig, 'production'>): DeployWindow[] {
  return parseWindows(pipeline.production.windows ?? []);
}

/**
 * Whether production of `pipeline` is held at `now`, and why, as the note on a waiting run says
 * it: a freeze first (it is someone's decision), then the deploy windows. Only production waits:
 * the approval gate may be requested and decided while production is held. Pure.
 */
export function productionHold(
  pipeline: Pick<PipelineConfig, 'production'>,
  state: PipelineState,
  now: Date,
): ProductionHold | undefined {
  if (state.frozen) {
    const { by, reason } = state.frozen;
    return {
      kind: 'frozen',
      freeze: state.frozen,
      message: `waiting: production is frozen by ${by}: ${reason}`,
    };
  }
  const windows = windowsOf(pipeline);
  if (windowsOpen(windows, now)) return undefined;
  const next = nextOpening(windows, now)?.toISOString();
  const described = describeWindows(windows);
  return {
    kind: 'outside-windows',
    windows: described,
    ...(next ? { nextOpening: next } : {}),
    message: `waiting: outside the deploy windows (${described})${next ? `; next opens ${next.replace(/\.000Z$/, 'Z')}` : ''}`,
  };
}
