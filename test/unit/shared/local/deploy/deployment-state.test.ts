import { describe, expect, it } from '@jest/globals';
import {
  advance,
  canMove,
  DEPLOYMENT_TRANSITIONS,
  DeploymentState,
  IllegalDeploymentTransitionError,
} from '../../../../../shared/local/deploy/deployment-state.ts';

const S = DeploymentState;
const ALL = Object.values(DeploymentState);

/** Every move the table allows, written out: the lifecycle a reader can check against the docs. */
const ALLOWED: [DeploymentState, DeploymentState][] = [
  [S.Starting, S.Running],
  [S.Starting, S.Canary],
  [S.Starting, S.Live],
  [S.Starting, S.Failed],
  [S.Running, S.Replaced],
  [S.Canary, S.Live],
  [S.Canary, S.RolledBack],
  [S.Live, S.Replaced],
];

describe('DEPLOYMENT_TRANSITIONS', () => {
  it('allows exactly the moves of the staging, production and restore lifecycles', () => {
    const table = ALL.flatMap((from) => DEPLOYMENT_TRANSITIONS[from].map((to) => [from, to]));

    expect(table).toEqual(ALLOWED);
  });

  it('has an entry for every state, so a new state cannot be forgotten', () => {
    expect(Object.keys(DEPLOYMENT_TRANSITIONS).sort()).toEqual([...ALL].sort());
  });

  it('reaches every state from starting', () => {
    const seen = new Set<DeploymentState>([S.Starting]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const from of [...seen]) {
        for (const to of DEPLOYMENT_TRANSITIONS[from]) {
          if (!seen.has(to)) {
            seen.add(to);
            grew = true;
          }
        }
      }
    }

    expect([...seen].sort()).toEqual([...ALL].sort());
  });

  it('never goes back to starting, and nothing leaves failed, rolled_back or replaced', () => {
    expect(ALL.filter((from) => canMove(from, S.Starting))).toEqual([]);
    expect(ALL.filter((state) => DEPLOYMENT_TRANSITIONS[state].length === 0).sort()).toEqual(
      [S.Failed, S.Replaced, S.RolledBack].sort(),
    );
  });

  it('never lets a canary fail once it serves: it is promoted or rolled back', () => {
    expect(canMove(S.Canary, S.Failed)).toBe(false);
    expect(canMove(S.Live, S.RolledBack)).toBe(false);
    expect(canMove(S.RolledBack, S.Live)).toBe(false);
  });
});

describe('advance', () => {
  it.each(ALLOWED)('moves a deployment from %s to %s', (from, to) => {
    const d = { id: 'production-shop-run-1-1', state: from };

    advance(d, to);

    expect(d.state).toBe(to);
  });

  it('refuses every move the table does not allow, and leaves the state as it was', () => {
    const refused = ALL.flatMap((from) =>
      ALL.filter((to) => !ALLOWED.some(([f, t]) => f === from && t === to)).map((to) => [from, to] as const),
    );

    for (const [from, to] of refused) {
      const d = { id: 'staging-shop-run-1-1', state: from };
      expect(() => advance(d, to)).toThrow(IllegalDeploymentTransitionError);
      expect(d.state).toBe(from);
    }
    expect(refused).toHaveLength(ALL.length * ALL.length - ALLOWED.length);
  });

  it('names the deployment and both states when it refuses', () => {
    const d = { id: 'production-shop-run-2-1', state: S.RolledBack };

    expect(() => advance(d, S.Live)).toThrow(
      'deployment production-shop-run-2-1 cannot go from rolled_back to live',
    );
  });
});
