/**
 * Deploy windows: the weekly hours in which a pipeline may start a production deployment
 * (`production.windows` in pushline.yml), each in its own IANA time zone:
 *
 *   mon-fri 09:00-17:00 Europe/Berlin
 *   sat,sun 10:00-12:00 UTC
 *   fri 22:00-02:00 America/New_York      (overnight: from Friday 22:00 to Saturday 02:00)
 *
 * Days are `mon … sun`, single or as ranges (`fri-mon` wraps over the weekend), joined by commas,
 * or `daily`. Times are `HH:MM`, the end may be `24:00`; an end before the start runs past
 * midnight into the next day. Pure: the wall clock of a zone comes from `Intl.DateTimeFormat`,
 * which knows the zone's daylight-saving rules, so "open at <instant>?" and "next opening after
 * <instant>" hold across DST changes (a start that falls in the spring-forward gap opens when the
 * clock jumps; one that happens twice in the autumn opens the first time).
 */

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const MINUTES_PER_DAY = 24 * 60;
const MS_PER_MINUTE = 60_000;

/** One parsed window: the weekdays it starts on (0 = Monday), its start and end in minutes, its zone. */
export interface DeployWindow {
  text: string;
  days: readonly number[];
  start: number;
  end: number;
  timeZone: string;
}

/** The object form of a window in the pipeline file, before it is written as one line. */
export interface DeployWindowObject {
  days: string;
  from: string;
  to: string;
  timeZone: string;
}

/** A window written as its one-line form: `<days> <from>-<to> <time zone>`. */
export function windowText(window: DeployWindowObject): string {
  return `${window.days} ${window.from}-${window.to} ${window.timeZone}`;
}

function parseTime(text: string, what: 'start' | 'end'): number | string {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || minutes > 59 || hours > 24 || (hours === 24 && (minutes > 0 || what === 'start'))) {
    return `"${text}" is not a time of day (HH:MM, 00:00 to ${what === 'end' ? '24:00' : '23:59'})`;
  }
  return hours * 60 + minutes;
}

function dayIndex(name: string): number {
  return DAYS.indexOf(name.toLowerCase() as (typeof DAYS)[number]);
}

function parseDays(text: string): number[] | string {
  if (text.toLowerCase() === 'daily') return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const ends = part.split('-');
    const indexes = ends.map(dayIndex);
    if (ends.length > 2 || indexes.some((i) => i < 0) || part === '') {
      return `"${part}" is not a day or a day range (mon, tue, wed, thu, fri, sat, sun, e.g. mon-fri or sat,sun; or daily)`;
    }
    const [from, to = from] = indexes as [number, number?];
    for (let day = from; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === to) break;
    }
  }
  return [...days].sort();
}

/** Whether `timeZone` is an IANA zone this runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A window's line parsed, or a message saying what is wrong with it (for `pushline validate`). */
export function parseWindow(text: string): DeployWindow | { problem: string } {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 3) {
    return {
      problem: `"${text}" is not a window: write "<days> <HH:MM>-<HH:MM> <time zone>", e.g. "mon-fri 09:00-17:00 Europe/Berlin"`,
    };
  }
  const [dayText, hours, timeZone] = parts as [string, string, string];
  const days = parseDays(dayText);
  if (typeof days === 'string') return { problem: days };
  const [from, to, ...rest] = hours.split('-');
  if (from === undefined || to === undefined || rest.length > 0) {
    return { problem: `"${hours}" is not a time range (HH:MM-HH:MM, e.g. 09:00-17:00)` };
  }
  const start = parseTime(from, 'start');
  if (typeof start === 'string') return { problem: start };
  const end = parseTime(to, 'end');
  if (typeof end === 'string') return { problem: end };
  if (start === end) return { problem: `"${hours}" is an empty window: the start and the end are the same` };
  if (!isTimeZone(timeZone)) {
    return {
      problem: `"${timeZone}" is not a time zone this runtime knows (an IANA name such as Europe/Berlin or UTC)`,
    };
  }
  return { text: parts.join(' '), days, start, end, timeZone };
}

