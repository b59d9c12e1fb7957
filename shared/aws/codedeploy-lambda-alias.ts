import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { NotFoundError } from '../domain/errors.ts';
import { asTransientAws } from './aws-errors.ts';

/**
 * Reads the version a Lambda alias points at now: the `CurrentVersion` of a Lambda AppSpec.
 * It is read at deploy time rather than exported by the build, because the build ran before
 * staging and production moved on (another run may have shifted the alias since).
 */
export class LambdaAliasReader {
  private readonly client: LambdaClient;

  constructor({ client }: { client: LambdaClient }) {
    this.client = client;
  }

  async currentVersion(functionName: string, alias: string): Promise<string> {
    try {
      const { FunctionVersion } = await this.client.send(
        new GetAliasCommand({ FunctionName: functionName, Name: alias }),
      );
      if (!FunctionVersion) throw new Error(`GetAlias returned no version for ${functionName}:${alias}`);
      return FunctionVersion;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw new NotFoundError(`Lambda alias ${functionName}:${alias} does not exist`, {
          cause: error,
          functionName,
          alias,
        });
      }
      throw asTransientAws(error, 'Lambda GetAlias');
    }
  }
}
