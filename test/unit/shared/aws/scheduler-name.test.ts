import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { atExpression, scheduleName } from '../../../../shared/aws/eventbridge-scheduler.ts';

describe('scheduleName', () => {
  it('turns any key into a name EventBridge Scheduler accepts, the same name every time', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (key) => {
        const name = scheduleName(key);
        expect(name).toMatch(/^[0-9a-zA-Z_.-]{1,64}$/);
        expect(scheduleName(key)).toBe(name);
      }),
      { numRuns: 300 },
    );
  });

  it('gives two different keys two different names', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 100 }),
        fc.string({ minLength: 1, maxLength: 100 }),
        (a, b) => {
          fc.pre(a !== b);
          expect(scheduleName(a)).not.toBe(scheduleName(b));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('atExpression', () => {
  it('never schedules earlier than asked, and at most a second later', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2024-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        (when) => {
          const at = Date.parse(`${atExpression(when).slice(3, -1)}Z`);
          expect(at).toBeGreaterThanOrEqual(when.getTime());
          expect(at - when.getTime()).toBeLessThan(1000);
        },
      ),
      { numRuns: 300 },
    );
  });
});
