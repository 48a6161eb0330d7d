/**
 * Jest for `npm run mutate`: only the tests of the pure rules in lambda/core, which is what
 * StrykerJS mutates. The rules must be pinned by their own unit tests, not by end-to-end runs.
 * Jest transpiles file by file with swc (no type-check), so the mutants are type-checked once, by
 * StrykerJS's TypeScript checker over tsconfig.mutate.json, and not again in every test run.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/lambda/core'] };
