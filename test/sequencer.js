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

/**
 * Small files that run a synth or a tool in a child process for ten seconds or more of CPU. Sorted by
 * size, they would come last and leave one worker busy while the others have nothing left: they
 * start right after the long waits, and the many short files fill the end of the run.
 */
const LONG_CHILDREN = [
  'test/lib/app.test.ts',
  'test/lib/hub/app-deployment.test.ts',
  'test/lib/hub/app-synth-messages.test.ts',
  'test/lib/hub/template-lint.test.ts',
  'test/lib/template-validation.test.ts',
  'test/integration/raise-action-template.test.ts',
  'test/integration/template-lint.test.ts',
  'test/bin/endpoint-silent.test.ts',
  'test/scripts/typecheck-and-lint.test.ts',
];

const among = (list) => (test) => {
  const file = test.path.split(path.sep).join('/');
  return list.some((listed) => file.endsWith(`/${listed}`));
};
const isLongWait = among(LONG_WAITS);
const isLongChild = among(LONG_CHILDREN);

class LongWaitsFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    return [...sorted.filter(isLongWait), ...sorted.filter(isLongChild), ...sorted.filter((t) => !isLongWait(t) && !isLongChild(t))];
  }
}

module.exports = LongWaitsFirst;
