import * as z from 'zod';

/**
 * The envelope every AWS service event on EventBridge shares. `time` is ISO 8601 here even when
 * the service's own `detail` dates are not (CodeBuild's are "Sep 1, 2017 4:12:29 PM").
 */
export function awsEvent<const D extends string, const S extends string, T extends z.ZodType>(
  detailType: D,
  source: S,
  detail: T,
) {
  return z.looseObject({
    version: z.string(),
    id: z.string().min(1),
    'detail-type': z.literal(detailType),
    source: z.literal(source),
    account: z.string(),
    time: z.iso.datetime({ offset: true }),
    region: z.string().min(1),
    resources: z.array(z.string()),
    detail,
  });
}
