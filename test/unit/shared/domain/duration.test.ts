import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from '../../../../shared/domain/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30],
    ['5m', 300],
    ['1h30m', 5400],
    ['1h 2m 3s', 3723],
    ['14d', 1_209_600],
    ['1d 12h', 129_600],
    ['45', 45],
    [90, 90],
  ])('reads %p as %p seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(['', 'm', 'd', '5x', '1w', '1h1d', '-3', 'abc'])('refuses %p', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes minutes and seconds for people', () => {
    expect(formatDuration(250)).toBe('4m 10s');
    expect(formatDuration(3900)).toBe('1h 5m');
    expect(formatDuration(12)).toBe('12s');
  });
});
