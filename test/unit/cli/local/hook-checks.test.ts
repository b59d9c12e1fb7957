import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { describePushAnswer, pipelinesForRepo, serverAnswers } from '../../../../cli/local/hook-checks.ts';

const FILE = `pipelines:
  - name: web
    source: { github: Acme/Web }
  - name: api
    source: { gitlab: acme/api }
`;

describe('pipelinesForRepo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pushline-hook-'));
    await writeFile(path.join(dir, 'pushline.yml'), FILE);
    await writeFile(path.join(dir, 'bad.yml'), 'pipelines:\n  - name: web\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds the pipelines whose source.github is the repository, ignoring case', async () => {
    const found = await pipelinesForRepo(path.join(dir, 'pushline.yml'), 'acme/web');

    expect(found.ok && found.pipelines.map((p) => p.name)).toEqual(['web']);
  });

  it("refuses a repository no pipeline has, naming the file and every pipeline's source", async () => {
    const file = path.join(dir, 'pushline.yml');

    const found = await pipelinesForRepo(file, 'acme/api');

    expect(found).toEqual({
      ok: false,
      message: `--repo acme/api matches no pipeline of ${file} (the hook posts GitHub pushes; its pipelines' sources are web: github Acme/Web, api: gitlab acme/api); give --repo the source.github of one of them`,
    });
  });

  it('names the file it could not read, and the problems of a file that is not valid', async () => {
    const missing = await pipelinesForRepo(path.join(dir, 'nope.yml'), 'acme/web');
    const bad = await pipelinesForRepo(path.join(dir, 'bad.yml'), 'acme/web');

    expect(missing).toEqual({
      ok: false,
      message: `cannot read the pipeline file ${path.join(dir, 'nope.yml')} (no such file); name it with --config`,
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/bad\.yml is not valid:\n.*pipelines\[0\]\.source: is required/);
  });
});

describe('serverAnswers', () => {
  it('is false when nothing listens at the URL', async () => {
    expect(await serverAnswers('http://127.0.0.1:9')).toBe(false);
  });
});

describe('describePushAnswer', () => {
  const ref = 'refs/heads/main';

  it('names each run started by its short id, and each pipeline skipped with its reason', () => {
    const body = {
      runs: [{ runId: '01M8VR0K830NWJH6HDAG3H8DXR', pipeline: 'web' }],
      skipped: [
        { pipeline: 'docs', reason: 'none of the 2 changed paths (a.ts, b.ts) matches paths [docs/**]' },
      ],
    };

    expect(describePushAnswer(ref, 202, body)).toEqual([
      'pushline: refs/heads/main → run AG3H8DXR (web)',
      'pushline:   pipeline docs skipped: none of the 2 changed paths (a.ts, b.ts) matches paths [docs/**]',
    ]);
  });

  it('says why no run started, pipeline by pipeline', () => {
    const body = {
      ignored: 'no pipeline matches the push to github me/greeter refs/heads/feature',
      skipped: [{ pipeline: 'greeter', reason: 'branch feature does not match branches [main]' }],
    };

    expect(describePushAnswer('refs/heads/feature', 202, body)).toEqual([
      'pushline: refs/heads/feature → no run: no pipeline matches the push to github me/greeter refs/heads/feature',
      'pushline:   pipeline greeter skipped: branch feature does not match branches [main]',
    ]);
  });

  it('shows an error answer with its status', () => {
    expect(describePushAnswer(ref, 401, { error: 'signature does not match' })).toEqual([
      'pushline: refs/heads/main → 401: signature does not match',
    ]);
  });
});
