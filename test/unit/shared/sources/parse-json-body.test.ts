import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { parseJsonBody } from '../../../../shared/sources/parse-json-body.ts';

describe('parseJsonBody', () => {
  it('parses a JSON object', () => {
    expect(parseJsonBody(Buffer.from('{"zen":"Keep it logically awesome."}'))).toEqual({
      zen: 'Keep it logically awesome.',
    });
  });

  it.each([
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'not valid UTF-8'],
    ['not JSON', Buffer.from('payload=%7B%7D'), 'body is not JSON'],
    ['a JSON array', Buffer.from('[1,2]'), 'not an object (array)'],
    ['a JSON string', Buffer.from('"push"'), 'not an object (string)'],
    ['JSON null', Buffer.from('null'), 'not an object'],
  ])('refuses a body that is %s, saying so', (_, body, message) => {
    expect(() => parseJsonBody(body)).toThrow(ValidationError);
    expect(() => parseJsonBody(body)).toThrow(message);
  });
});
