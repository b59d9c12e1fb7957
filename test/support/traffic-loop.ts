import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Keeps 3 requests (`ask()`) in flight until `stop()`; each answer records the phase (set by the
 * test) it was sent and answered in, or 'in between' when the phase changed while it was in
 * flight — so that a test can hold the proxy to what it routed in each phase.
 */
export function trafficLoop<A extends object>(ask: () => Promise<A>, firstPhase: string) {
  const answers: (A & { phase: string })[] = [];
  let phase = firstPhase;
  let running = true;
  const loops = Array.from({ length: 3 }, async () => {
    while (running) {
      const sentIn = phase;
      const answer = await ask();
      // Sent and answered in one phase: the proxy surely routed it in that phase.
      answers.push({ ...answer, phase: phase === sentIn ? sentIn : 'in between' });
    }
  });
  return {
    setPhase: (next: string) => {
      phase = next;
    },
    until: async (inPhase: string, count: number) => {
      while (answers.filter((a) => a.phase === inPhase).length < count) await sleep(5);
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}
