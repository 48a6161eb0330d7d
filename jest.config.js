const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  // The end-to-end suites spend most of their time waiting on the emulator and the processes they
  // start (the bundled handler, the CLI, moto): one worker per core, and at least two, overlap the
  // waits (Jest's default leaves a core idle: one worker on a 2-core machine).
  maxWorkers: Math.max(2, os.availableParallelism()),
};
