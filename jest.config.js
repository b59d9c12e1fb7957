/** Jest runs the TypeScript sources as native ESM through SWC; `tsc --noEmit` type-checks separately. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 20000,
  // One worker per core. Jest's default (cores − 1) runs everything in band on a 2-core machine,
  // while most of the slow suites wait on processes and timers rather than the CPU: 2 workers take
  // the suite from ~480 s to ~220 s here.
  maxWorkers: '100%',
};
