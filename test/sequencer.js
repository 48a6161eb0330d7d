const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

/**
 * Test files that spend a minute or more waiting (run deadlines, the SDK's back-off, run leases),
 * not computing. Jest starts the files that took longest last time first; with no record (a fresh
 * clone) it starts the largest first, and these, small, would start last and leave the cores idle
 * while they wait at the end. They start first, while `npm test`'s static checks (scripts/test.ts)
 * still use a core.
 */
const LONG_WAITS = [
  'test/integration/stalled-region.test.ts',
  'test/integration/runs-killed-and-overlapping.test.ts',
  'test/integration/wire-faults.test.ts',
  'test/integration/faults.test.ts',
  'test/integration/finish-and-queue.test.ts',
];

const isLongWait = (test) => {
  const file = test.path.split(path.sep).join('/');
  return LONG_WAITS.some((long) => file.endsWith(`/${long}`));
};

class LongWaitsFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    return [...sorted.filter(isLongWait), ...sorted.filter((test) => !isLongWait(test))];
  }
}

module.exports = LongWaitsFirst;
