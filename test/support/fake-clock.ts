import type { Clock } from '../../shared/ports/clock.ts';

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2025-03-14T09:27:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): void {
    this.current += seconds * 1000;
  }

  /** Moves to `to`, never back. */
  advanceTo(to: Date): void {
    this.current = Math.max(this.current, to.getTime());
  }
}
