import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../ports/logger.ts';
import { postGithubPush } from './post-push.ts';

/**
 * Pushes the post-receive hook could not deliver (the server was down, or answered 5xx), kept in
 * `<data>/spool/` until the next `pushline up` delivers them. Each keeps the delivery id it was
 * first tried with, so a push that reached the server after all is not run twice (the receiver is
 * idempotent by delivery id).
 */
export interface SpooledPush {
  deliveryId: string;
  ref: string;
  spooledAt: string;
  payload: unknown;
}

/** `<data>/spool`: where the hook keeps what it could not deliver. */
export const spoolDir = (dataDir: string) => join(dataDir, 'spool');

/** Keeps `push` in `dir`, written whole or not at all; answers the file's path. */
export async function spoolPush(dir: string, push: SpooledPush): Promise<string> {
  await mkdir(dir, { recursive: true });
  // The name sorts by time, then by delivery id: pushes are delivered in the order they were made.
  const name = `${Date.now().toString().padStart(15, '0')}-${push.deliveryId.replace(/[^\w.-]/g, '_')}.json`;
  const file = join(dir, name);
  const temporary = join(dir, `.${name}.${randomUUID()}.tmp`);
  await writeFile(temporary, `${JSON.stringify(push)}\n`, { mode: 0o600 });
  await rename(temporary, file);
  return file;
}

export interface SpoolDelivery {
  delivered: number;
  refused: number;
  /** Still in the spool: the server answered 5xx or could not be reached; tried at the next start. */
  kept: number;
}

/**
 * Delivers every spooled push to `url` (this server's own webhook), oldest first, signed with
 * `secret`. A push the server answered (2xx, or 4xx: refused for good, e.g. no pipeline matches
 * any more) leaves the spool; at the first 5xx or failure the rest stays for the next start.
 */
export async function deliverSpooledPushes(options: {
  dir: string;
  url: string;
  secret: string;
  logger?: Logger;
  post?: typeof postGithubPush;
}): Promise<SpoolDelivery> {
  const log = options.logger ?? silentLogger;
  const post = options.post ?? postGithubPush;
  const names = (await readdir(options.dir).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
    .sort();
  const result: SpoolDelivery = { delivered: 0, refused: 0, kept: 0 };
  for (const [i, name] of names.entries()) {
    const file = join(options.dir, name);
    let push: SpooledPush;
    try {
      push = JSON.parse(await readFile(file, 'utf8')) as SpooledPush;
    } catch (error) {
      log.warn('a spooled push cannot be read; it is left in the spool', { file, error: String(error) });
      result.kept++;
      continue;
    }
    let answer: { status: number; body: unknown } | undefined;
    try {
      answer = await post({
        url: options.url,
        secret: options.secret,
        payload: push.payload,
        deliveryId: push.deliveryId,
      });
    } catch (error) {
      log.warn('a spooled push could not be delivered; kept for the next start', {
        file,
        error: String(error),
      });
    }
    if (!answer || answer.status >= 500) {
      result.kept += names.length - i;
      break;
    }
    await rm(file, { force: true });
    if (answer.status < 300) {
      result.delivered++;
      log.info('spooled push delivered', {
        ref: push.ref,
        deliveryId: push.deliveryId,
        spooledAt: push.spooledAt,
      });
    } else {
      result.refused++;
      log.warn('spooled push refused', {
        ref: push.ref,
        deliveryId: push.deliveryId,
        status: answer.status,
        answer: answer.body,
      });
    }
  }
  return result;
}
