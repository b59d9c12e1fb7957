import type { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, ResourceProperties } from '@aws-cdk/service-spec-types';

type Json = Record<string, unknown>;
export type Db = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

/** Problems of a whole resource: its type, then its properties (see `specProblems`). */
export function resourceProblems(
  db: Db,
  id: string,
  resource: { Type: string; Properties?: Json },
): string[] {
  const [spec] = db.lookup('resource', 'cloudFormationType', 'equals', resource.Type);
  if (!spec) return [`${id}: unknown resource type ${resource.Type}`];
  return specProblems(db, resource.Properties ?? {}, spec.properties, id);
}

const isIntrinsic = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::|Condition)/.test(Object.keys(value)[0]!);

/** Problems of a resource's properties against the CloudFormation resource database, by path. */
/**
 * Problems of properties against the CloudFormation resource database (@aws-cdk/aws-service-spec),
 * by path: a required property missing, a property that does not exist — recursively through
 * nested property types. Intrinsic functions (`Ref`, `Fn::*`) are taken on trust.
 */
export function specProblems(db: Db, props: Json, properties: ResourceProperties, path: string): string[] {
  const problems: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in props)) problems.push(`${path}.${name}: required property missing`);
  }
  for (const [name, value] of Object.entries(props)) {
    const property = properties[name];
    if (!property) problems.push(`${path}.${name}: no such property`);
    else problems.push(...valueProblems(db, value, property.type, `${path}.${name}`));
  }
  return problems;
}

function valueProblems(db: Db, value: unknown, type: PropertyType, path: string): string[] {
  if (isIntrinsic(value)) return [];
  switch (type.type) {
    case 'ref': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${path}: expected an object`];
      const def = db.get('typeDefinition', type.reference);
      return specProblems(db, value as Json, def.properties, path);
    }
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => valueProblems(db, v, type.element, `${path}[${i}]`))
        : [];
    case 'map':
      return typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => valueProblems(db, v, type.element, `${path}.${k}`))
        : [];
    case 'union': {
      const attempts = type.types.map((t) => valueProblems(db, value, t, path));
      return attempts.some((a) => a.length === 0) ? [] : attempts[0]!;
    }
    default:
      return [];
  }
}
