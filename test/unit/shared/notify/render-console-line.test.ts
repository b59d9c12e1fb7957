import { describe, expect, it } from '@jest/globals';
import { renderConsoleLine } from '../../../../shared/notify/render-console-line.ts';
import { RunDriver, SCRIPTS } from './run-fixtures.ts';

describe('renderConsoleLine', () => {
  it('writes one readable line per stage change of a whole run', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    const lines: string[] = [];

    // Act
    lines.push(renderConsoleLine(await driver.run(), driver.events[0]!, driver.clock.now()));
    for (const step of SCRIPTS.succeeded) {
      const event = await driver.append(step.detailType, step.stage, step.data as never, step.after);
      lines.push(renderConsoleLine(await driver.run(), event, driver.clock.now()));
    }

    // Assess
    const id = `#${driver.runId.slice(-8)}`;
    expect(lines).toEqual([
      `web  ${id}  run ▶ started  main 3f2a9c1 Fix login redirect for <script> & friends (Ada Lovelace)`,
      `web  ${id}  build ▶ running`,
      `web  ${id}  build ✔ succeeded (42s, 18 tests)`,
      `web  ${id}  staging ▶ running`,
      `web  ${id}  staging ✔ succeeded (1m 5s)`,
      `web  ${id}  canary ▶ running (10% traffic)`,
      `web  ${id}  canary ✔ succeeded (5m)`,
      `web  ${id}  production ✔ succeeded (30s)`,
      `web  ${id}  run ✔ succeeded (7m 23s)`,
    ]);
  });

  it('says why a stage failed', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    const [, failed] = await driver.play(SCRIPTS.buildFailed.slice(0, 2));

    // Act
    const line = renderConsoleLine(await driver.run(), failed!, driver.clock.now());

    // Assess
    expect(line).toMatch(/ {2}build ✖ failed \(37s, 3 of 20 tests failed\): npm test exited with 1$/);
  });

  it('says a build read no test report, and where to add one', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 1));
    const passed = await driver.append(
      'Tests Passed',
      'build',
      {
        buildId: 'b-1',
        tests: { total: 0, passed: 0, failed: 0, skipped: 0 },
        artifacts: { files: [], exportedVariables: {} },
      },
      42,
    );

    // Act
    const line = renderConsoleLine(await driver.run(), passed, driver.clock.now());

    // Assess
    expect(line).toMatch(/ {2}build ✔ succeeded \(42s, no test report: add `reports:` to buildspec.yml\)$/);
  });
});
