import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { JUnitParseError, parseJUnit } from '../../../../../shared/local/buildspec/junit-report.ts';
import { fixture } from './git-fixture.ts';

describe('parseJUnit', () => {
  it('reads a jest-junit report: failures without a message attribute, <skipped/>, names from the describe blocks', async () => {
    // Act
    const summary = parseJUnit(await fixture('junit/jest-junit.xml'));

    // Assess
    expect(summary.counts).toEqual({ total: 6, passed: 3, failed: 2, skipped: 1 });
    expect(summary.failing).toEqual([
      {
        name: 'cart applies the discount',
        message: 'Error: expect(received).toBe(expected) // Object.is equality',
      },
      {
        name: 'checkout retries a declined card',
        message: 'thrown: "Exceeded timeout of 5000 ms for a test.',
      },
    ]);
  });

  it('reads a pytest report: dotted class names, <error> counts as a failure, xfail and skip as skipped', async () => {
    const summary = parseJUnit(await fixture('junit/pytest.xml'));

    expect(summary.counts).toEqual({ total: 6, passed: 2, failed: 2, skipped: 2 });
    expect(summary.failing).toEqual([
      { name: 'tests.test_prices.TestDiscount.test_applies_ten_percent', message: 'assert 100 == 90' },
      {
        name: 'tests.test_db.test_connects',
        message: 'failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"',
      },
    ]);
  });

  it('reads a Maven Surefire report: a <testsuite> root, CDATA, and a flaky failure that finally passed', async () => {
    const summary = parseJUnit(await fixture('junit/TEST-com.example.shop.CartTest.xml'));

    expect(summary.counts).toEqual({ total: 5, passed: 2, failed: 2, skipped: 1 });
    expect(summary.failing).toEqual([
      { name: 'com.example.shop.CartTest.appliesTheDiscount', message: 'expected: <90> but was: <100>' },
      {
        name: 'com.example.shop.CartTest.loadsPrices',
        message:
          'java.lang.NullPointerException: Cannot invoke "java.util.Map.get(Object)" because "this.prices" is null',
      },
    ]);
  });

  it('walks nested suites (PHPUnit) and takes the message from the text when there is no attribute', async () => {
    const summary = parseJUnit(await fixture('junit/nested-suites.xml'));

    expect(summary.counts).toEqual({ total: 4, passed: 3, failed: 1, skipped: 0 });
    expect(summary.failing).toEqual([
      {
        name: 'Shop.Tests.CartTest.testAppliesTheDiscount',
        message: 'Shop\\Tests\\CartTest::testAppliesTheDiscount',
      },
    ]);
  });

  it('names a case by its suite when it has no class name, and joins a spaced class name with ›', () => {
    const summary = parseJUnit(
      '<testsuite name="cart"><testcase name="adds"><failure message="boom"/></testcase>' +
        '<testcase classname="cart totals" name="in cents"><failure type="AssertionError"/></testcase>' +
        '<testcase name="bare"><error/></testcase></testsuite>',
    );

    expect(summary.failing).toEqual([
      { name: 'cart › adds', message: 'boom' },
      { name: 'cart totals › in cents', message: 'AssertionError' },
      { name: 'cart › bare', message: undefined },
    ]);
  });

  it('counts the cases, not the suites’ own (sometimes wrong) tests= attributes', () => {
    const summary = parseJUnit(
      '<testsuites tests="99"><testsuite tests="42"><testcase name="a"/></testsuite></testsuites>',
    );

    expect(summary.counts).toEqual({ total: 1, passed: 1, failed: 0, skipped: 0 });
  });

  it.each([
    '<testsuites/>',
    '<testsuites></testsuites>',
    '<?xml version="1.0"?><testsuites name="jest tests" tests="0"/>',
  ])('reads an empty report %p as no tests', (xml) => {
    expect(parseJUnit(xml).counts).toEqual({ total: 0, passed: 0, failed: 0, skipped: 0 });
  });

  it.each([
    ['<testsuite><testcase name="a"></testsuite>', /not well-formed XML/],
    ['<project><name>x</name></project>', /no <testsuites> or <testsuite> root/],
    ['{"numTotalTests": 3}', /not well-formed XML|no <testsuites>/],
  ])('refuses %p', (xml, message) => {
    expect(() => parseJUnit(xml)).toThrow(JUnitParseError);
    expect(() => parseJUnit(xml)).toThrow(message);
  });

  it('adds up whatever mix of cases it is given', () => {
    const outcome = fc.constantFrom('pass', 'failure', 'error', 'skipped');
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 30 }), (outcomes) => {
        const cases = outcomes.map((o, i) =>
          o === 'pass'
            ? `<testcase name="t${i}"/>`
            : `<testcase name="t${i}"><${o} message="m${i}"/></testcase>`,
        );
        const summary = parseJUnit(
          `<testsuites><testsuite name="s">${cases.join('')}</testsuite></testsuites>`,
        );
        const failed = outcomes.filter((o) => o === 'failure' || o === 'error').length;
        expect(summary.counts).toEqual({
          total: outcomes.length,
          passed: outcomes.filter((o) => o === 'pass').length,
          failed,
          skipped: outcomes.filter((o) => o === 'skipped').length,
        });
        expect(summary.failing).toHaveLength(failed);
      }),
      { numRuns: 100 },
    );
  });
});
