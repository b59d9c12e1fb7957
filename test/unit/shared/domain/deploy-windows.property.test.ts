import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  type DeployWindow,
  isWindowOpen,
  nextOpening,
  parseWindow,
  windowsOpen,
} from '../../../../shared/domain/deploy-windows.ts';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Santiago',
];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Any valid window: a day or a range, a start and a different end (overnight too), a zone with DST or not. */
const windowArb = fc
  .record({
    from: fc.integer({ min: 0, max: 6 }),
    to: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    start: fc.integer({ min: 0, max: 24 * 4 - 1 }).map((q) => q * 15),
    length: fc.integer({ min: 1, max: 24 * 4 - 1 }).map((q) => q * 15),
    zone: fc.constantFrom(...ZONES),
  })
  .map(({ from, to, start, length, zone }) => {
    const end = (start + length) % (24 * 60);
    const days = to === undefined ? DAYS[from] : `${DAYS[from]}-${DAYS[to]}`;
    const window = parseWindow(`${days} ${hhmm(start)}-${end === 0 ? '24:00' : hhmm(end)} ${zone}`);
    if ('problem' in window) throw new Error(window.problem);
    return window;
  });

// 2024 to 2028, at any second: every DST change of those years lies inside.
const instantArb = fc
  .integer({ min: Date.parse('2024-01-01T00:00:00Z') / 1000, max: Date.parse('2028-12-31T00:00:00Z') / 1000 })
  .map((s) => new Date(s * 1000));

const MINUTE = 60_000;

describe('deploy windows (properties)', () => {
  it('next opening is open, not before the instant, and within eight days', () => {
    fc.assert(
      fc.property(fc.array(windowArb, { minLength: 1, maxLength: 3 }), instantArb, (windows, instant) => {
        const opens = nextOpening(windows, instant)!;
        expect(opens.getTime()).toBeGreaterThanOrEqual(instant.getTime());
        expect(opens.getTime() - instant.getTime()).toBeLessThanOrEqual(8 * 24 * 3600 * 1000);
        expect(windowsOpen(windows, opens)).toBe(true);
      }),
    );
  });

  it('nothing opens between the instant and the next opening', () => {
    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 2 }),
        instantArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (windows, instant, fraction) => {
          const opens = nextOpening(windows, instant)!;
          const closedFor = opens.getTime() - instant.getTime();
          fc.pre(closedFor > MINUTE);
          // A point in between, and the minute just before the opening, are closed.
          const between = new Date(instant.getTime() + Math.floor(fraction * (closedFor - 1)));
          expect(windowsOpen(windows, between)).toBe(false);
          expect(windowsOpen(windows, new Date(opens.getTime() - MINUTE))).toBe(false);
        },
      ),
    );
  });

  it('in UTC, is open exactly when the weekday and minute of the day say so', () => {
    const utc = (w: DeployWindow) => ({ ...w, timeZone: 'UTC' });
    fc.assert(
      fc.property(windowArb.map(utc), instantArb, (window, instant) => {
        const day = (instant.getUTCDay() + 6) % 7;
        const minute = instant.getUTCHours() * 60 + instant.getUTCMinutes();
        const expected =
          window.start < window.end
            ? window.days.includes(day) && minute >= window.start && minute < window.end
            : (window.days.includes(day) && minute >= window.start) ||
              (window.days.includes((day + 6) % 7) && minute < window.end);
        expect(isWindowOpen(window, instant)).toBe(expected);
      }),
    );
  });
});
