import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCounts } from '../../../events/common.ts';

/** A failed (or errored) test case: its display name and the first line of its message. */
export interface FailingTest {
  name: string;
  message?: string;
}

export interface JUnitSummary {
  counts: TestCounts;
  failing: FailingTest[];
}

/** A file that is not a JUnit XML report. */
export class JUnitParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JUnitParseError';
  }
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
});

/**
 * Reads a JUnit XML report (jest-junit, pytest `--junitxml`, Maven Surefire, and the like) and
 * counts its test cases — from the cases themselves, never from the suites' `tests=` attributes,
 * which some tools get wrong. A case with `<failure>` or `<error>` failed; one with `<skipped>`
 * was skipped; Surefire's `<flakyFailure>` under a case that finally passed is a pass.
 * Suites may be nested; the root may be `<testsuites>` or a single `<testsuite>`.
 */
export function parseJUnit(xml: string): JUnitSummary {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new JUnitParseError(`not well-formed XML: ${valid.err.msg} at line ${valid.err.line}`);
  }
  const doc = parser.parse(xml) as XmlNode;
  const root = (doc.testsuites ?? doc.testsuite) as XmlNode | XmlNode[] | string | undefined;
  if (root === undefined) throw new JUnitParseError('no <testsuites> or <testsuite> root element');
  const summary: JUnitSummary = { counts: { total: 0, passed: 0, failed: 0, skipped: 0 }, failing: [] };
  if (doc.testsuites !== undefined) visitSuite(asNode(root as XmlNode | string), '', summary);
  else for (const suite of root as XmlNode[]) visitSuite(asNode(suite), attr(asNode(suite), 'name'), summary);
  return summary;
}

function visitSuite(node: XmlNode, suiteName: string, summary: JUnitSummary): void {
  for (const testCase of list(node.testcase)) countCase(asNode(testCase), suiteName, summary);
  for (const child of list(node.testsuite)) {
    const suite = asNode(child);
    visitSuite(suite, attr(suite, 'name') || suiteName, summary);
  }
}

function countCase(testCase: XmlNode, suiteName: string, summary: JUnitSummary): void {
  summary.counts.total += 1;
  const problems = [...list(testCase.failure), ...list(testCase.error)];
  if (problems.length > 0) {
    summary.counts.failed += 1;
    summary.failing.push({ name: displayName(testCase, suiteName), message: messageOf(problems[0]) });
  } else if (list(testCase.skipped).length > 0) {
    summary.counts.skipped += 1;
  } else {
    summary.counts.passed += 1;
  }
}

/**
 * `com.example.CartTest.addsItems` (Surefire, pytest: dotted class names), `cart › adds items`
 * (a suite and a plain title), or the name alone when it already says it all (jest-junit's
 * default repeats the describe blocks in both `classname` and `name`).
 */
export function displayName(testCase: XmlNode, suiteName: string): string {
  const name = attr(testCase, 'name');
  const classname = attr(testCase, 'classname');
  if (classname && classname !== name && !name.startsWith(classname)) {
    return /^[\w.$/:-]+$/.test(classname) ? `${classname}.${name}` : `${classname} › ${name}`;
  }
  if (suiteName && !name.startsWith(suiteName)) return `${suiteName} › ${name}`;
  return name || classname || suiteName || '(unnamed test)';
}

/** The first non-empty line of the `message` attribute, else of the text, else the `type`. */
function messageOf(problem: unknown): string | undefined {
  const node = asNode(problem);
  for (const candidate of [attr(node, 'message'), text(node), attr(node, 'type')]) {
    const line = candidate
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0);
    if (line) return line;
  }
  return undefined;
}

const list = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];
const asNode = (value: unknown): XmlNode =>
  value !== null && typeof value === 'object' ? (value as XmlNode) : { '#text': String(value ?? '') };
const attr = (node: XmlNode, name: string): string => {
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : '';
};
const text = (node: XmlNode): string => (typeof node['#text'] === 'string' ? node['#text'] : '');
