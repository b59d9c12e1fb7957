import { describe, expect, it } from '@jest/globals';
import {
  collectReports,
  describeFailingTest,
} from '../../../../../shared/local/buildspec/collect-reports.ts';
import { fixture } from './git-fixture.ts';
import { makeTree } from './tree-fixture.ts';

describe('collectReports', () => {
  it('adds up the report files of every group and skips a broken one with a warning', async () => {
    // Prepare
    const tree = await makeTree({
      'reports/jest.xml': await fixture('junit/jest-junit.xml'),
      'reports/broken.xml': '<testsuite><testcase',
      'target/surefire-reports/TEST-com.example.shop.CartTest.xml': await fixture(
        'junit/TEST-com.example.shop.CartTest.xml',
      ),
    });
    const warnings: string[] = [];

    // Act
    const collected = await collectReports(
      tree.root,
      [
        { name: 'jest', files: ['*.xml'], baseDirectory: 'reports', fileFormat: 'JUNITXML' },
        { name: 'maven', files: ['target/surefire-reports/TEST-*.xml'], fileFormat: 'JUNITXML' },
        { name: 'python', files: ['pytest.xml'], fileFormat: 'JUNITXML' },
      ],
      (w) => warnings.push(w),
    );
    await tree.cleanup();

    // Assess
    expect(collected.tests).toEqual({ total: 11, passed: 5, failed: 4, skipped: 2 });
    expect(collected.failing.map((t) => t.name)).toEqual([
      'cart applies the discount',
      'checkout retries a declined card',
      'com.example.shop.CartTest.appliesTheDiscount',
      'com.example.shop.CartTest.loadsPrices',
    ]);
    expect(collected.files).toEqual([
      'jest.xml',
      'target/surefire-reports/TEST-com.example.shop.CartTest.xml',
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(/^report group jest: broken.xml is not a JUnit XML report \(not well-formed XML/),
      'report group python: no report files matched pytest.xml',
    ]);
  });

  it('says nothing about tests when no report file exists', async () => {
    const tree = await makeTree({ 'README.md': '# shop' });

    const collected = await collectReports(
      tree.root,
      [{ name: 'r', files: ['**/*.xml'], fileFormat: 'JUNITXML' }],
      () => {},
    );
    await tree.cleanup();

    expect(collected.tests).toBeUndefined();
    expect(collected.failing).toEqual([]);
  });
});

describe('describeFailingTest', () => {
  it('writes the name and the first line of the message, shortened', () => {
    expect(describeFailingTest({ name: 'cart › totals', message: 'expected 3' })).toBe(
      'cart › totals — expected 3',
    );
    expect(describeFailingTest({ name: 'a' })).toBe('a');
    expect(describeFailingTest({ name: 'a', message: 'x'.repeat(300) }, 10)).toBe(`a — ${'x'.repeat(9)}…`);
  });
});
