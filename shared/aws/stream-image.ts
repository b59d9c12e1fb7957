/** A DynamoDB attribute value as DynamoDB Streams (and Pipes) deliver it. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { B: string }
  | { BS: string[] };

/**
 * Turns a stream image (`NewImage`) back into the plain object the store wrote. A few lines here
 * instead of `@aws-sdk/util-dynamodb`, so the publish function stays a small bundle.
 */
export function unmarshallImage(image: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([key, value]) => [key, unmarshallValue(value)]));
}

export function unmarshallValue(value: AttributeValue): unknown {
  if ('S' in value) return value.S;
  if ('N' in value) return Number(value.N);
  if ('BOOL' in value) return value.BOOL;
  if ('NULL' in value) return null;
  if ('M' in value) return unmarshallImage(value.M);
  if ('L' in value) return value.L.map(unmarshallValue);
  if ('SS' in value) return [...value.SS];
  if ('NS' in value) return value.NS.map(Number);
  if ('B' in value) return value.B;
  if ('BS' in value) return [...value.BS];
  throw new TypeError(`unknown DynamoDB attribute value: ${JSON.stringify(value)}`);
}

/** The opposite, for tests and the simulation of the stream (strings, numbers, booleans, maps, lists). */
export function marshallValue(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(marshallValue) };
  if (typeof value === 'object') {
    return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, marshallValue(v)])) };
  }
  throw new TypeError(`cannot marshall ${typeof value}`);
}
