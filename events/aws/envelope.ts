import * as z from '../zod-mini.ts';

/**
 * The envelope every AWS service event on EventBridge shares. `time` is ISO 8601 here even when
 * the service's own `detail` dates are not (CodeBuild's are "Sep 1, 2017 4:12:29 PM").
 */
export function awsEvent<const D extends string, const S extends string, T extends z.ZodMiniType>(
  detailType: D,
  source: S,
  detail: T,
) {
  return z.looseObject({
    version: z.string(),
    id: z.string().check(z.minLength(1)),
    'detail-type': z.literal(detailType),
    source: z.literal(source),
    account: z.string(),
    time: z.iso.datetime({ offset: true }),
    region: z.string().check(z.minLength(1)),
    resources: z.array(z.string()),
    detail,
  });
}
