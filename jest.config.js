const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpiled file by file with swc, as tsconfig.json's settings would (ES2022 class fields,
  // CommonJS with ES module interop); types are checked by `tsc --noEmit` in `npm test`, not here.
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022', transform: { useDefineForClassFields: true } },
        module: { type: 'commonjs' },
      },
    ],
  },
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  // The end-to-end suites spend much of their time waiting on the emulator, the processes they start
  // (the bundled handler, the CLI) and deadlines: two workers per core (at least four, at most
  // twelve) keep the cores busy while some of them wait, and the files that wait longest start first.
  maxWorkers: Math.min(12, Math.max(4, 2 * os.availableParallelism())),
  testSequencer: '<rootDir>/test/sequencer.js',
};
