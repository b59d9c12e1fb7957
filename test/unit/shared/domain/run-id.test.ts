import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { parseRunIdQuery, pickRunId, runIdMatches, shortRunId } from '../../../../shared/domain/run-id.ts';

const ID = '01JD8Z3K5W9Q2R7T4N766747SE';

describe('shortRunId', () => {
  it('is the last 8 characters of the ULID, the random ones', () => {
    expect(shortRunId(ID)).toBe('766747SE');
  });

  it('keeps an id of 8 characters or fewer whole', () => {
    expect(shortRunId('766747SE')).toBe('766747SE');
  });
});

describe('runIdMatches', () => {
  it('matches the whole id, any tail of it, and the start of the short id', () => {
    expect(runIdMatches(ID, ID)).toBe(true);
    expect(runIdMatches(ID, '47SE')).toBe(true);
    expect(runIdMatches(ID, 'N766747SE')).toBe(true);
    expect(runIdMatches(ID, '7667')).toBe(true);
  });

  it('matches nothing else: the middle of the short id, the start of the id, another case, nothing', () => {
    expect(runIdMatches(ID, '6674')).toBe(false);
    expect(runIdMatches(ID, '01JD')).toBe(false);
    expect(runIdMatches(ID, '766747se')).toBe(false);
    expect(runIdMatches(ID, '')).toBe(false);
  });
});

describe('parseRunIdQuery', () => {
  it('reads a short id, a whole id and any tail of at least 4 characters', () => {
    expect(parseRunIdQuery('766747SE')).toEqual({ suffix: '766747SE' });
    expect(parseRunIdQuery(ID)).toEqual({ suffix: ID });
    expect(parseRunIdQuery('47SE')).toEqual({ suffix: '47SE' });
  });

  it('reads any case and a leading #, as the console shows ids', () => {
    expect(parseRunIdQuery(' #766747se ')).toEqual({ suffix: '766747SE' });
  });

  it('reads the 01JD…Q7ZK form of older logs as a head and a tail', () => {
    expect(parseRunIdQuery('#01JD…47SE')).toEqual({ prefix: '01JD', suffix: '47SE' });
    expect(parseRunIdQuery('01jd...47se')).toEqual({ prefix: '01JD', suffix: '47SE' });
  });

  it.each([
    ['', /it is empty/],
    ['7SE', /"7SE" is too short/],
    ['7667-47SE', /Crockford base32/],
    ['ILOU1234', /no I, L, O or U/],
    [`${ID}X`, /longer than 26 characters/],
    ['01…JD…47SE', /more than one "…"/],
  ])('refuses %j, saying why', (text, why) => {
    expect(() => parseRunIdQuery(text)).toThrow(ValidationError);
    expect(() => parseRunIdQuery(text)).toThrow(why);
  });
});

describe('pickRunId', () => {
  const A = '01JQ10000000000000766747SE';
  const B = '01JQ20000000000000766747SE';

  it('finds the one run that matches', () => {
    expect(pickRunId({ suffix: '766747SE' }, [A])).toEqual({ kind: 'found', runId: A });
  });

  it('says none when nothing matches', () => {
    expect(pickRunId({ suffix: '766747SE' }, [])).toEqual({ kind: 'none' });
  });

  it('lists the candidates when several match', () => {
    expect(pickRunId({ suffix: '766747SE' }, [B, A])).toEqual({ kind: 'ambiguous', candidates: [B, A] });
  });

  it('narrows by the head of the 01JD…Q7ZK form', () => {
    expect(pickRunId({ prefix: '01JQ2', suffix: '47SE' }, [B, A])).toEqual({ kind: 'found', runId: B });
    expect(pickRunId({ prefix: '01JQ9', suffix: '47SE' }, [B, A])).toEqual({ kind: 'none' });
  });

  it('prefers a whole id that matches exactly', () => {
    expect(pickRunId({ suffix: A }, [A])).toEqual({ kind: 'found', runId: A });
  });
});
