/** The time. Injected everywhere so that tests fake it; the domain never calls `new Date()`. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
