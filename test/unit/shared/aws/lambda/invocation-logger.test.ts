import { describe, expect, it } from '@jest/globals';
import { InvocationLogger } from '../../../../../shared/aws/lambda/invocation-logger.ts';
import { JsonLogger } from '../../../../../shared/aws/lambda/json-logger.ts';

describe('InvocationLogger', () => {
  it('keys each entry by the request id of the invocation it belongs to', () => {
    // Prepare
    const lines: Record<string, unknown>[] = [];
    const logger = new InvocationLogger(
      new JsonLogger({ function: 'receive-github' }, (line) => lines.push(JSON.parse(line))),
    );

    // Act
    logger.info('before any invocation');
    logger.begin({ awsRequestId: 'req-1' });
    logger.warn('refused', { status: 401 });
    logger.begin({ awsRequestId: 'req-2' });
    logger.error('failed');

    // Assess
    expect(
      lines.map(({ level, message, requestId, function: fn }) => ({ level, message, requestId, fn })),
    ).toEqual([
      { level: 'INFO', message: 'before any invocation', requestId: undefined, fn: 'receive-github' },
      { level: 'WARN', message: 'refused', requestId: 'req-1', fn: 'receive-github' },
      { level: 'ERROR', message: 'failed', requestId: 'req-2', fn: 'receive-github' },
    ]);
    expect(lines[1]).toMatchObject({ status: 401 });
  });
});
