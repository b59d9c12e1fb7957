import { describe, expect, it } from '@jest/globals';
import { AmbiguousRunIdError, resolveRunId } from '../../../../shared/app/resolve-run-id.ts';
import { NotFoundError, ValidationError } from '../../../../shared/domain/errors.ts';
import { runIdMatches } from '../../../../shared/domain/run-id.ts';

const A = '01JQ10000000000000766747SE';
const B = '01JQ20000000000000AB6747SE';

/** A store that knows a fixed list of run ids. */
const storeOf = (ids: string[]) => ({
  findRunIds: async (partial: string, limit: number) =>
    ids
      .filter((id) => runIdMatches(id, partial))
      .sort()
      .reverse()
      .slice(0, limit),
});

describe('resolveRunId', () => {
  it('gives the full id of the run a short id, or the start of one, names', async () => {
    await expect(resolveRunId(storeOf([A, B]), '766747se')).resolves.toBe(A);
    await expect(resolveRunId(storeOf([A, B]), '7667')).resolves.toBe(A);
  });

  it('reads the 01JD…Q7ZK form of older logs', async () => {
    await expect(resolveRunId(storeOf([A, B]), '#01JQ2…47SE')).resolves.toBe(B);
  });

  it('refuses an id no run has with NotFoundError, naming it', async () => {
    await expect(resolveRunId(storeOf([A]), 'ZZZZZZZZ')).rejects.toThrow(
      new NotFoundError('run ZZZZZZZZ does not exist'),
    );
  });

  it('refuses an ambiguous tail, listing the candidates newest first', async () => {
    const error = await resolveRunId(storeOf([A, B]), '47SE').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AmbiguousRunIdError);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as AmbiguousRunIdError).candidates).toEqual([B, A]);
    expect((error as Error).message).toBe(
      `run id 47SE is ambiguous: it matches 2 runs: AB6747SE (${B}), 766747SE (${A}); give more characters`,
    );
  });

  it('refuses text that is no run id before asking the store', async () => {
    const store = {
      findRunIds: async () => {
        throw new Error('the store was asked');
      },
    };

    await expect(resolveRunId(store, 'run-1')).rejects.toThrow(/"run-1" is not a run id/);
  });
});
