import { describe, expect, it } from '@jest/globals';
import {
  type DeployWindow,
  describeWindows,
  isWindowOpen,
  nextOpening,
  parseWindow,
  windowsOpen,
} from '../../../../shared/domain/deploy-windows.ts';
import { parsePipelineFile } from '../../../../shared/domain/pipeline-file.ts';

function windowOf(text: string): DeployWindow {
  const window = parseWindow(text);
  if ('problem' in window) throw new Error(window.problem);
  return window;
}

const at = (iso: string) => new Date(iso);
const next = (texts: string[], after: string) => nextOpening(texts.map(windowOf), at(after))?.toISOString();

describe('parseWindow', () => {
  it('reads days, hours and a time zone', () => {
    // Act
    const window = windowOf('mon-fri 09:00-17:00 Europe/Berlin');

    // Assess
    expect(window).toEqual({
      text: 'mon-fri 09:00-17:00 Europe/Berlin',
      days: [0, 1, 2, 3, 4],
      start: 540,
      end: 1020,
      timeZone: 'Europe/Berlin',
    });
  });

  it('reads lists, ranges that wrap over the weekend, and daily', () => {
    expect(windowOf('mon,wed-thu 10:00-11:00 UTC').days).toEqual([0, 2, 3]);
    expect(windowOf('fri-mon 10:00-11:00 UTC').days).toEqual([0, 4, 5, 6]);
    expect(windowOf('daily 00:00-24:00 UTC').days).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it.each([
    ['mon-xyz 09:00-17:00 UTC', '"mon-xyz" is not a day or a day range'],
    ['mon-tue-wed 09:00-17:00 UTC', '"mon-tue-wed" is not a day or a day range'],
    ['mon 9:00-17:00 UTC', '"9:00" is not a time of day'],
    ['mon 09:00-24:30 UTC', '"24:30" is not a time of day'],
    ['mon 24:00-09:00 UTC', '"24:00" is not a time of day'],
    ['mon 09:60-10:00 UTC', '"09:60" is not a time of day'],
    ['mon 09:00-09:00 UTC', 'is an empty window'],
    ['mon 09:00 UTC', '"09:00" is not a time range'],
    ['mon 09:00-17:00 Mars/Olympus_Mons', '"Mars/Olympus_Mons" is not a time zone'],
    ['mon-fri 09:00-17:00', 'is not a window: write "<days> <HH:MM>-<HH:MM> <time zone>"'],
  ])('refuses %s, saying why', (text, problem) => {
    // Act
    const window = parseWindow(text);

    // Assess
    expect('problem' in window && window.problem).toContain(problem);
  });
});

describe('isWindowOpen', () => {
  const office = windowOf('mon-fri 09:00-17:00 Europe/Berlin');

  it('follows the zone’s wall clock in winter and in summer', () => {
    // Berlin is UTC+1 in December, UTC+2 in July.
    expect(isWindowOpen(office, at('2026-12-02T07:59:00Z'))).toBe(false);
    expect(isWindowOpen(office, at('2026-12-02T08:00:00Z'))).toBe(true);
    expect(isWindowOpen(office, at('2026-12-02T15:59:00Z'))).toBe(true);
    expect(isWindowOpen(office, at('2026-12-02T16:00:00Z'))).toBe(false);
    expect(isWindowOpen(office, at('2026-07-01T07:00:00Z'))).toBe(true);
    expect(isWindowOpen(office, at('2026-07-01T15:00:00Z'))).toBe(false);
  });

  it('is closed at the weekend', () => {
    expect(isWindowOpen(office, at('2026-12-05T10:00:00Z'))).toBe(false);
  });

  it('runs an overnight window into the next day', () => {
    // Prepare
    const night = windowOf('fri 22:00-02:00 UTC');

    // Assess
    expect(isWindowOpen(night, at('2026-12-04T21:59:00Z'))).toBe(false);
    expect(isWindowOpen(night, at('2026-12-04T22:00:00Z'))).toBe(true);
    expect(isWindowOpen(night, at('2026-12-05T01:59:00Z'))).toBe(true);
    expect(isWindowOpen(night, at('2026-12-05T02:00:00Z'))).toBe(false);
    expect(isWindowOpen(night, at('2026-12-05T23:00:00Z'))).toBe(false);
  });

  it('is always open without windows', () => {
    expect(windowsOpen([], at('2026-12-05T03:00:00Z'))).toBe(true);
  });
});

describe('nextOpening', () => {
  it('is the next weekday’s start after the window closed', () => {
    expect(next(['mon-fri 09:00-17:00 Europe/Berlin'], '2026-12-02T17:30:00Z')).toBe(
      '2026-12-03T08:00:00.000Z',
    );
  });

  it('skips the weekend', () => {
    expect(next(['mon-fri 09:00-17:00 Europe/Berlin'], '2026-12-04T16:00:00Z')).toBe(
      '2026-12-07T08:00:00.000Z',
    );
  });

  it('is the instant itself while a window is open', () => {
    expect(next(['mon-fri 09:00-17:00 UTC'], '2026-12-02T12:34:56Z')).toBe('2026-12-02T12:34:56.000Z');
  });

  it('takes the earliest of several windows in several zones', () => {
    expect(
      next(['mon 09:00-10:00 Asia/Tokyo', 'sun 20:00-21:00 America/New_York'], '2026-12-05T12:00:00Z'),
    ).toBe(
      '2026-12-07T00:00:00.000Z', // Monday 09:00 in Tokyo, an hour before Sunday 20:00 in New York
    );
  });

  it('moves with daylight saving time: 09:00 in Berlin is 08:00Z in winter and 07:00Z in summer', () => {
    // The clocks go forward on Sunday 29 March 2026.
    expect(next(['mon-fri 09:00-17:00 Europe/Berlin'], '2026-03-27T17:00:00Z')).toBe(
      '2026-03-30T07:00:00.000Z',
    );
  });

  it('opens when the clock jumps over a start that does not exist that day', () => {
    // 02:30 does not exist in Berlin on 29 March 2026: at 01:00Z the clock goes from 02:00 to 03:00.
    expect(next(['sun 02:30-04:00 Europe/Berlin'], '2026-03-28T12:00:00Z')).toBe('2026-03-29T01:00:00.000Z');
  });

  it('opens the first time a start that happens twice comes round', () => {
    // 02:30 happens twice in Berlin on 25 October 2026: first at 00:30Z (CEST), then at 01:30Z (CET).
    expect(next(['sun 02:30-04:00 Europe/Berlin'], '2026-10-24T12:00:00Z')).toBe('2026-10-25T00:30:00.000Z');
  });

  it('is undefined without windows', () => {
    expect(nextOpening([], at('2026-12-02T12:00:00Z'))).toBeUndefined();
  });
});

describe('describeWindows', () => {
  it('joins the windows as they were written', () => {
    expect(describeWindows(['mon-fri 09:00-17:00 Europe/Berlin', 'sat 10:00-12:00 UTC'].map(windowOf))).toBe(
      'mon-fri 09:00-17:00 Europe/Berlin; sat 10:00-12:00 UTC',
    );
  });
});

describe('production.windows in the pipeline file', () => {
  const file = (...windows: string[]) =>
    [
      'pipelines:',
      '  - name: web',
      '    source: { github: acme/web }',
      '    production:',
      '      local: { start: node server.js, port: 4000 }',
      '      windows:',
      ...windows.map((w) => `        - ${w}`),
      '',
    ].join('\n');

  it('accepts a line and the object form, keeping both as lines', () => {
    // Act
    const result = parsePipelineFile(
      file('"mon-fri 09:00-17:00 Europe/Berlin"', '{ days: sat, from: "10:00", to: "12:00", timeZone: UTC }'),
    );

    // Assess
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.file.pipelines[0]!.production.windows).toEqual([
      'mon-fri 09:00-17:00 Europe/Berlin',
      'sat 10:00-12:00 UTC',
    ]);
  });

  it('names the window, its line and what is wrong with it', () => {
    // Act
    const result = parsePipelineFile(
      file('"mon-fri 09:00-17:00 Europe/Berlin"', '"mon-fri 09:00-17:00 Europe/Berlln"'),
    );

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [
        8,
        'pipelines[0].production.windows[1]',
        '"Europe/Berlln" is not a time zone this runtime knows (an IANA name such as Europe/Berlin or UTC)',
      ],
    ]);
  });
});