/** Every window of `texts` parsed; throws a RangeError for one that is not (the file was validated). */
export function parseWindows(texts: readonly string[]): DeployWindow[] {
  return texts.map((text) => {
    const window = parseWindow(text);
    if ('problem' in window) throw new RangeError(window.problem);
    return window;
  });
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `timeZone` at `instant`: the weekday (0 = Monday) and the minute of the day. */
function wallClock(instant: Date, timeZone: string): { day: number; minute: number; date: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  // The local date as a day number, so that the weekday comes from the calendar, not from a name.
  const date = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) / 86_400_000;
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return { day: (((date + 3) % 7) + 7) % 7, minute: Number(parts.hour) * 60 + Number(parts.minute), date };
}

/** Whether `window` is open at `instant` (its start included, its end not). */
export function isWindowOpen(window: DeployWindow, instant: Date): boolean {
  const { day, minute } = wallClock(instant, window.timeZone);
  const startsToday = window.days.includes(day);
  if (window.start < window.end) return startsToday && minute >= window.start && minute < window.end;
  // Overnight: open from the start on a listed day, and until the end on the day after one.
  const startedYesterday = window.days.includes((day + 6) % 7);
  return (startsToday && minute >= window.start) || (startedYesterday && minute < window.end);
}

/** Whether production may start at `instant`: no windows means always; otherwise any one open. */
export function windowsOpen(windows: readonly DeployWindow[], instant: Date): boolean {
  return windows.length === 0 || windows.some((window) => isWindowOpen(window, instant));
}

/**
 * The first instant at or after the wall-clock minute `minute` of local day `date` (days since the
 * epoch) in `timeZone`: the instant itself when it exists once, the first of two in the autumn, and
 * the end of the gap (when the clock jumps) in the spring.
 */
function instantOfWallClock(date: number, minute: number, timeZone: string): number {
  const wanted = date * MINUTES_PER_DAY + minute;
  const localMinutes = (ms: number) => {
    const clock = wallClock(new Date(ms), timeZone);
    return clock.date * MINUTES_PER_DAY + clock.minute;
  };
  // Offsets are at most ±18 h: start 20 h early (the earlier of two occurrences lies after it) and
  // move by the remaining wall-clock difference, which converges in a step or two.
  let ms = (wanted - 20 * 60) * MS_PER_MINUTE;
  for (let step = 0; step < 6; step++) {
    const difference = wanted - localMinutes(ms);
    if (difference === 0) break;
    ms += difference * MS_PER_MINUTE;
  }
  if (localMinutes(ms) === wanted) {
    // The autumn's repeated hour: an hour earlier may read the same wall clock.
    const hourEarlier = ms - 60 * MS_PER_MINUTE;
    return localMinutes(hourEarlier) === wanted ? hourEarlier : ms;
  }
  // In the spring's gap the wall clock never reads `wanted`: the first minute after it that exists.
  while (localMinutes(ms) < wanted) ms += MS_PER_MINUTE;
  while (localMinutes(ms - MS_PER_MINUTE) >= wanted) ms -= MS_PER_MINUTE;
  return ms;
}

/**
 * The first instant at or after `after` at which any of `windows` is open: `after` itself when one
 * is open now, `undefined` when there are no windows (production is never held by them). Within 8
 * days for any window, since each opens at least once a week.
 */
export function nextOpening(windows: readonly DeployWindow[], after: Date): Date | undefined {
  if (windows.length === 0) return undefined;
  if (windowsOpen(windows, after)) return after;
  let earliest: number | undefined;
  for (const window of windows) {
    const today = wallClock(after, window.timeZone).date;
    for (let date = today - 1; date <= today + 8; date++) {
      const day = (((date + 3) % 7) + 7) % 7;
      if (!window.days.includes(day)) continue;
      const opens = instantOfWallClock(date, window.start, window.timeZone);
      if (opens >= after.getTime() && (earliest === undefined || opens < earliest)) earliest = opens;
    }
  }
  return earliest === undefined ? undefined : new Date(earliest);
}

/** The windows as people read them: `mon-fri 09:00-17:00 Europe/Berlin; sat 10:00-12:00 UTC`. */
export function describeWindows(windows: readonly DeployWindow[]): string {
  return windows.map((window) => window.text).join('; ');
}
