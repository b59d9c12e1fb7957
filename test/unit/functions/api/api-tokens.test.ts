import { describe, expect, it } from '@jest/globals';
import {
  apiTokenReader,
  parseApiTokens,
  readApiTokensLocation,
} from '../../../../functions/api/api-tokens.ts';
import { EnvironmentError, MissingSecretError } from '../../../../shared/domain/errors.ts';

const WHERE = 'the SSM parameter /pushline/prod/api-tokens';
const PRIYA = 'a3f9c1e07b5d4e28';

describe('parseApiTokens', () => {
  it('reads names and tokens from a JSON object', () => {
    expect(
      parseApiTokens(JSON.stringify({ 'Priya Natarajan': PRIYA, ci: 'c0ffee00c0ffee00c0' }), WHERE),
    ).toEqual([
      { name: 'Priya Natarajan', token: PRIYA },
      { name: 'ci', token: 'c0ffee00c0ffee00c0' },
    ]);
  });

  it('refuses the whole set when a token is short or shared, naming the names and never a token', () => {
    const refuse = (value: unknown) => () => parseApiTokens(JSON.stringify(value), WHERE);

    expect(refuse({ ci: 'short' })).toThrow(MissingSecretError);
    expect(refuse({ ci: 'short' })).toThrow(/the token of ci is not a string of 16 characters or more/);
    expect(refuse({ a: PRIYA, b: PRIYA })).toThrow(`${WHERE} must hold JSON`);
    expect(refuse({ a: PRIYA, b: PRIYA })).toThrow('b has the same token as a');
    expect(refuse({ a: PRIYA, b: PRIYA })).not.toThrow(PRIYA);
    expect(refuse({})).toThrow('it names no token');
    expect(refuse([PRIYA])).toThrow('it is not an object');
    expect(() => parseApiTokens(`ci=${PRIYA}`, WHERE)).toThrow('it is not JSON');
  });
});

describe('apiTokenReader', () => {
  it('parses a value once, and says what to set when there is none', async () => {
    let value: string | undefined;
    const secrets = { get: async () => value, whereToSet: () => WHERE };
    const tokens = apiTokenReader(secrets);

    await expect(tokens()).rejects.toThrow(`the API has no tokens: set ${WHERE} to JSON`);
    value = JSON.stringify({ ci: PRIYA });
    const first = await tokens();
    expect(first).toEqual([{ name: 'ci', token: PRIYA }]);
    expect(await tokens()).toBe(first);
  });
});

describe('readApiTokensLocation', () => {
  it('is <prefix>api-tokens unless PUSHLINE_API_TOKENS_PARAMETER names another place', () => {
    expect(readApiTokensLocation({}, '/pushline/prod/')).toBe('/pushline/prod/api-tokens');
    expect(readApiTokensLocation({}, '/pushline/prod')).toBe('/pushline/prod/api-tokens');
    expect(
      readApiTokensLocation(
        { PUSHLINE_API_TOKENS_PARAMETER: 'secretsmanager:pushline/prod/api-tokens' },
        '/pushline/prod/',
      ),
    ).toBe('secretsmanager:pushline/prod/api-tokens');
    expect(() => readApiTokensLocation({ PUSHLINE_API_TOKENS_PARAMETER: '' }, '/p/')).toThrow(
      EnvironmentError,
    );
  });
});
