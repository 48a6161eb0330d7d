const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

/**
 * Test files that spend a minute or more waiting (run deadlines, the SDK's back-off, run leases),
 * not computing. Jest starts the files that took longest last time first; with no record (a fresh
 * clone) it starts the largest first, and these, small, would start last and leave the cores idle
 * while they wait. They start first, so that their waits overlap the other files' work.
 */
const LONG_WAITS = [
  'test/integration/stalled-region.test.ts',
  'test/integration/runs-killed-and-overlapping.test.ts',
  'test/integration/wire-faults.test.ts',
  'test/integration/faults.test.ts',
  'test/integration/finish-and-queue.test.ts',
];

class LongWaitsFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (test) => {
      const file = test.path.split(path.sep).join('/');
      const i = LONG_WAITS.findIndex((long) => file.endsWith(`/${long}`));
      return i === -1 ? LONG_WAITS.length : i;
    };
    return sorted
      .map((test, i) => ({ test, i }))
      .sort((a, b) => rank(a.test) - rank(b.test) || a.i - b.i)
      .map(({ test }) => test);
  }
}

module.exports = LongWaitsFirst;
