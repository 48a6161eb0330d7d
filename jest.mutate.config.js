/**
 * Jest for `npm run mutate`: only the tests of the pure rules in lambda/core, which is what
 * StrykerJS mutates. The rules must be pinned by their own unit tests, not by end-to-end runs.
 * ts-jest already transpiles file by file (tsconfig.json sets `isolatedModules`, which ts-jest 29.4
 * reads; its own `isolatedModules` option is deprecated), so the mutants are type-checked once, by
 * StrykerJS's TypeScript checker over tsconfig.mutate.json, and not again in every test run.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/lambda/core'] };
