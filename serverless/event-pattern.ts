/**
 * EventBridge event-pattern matching, for the operators Pushline's rules and pipe filter use and
 * a few more: value lists (strings, numbers, booleans, null), `prefix`, `suffix`, `anything-but`,
 * `exists` and `numeric`. A pattern field matches when ANY listed value matches; an event array
 * matches when ANY of its elements does; every field of the pattern must match (AND). Used by the
 * template check and by the in-memory EventBridge of the AWS simulation test.
 */
export type EventPattern = { [key: string]: EventPattern | readonly unknown[] };

export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([key, rule]) => {
    const value = event[key];
    if (Array.isArray(rule)) return matchesList(rule, value, key in event);
    if (!isObject(value)) return false;
    return matchesPattern(rule as EventPattern, value);
  });
}

function matchesList(rules: readonly unknown[], value: unknown, present: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (isObject(rule) && 'exists' in rule) return rule.exists === (present && value !== undefined);
    if (!present) return false;
    return values.some((v) => matchesOne(rule, v));
  });
}

function matchesOne(rule: unknown, value: unknown): boolean {
  if (!isObject(rule)) return rule === value;
  if ('prefix' in rule) return typeof value === 'string' && value.startsWith(String(rule.prefix));
  if ('suffix' in rule) return typeof value === 'string' && value.endsWith(String(rule.suffix));
  if ('anything-but' in rule) {
    const but = rule['anything-but'];
    if (isObject(but)) return !matchesOne(but, value);
    return !(Array.isArray(but) ? but : [but]).includes(value);
  }
  if ('numeric' in rule) return typeof value === 'number' && matchesNumeric(rule.numeric as unknown[], value);
  throw new Error(`unsupported pattern operator ${JSON.stringify(rule)}`);
}

function matchesNumeric(conditions: unknown[], value: number): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
