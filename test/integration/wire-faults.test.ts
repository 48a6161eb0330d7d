/**
 * End to end, both shells: 5xx answers and dropped connections from every service the checker
 * calls — for a moment (the SDK's retries ride them out: nothing changes) and on every attempt (the
 * failure is reported where it happened, and everything else is judged, published and alerted) —
 * and Security Hub throttling that outlasts the retries.
 *
 * A fault that lasts makes the SDK back off for seconds, so the scenarios run at the same time,
 * each in Regions of its own (fault-worlds.ts): the file takes about as long as its slowest
 * back-off. For faults on every attempt the bundled handler meets 5xx where the CLI meets dropped
 * connections, and the other way round, so every service fails both ways and each shell reports
 * both kinds.
 */
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AddTagsToResourceCommand, ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import type { EmulatedAws, FaultSpec } from '../../emulator';
import { where } from './checks';
import { useEmulatedAws } from './emulated-account';
import {
  entries,
  failing,
  headings,
  openWorld,
  passing,
  scanAllRegions,
  wireReason,
  type Step,
  type WireFault,
  type World,
} from './fault-worlds';
import type { SeedCluster } from '../../emulator/sample-account';
import { CLI_SHELL, reportedProblems, runCli, SHELLS, type ScanRun, type Shell } from './shells';

jest.setTimeout(180_000);

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

/** Regions of each scenario, per shell: disjoint, so that faults scoped to them reach that scenario alone. */
const PLAN = {
  handler: {
    regional: ['us-east-1', 'us-east-2', 'us-west-1'],
    throttled: ['eu-west-2', 'eu-west-3'],
    state: 'ap-northeast-2',
    transient: 'ap-southeast-1',
    regionList: 'sa-east-1',
  },
  cli: {
    regional: ['us-west-2', 'ca-central-1', 'eu-west-1'],
    throttled: ['eu-central-1', 'ap-northeast-1'],
    state: 'ap-northeast-3',
    transient: 'ap-southeast-2',
    regionList: 'eu-north-1',
  },
} as const;
const STS_HOME = 'ap-south-1';

/** The fault each shell meets first; the other kind where a scenario fails a second service. */
const FIRST: Record<Shell['kind'], WireFault> = { handler: '5xx', cli: 'drop' };
const SECOND: Record<Shell['kind'], WireFault> = { handler: 'drop', cli: '5xx' };

const starters: (() => void)[] = [];
const running: Promise<unknown>[] = [];

/** A scenario that starts with all the others once the emulator is up; the returned function waits for its outcome. */
function scenario<T>(play: () => Promise<T>): () => Promise<T> {
  let outcome: Promise<T> | undefined;
  starters.push(() => {
    outcome = play();
    outcome.catch(() => undefined);
    running.push(outcome);
  });
  return () => outcome ?? Promise.reject(new Error('scenario not started'));
}

beforeAll(async () => {
  await aws.reset();
  for (const start of starters) start();
});

/** Runs `act` with the fault in place, and removes it whatever happens. */
async function during<T>(spec: FaultSpec, act: () => Promise<T>): Promise<T> {
  const fault = aws.proxy.addFault(spec);
  try {
    return await act();
  } finally {
    aws.proxy.removeFault(fault);
  }
}

const tagExempt = (w: World, c: SeedCluster) =>
  w.d.rds(c.region).send(
    new AddTagsToResourceCommand({
      ResourceName: w.arnOf(c),
      Tags: [
        { Key: 'backtrack-check:exempt', Value: 'true' },
        { Key: 'backtrack-check:exempt-reason', Value: 'read-only archive' },
      ],
    }),
  );

const callsOf = (s: Step, service: string, operation?: string, region?: string) =>
  s.calls.filter(
    (c) => c.service === service && (operation === undefined || c.operation === operation) && (region === undefined || c.region === region),
  );

/** Every attempt of the call (in the Region) failed with the fault, and the SDK did retry before giving up. */
function expectRetriedThenGaveUp(s: Step, kind: string, service: string, operation: string, region?: string): void {
  const attempts = callsOf(s, service, operation, region);
  expect({ service, operation, retried: attempts.length > 1, faults: [...new Set(attempts.map((c) => c.fault))] }).toEqual({
    service,
    operation,
    retried: true,
    faults: [kind],
  });
}

const expectDegraded = (shell: Shell, run: ScanRun) => expect(run.code).toBe(shell.exit.degraded);
const occurrences = (text: string, phrase: string) => text.split(phrase).length - 1;

describe.each(SHELLS)('$name', (shell) => {
  describe('RDS, CloudWatch and Security Hub each failing on every attempt in one Region', () => {
    const kind = FIRST[shell.kind];
    const [A, B, C] = PLAN[shell.kind].regional;
    const get = scenario(async () => {
      const w = await openWorld(aws, { home: A, regions: [A, B, C], clusters: [A, B, C].flatMap((r) => [failing(r), passing(r)]) });
      const faults = [
        aws.proxy.addFault({ service: 'rds', region: A, operation: 'DescribeDBClusters', kind }),
        aws.proxy.addFault({ service: 'cloudwatch', region: B, operation: 'GetMetricData', kind }),
        aws.proxy.addFault({ service: 'securityhub', region: C, operation: 'BatchImportFindings', kind }),
      ];
      const faulty = await w.step(shell.scan);
      faults.forEach((f) => aws.proxy.removeFault(f));
      const healthy = await w.step(shell.scan);
      return { w, faulty, healthy };
    });
    let w: World;
    let faulty: Step;
    let healthy: Step;
    beforeAll(async () => ({ w, faulty, healthy } = await get()));

    it(`(${kind}) reports RDS in ${A} as not scanned, CloudWatch in ${B} as metrics unavailable and Security Hub in ${C} as findings not published, each with its error, and exits degraded`, () => {
      expectDegraded(shell, faulty.run);
      expectRetriedThenGaveUp(faulty, kind, 'rds', 'DescribeDBClusters', A);
      expectRetriedThenGaveUp(faulty, kind, 'cloudwatch', 'GetMetricData', B);
      expectRetriedThenGaveUp(faulty, kind, 'securityhub', 'BatchImportFindings', C);
      const problems = reportedProblems(faulty.run);
      expect(problems).toContain(`${A}: Region not scanned (`);
      expect(problems).toContain(`${B}: CloudWatch Backtrack metrics could not be read (`);
      expect(problems).toContain(`${C}: 2 finding(s) not published — Security Hub import failed in ${C}: `);
      const lines = entries(faulty.alerts[0], 'CHECKER DEGRADED');
      expect(lines).toHaveLength(3);
      expect(lines.find((l) => l.startsWith(`${A}: Region not scanned (`))).toContain(wireReason('rds', kind));
      expect(lines.find((l) => l.startsWith(`${B}: CloudWatch Backtrack metrics could not be read (`))).toContain(
        wireReason('cloudwatch', kind),
      );
      expect(lines.find((l) => l.startsWith(`${C}: 2 finding(s) not published`))).toContain(wireReason('securityhub', kind));
    });

    it(`judges ${B} and ${C} as if nothing failed, and publishes ${B}'s findings exactly right`, () => {
      expect(faulty.findings).toEqual({ ...w.expected(), [A]: [], [C]: [] });
    });

    it(`alerts once: the failures of ${B} and ${C} and the three problems`, () => {
      expect(faulty.alerts).toHaveLength(1);
      expect(headings(faulty.alerts[0])).toEqual(['NEW FAILURES', 'CHECKER DEGRADED']);
      expect(
        entries(faulty.alerts[0], 'NEW FAILURES')
          .map((l) => l.slice(0, l.indexOf(': ')))
          .sort(),
      ).toEqual([where(failing(B)), where(failing(C))].sort());
    });

    it(`the next run, AWS healthy again, publishes every Region, alerts the failure in ${A} it could not judge before, and tells of the three recoveries`, () => {
      expect(healthy.run.code).toBe(shell.exit.failing);
      expect(reportedProblems(healthy.run)).toBe('');
      expect(healthy.findings).toEqual(w.expected());
      expect(healthy.alerts).toHaveLength(1);
      expect(headings(healthy.alerts[0])).toEqual(['NEW FAILURES', 'CHECKER RECOVERED']);
      expect(
        entries(healthy.alerts[0], 'NEW FAILURES')
          .map((l) => l.slice(0, l.indexOf(': ')))
          .sort(),
      ).toEqual([where(failing(A))]);
      expect(entries(healthy.alerts[0], 'CHECKER RECOVERED').sort()).toEqual(
        [
          `${A}: region not scanned — no longer`,
          `${B}: metrics unavailable — no longer`,
          `${C}: findings not published — no longer`,
        ].sort(),
      );
    });
  });

  describe('Security Hub throttling every import in one Region for longer than the SDK retries', () => {
    const [C, D] = PLAN[shell.kind].throttled;
    const get = scenario(async () => {
      const w = await openWorld(aws, { home: C, regions: [C, D], clusters: [C, D].flatMap((r) => [failing(r), passing(r)]) });
      const throttled = await during({ service: 'securityhub', region: C, operation: 'BatchImportFindings', kind: 'throttle' }, () =>
        w.step(shell.scan),
      );
      const next = await w.step(shell.scan);
      const after = await w.step(shell.scan);
      return { w, throttled, next, after };
    });
    let w: World;
    let throttled: Step;
    let next: Step;
    let after: Step;
    beforeAll(async () => ({ w, throttled, next, after } = await get()));

    it(`reports the findings of ${C} as not published, naming the throttling, once the SDK stopped retrying; exits degraded`, () => {
      expectDegraded(shell, throttled.run);
      expectRetriedThenGaveUp(throttled, 'throttle', 'securityhub', 'BatchImportFindings', C);
      expect(reportedProblems(throttled.run)).toContain(
        `${C}: 2 finding(s) not published — Security Hub import failed in ${C}: TooManyRequestsException`,
      );
    });

    it(`publishes ${D} as usual and alerts the failures of both Regions, with ${C}'s unpublished findings, in one message`, () => {
      expect(throttled.findings).toEqual({ ...w.expected(), [C]: [] });
      expect(throttled.alerts).toHaveLength(1);
      expect(
        entries(throttled.alerts[0], 'NEW FAILURES')
          .map((l) => l.slice(0, l.indexOf(': ')))
          .sort(),
      ).toEqual([where(failing(C)), where(failing(D))].sort());
      const degraded = entries(throttled.alerts[0], 'CHECKER DEGRADED');
      expect(degraded).toHaveLength(1);
      expect(degraded[0]).toContain(`${C}: 2 finding(s) not published — Security Hub import failed in ${C}: TooManyRequestsException`);
    });

    it('the next run publishes every finding and tells of the recovery, once', () => {
      expect(next.run.code).toBe(shell.exit.failing);
      expect(next.findings).toEqual(w.expected());
      expect(next.alerts).toHaveLength(1);
      expect(headings(next.alerts[0])).toEqual(['CHECKER RECOVERED']);
      expect(entries(next.alerts[0], 'CHECKER RECOVERED')).toEqual([`${C}: findings not published — no longer`]);
      expect({ code: after.run.code, alerts: after.alerts }).toEqual({ code: shell.exit.failing, alerts: [] });
    });
  });

  describe('the state table and SNS each failing on every attempt, one run after another', () => {
    const E = PLAN[shell.kind].state;
    const [k1, k2] = [FIRST[shell.kind], SECOND[shell.kind]];
    const off = failing(E);
    const ok = passing(E);
    const late = failing(E, 'late');
    const lowered: SeedCluster = {
      ...ok,
      backtrackWindow: 3600,
      expected: { scope: 'in-scope', status: 'FAILED', condition: 'below-policy' },
    };
    const get = scenario(async () => {
      const w = await openWorld(aws, { home: E, regions: [E], clusters: [off, ok] });
      const scan = () => w.step(shell.scan);
      const unreadable = await during({ service: 'dynamodb', region: E, operation: 'Scan', kind: k1 }, scan);
      const afterUnreadable = await scan();
      await w.d.rds(E).send(new ModifyDBClusterCommand({ DBClusterIdentifier: ok.id, BacktrackWindow: 3600, ApplyImmediately: true }));
      // Cluster items are written with BatchWriteItem; PutItem (the run's own bookkeeping) is left alone.
      const unwritable = await during({ service: 'dynamodb', region: E, operation: 'BatchWriteItem', kind: k2 }, scan);
      const afterUnwritable = await scan();
      await w.add(late);
      const unpublished = await during({ service: 'sns', region: E, operation: 'Publish', kind: k1 }, scan);
      const afterUnpublished = await scan();
      return {
        w,
        unreadable,
        afterUnreadable,
        unwritable,
        afterUnwritable,
        unpublished,
        afterUnpublished,
      };
    });
    let s: Awaited<ReturnType<typeof get>>;
    beforeAll(async () => (s = await get()));
    const newFailures = (step: Step) =>
      entries(step.alerts[0], 'NEW FAILURES')
        .map((l) => l.slice(0, l.indexOf(': ')))
        .sort();

    it(`(${k1}) state table unreadable: reported with the table and the error, findings still published, the alert holds cluster changes back and says why; exits degraded`, () => {
      const { unreadable } = s;
      expectDegraded(shell, unreadable.run);
      expectRetriedThenGaveUp(unreadable, k1, 'dynamodb', 'Scan');
      expect(unreadable.findings).toEqual(s.w.expected([off, ok]));
      expect(unreadable.alerts).toHaveLength(1);
      expect(headings(unreadable.alerts[0])).toEqual(['CHECKER DEGRADED']);
      const [line] = entries(unreadable.alerts[0], 'CHECKER DEGRADED');
      expect(line).toMatch(
        /^state table could not be read \(.*"backtrack-checker-state".*\); alerts for cluster changes are held back this run$/,
      );
      expect(line).toContain(wireReason('dynamodb', k1));
      expect(reportedProblems(unreadable.run)).toContain(line);
    });

    it('the next run alerts the failure that was held back: nothing lost', () => {
      expect(s.afterUnreadable.run.code).toBe(shell.exit.failing);
      expect(s.afterUnreadable.alerts).toHaveLength(1);
      expect(newFailures(s.afterUnreadable)).toEqual([where(off)]);
    });

    it(`(${k2}) cluster state not writable: the alert of the new failure goes out, the problem is reported once; exits degraded`, () => {
      const { unwritable } = s;
      expectDegraded(shell, unwritable.run);
      expectRetriedThenGaveUp(unwritable, k2, 'dynamodb', 'BatchWriteItem');
      expect(unwritable.alerts).toHaveLength(1);
      expect(newFailures(unwritable)).toEqual([where(ok)]);
      const problems = reportedProblems(unwritable.run);
      expect(occurrences(problems, 'state table could not be written (')).toBe(1);
      expect(problems).toContain(wireReason('dynamodb', k2));
      expect(problems).toContain("the next run may repeat this run's alert");
    });

    it('the next run repeats that alert: at least once, never lost', () => {
      expect(s.afterUnwritable.alerts).toHaveLength(1);
      expect(newFailures(s.afterUnwritable)).toEqual([where(ok)]);
      expect(entries(s.afterUnwritable.alerts[0], 'NEW FAILURES')[0]).toContain('(was passing)');
    });

    it(`(${k1}) SNS Publish failing: the findings are published, the alert is reported as not published with the error; exits degraded`, () => {
      const { unpublished } = s;
      expectDegraded(shell, unpublished.run);
      expectRetriedThenGaveUp(unpublished, k1, 'sns', 'Publish');
      expect(unpublished.alerts).toEqual([]);
      expect(unpublished.findings).toEqual(s.w.expected([off, lowered, late]));
      expect(reportedProblems(unpublished.run)).toContain(wireReason('sns', k1));
      if (unpublished.run.summary) expect(unpublished.run.summary.alert).toMatchObject({ published: false });
    });

    it('the next run sends the alert that was lost, once', () => {
      expect(s.afterUnpublished.alerts).toHaveLength(1);
      expect(newFailures(s.afterUnpublished)).toEqual([where(late)]);
    });
  });

  describe('5xx answers and dropped connections for a moment on every service, then on every BatchUpdateFindings attempt', () => {
    const F = PLAN[shell.kind].transient;
    const kind = SECOND[shell.kind];
    const off = failing(F);
    const spare = failing(F, 'spare');
    /** Service, operation, and how many calls answer 5xx and then how many are dropped: fewer than the SDK's attempts. */
    const TRANSIENT: [string, string | undefined, number][] = [
      ['sts', 'GetCallerIdentity', 1],
      ['dynamodb', undefined, 2],
      ['rds', 'DescribeDBClusters', 2],
      ['cloudwatch', 'GetMetricData', 1],
      ['securityhub', 'BatchImportFindings', 2],
      ['sns', 'Publish', 1],
    ];
    const get = scenario(async () => {
      const w = await openWorld(aws, { home: F, regions: [F], clusters: [off, spare, passing(F)] });
      for (const [service, operation, count] of TRANSIENT) {
        for (const k of ['5xx', 'drop'] as const)
          aws.proxy.addFault({ service, region: F, ...(operation && { operation }), kind: k, count });
      }
      const first = await w.step(shell.scan);
      await tagExempt(w, off);
      for (const k of ['5xx', 'drop'] as const) {
        aws.proxy.addFault({ service: 'securityhub', region: F, operation: 'BatchUpdateFindings', kind: k, count: 1 });
      }
      const second = await w.step(shell.scan);
      const left = aws.proxy.faults.filter((f) => f.spec.region === F);
      await tagExempt(w, spare);
      const unsuppressed = await during({ service: 'securityhub', region: F, operation: 'BatchUpdateFindings', kind }, () =>
        w.step(shell.scan),
      );
      const afterUnsuppressed = await w.step(shell.scan);
      return { w, first, second, left, unsuppressed, afterUnsuppressed };
    });
    let s: Awaited<ReturnType<typeof get>>;
    beforeAll(async () => (s = await get()));

    it('rides them out on STS, DynamoDB, RDS, CloudWatch, Security Hub and SNS: the same findings, exit status and single alert as a clean run', () => {
      const { first } = s;
      expect({ code: first.run.code, problems: reportedProblems(first.run) }).toEqual({ code: shell.exit.failing, problems: '' });
      expect(first.findings).toEqual(s.w.expected());
      expect(first.alerts).toHaveLength(1);
      expect(headings(first.alerts[0])).toEqual(['NEW FAILURES']);
      expect(
        entries(first.alerts[0], 'NEW FAILURES')
          .map((l) => l.slice(0, l.indexOf(': ')))
          .sort(),
      ).toEqual([where(off), where(spare)].sort());
    });

    it('met every fault injected: each service answered only after its 5xx and its dropped connections', () => {
      const seen = Object.fromEntries(
        TRANSIENT.map(([service, operation]) => {
          const calls = callsOf(s.first, service, operation);
          return [service, { '5xx': calls.filter((c) => c.fault === '5xx').length, drop: calls.filter((c) => c.fault === 'drop').length }];
        }),
      );
      expect(seen).toEqual(Object.fromEntries(TRANSIENT.map(([service, , count]) => [service, { '5xx': count, drop: count }])));
      expect(s.left).toEqual([]);
    });

    it('sets an exemption in Security Hub through a 5xx and a dropped connection on BatchUpdateFindings', () => {
      const { second } = s;
      expect({ code: second.run.code, problems: reportedProblems(second.run) }).toEqual({ code: shell.exit.failing, problems: '' });
      expect(callsOf(second, 'securityhub', 'BatchUpdateFindings').map((c) => c.fault ?? c.status)).toEqual(['5xx', 'drop', 200]);
      expect(second.findings).toEqual(s.w.expected(undefined, new Set([off.id])));
    });

    it(`(${kind}) on every BatchUpdateFindings attempt: the next exemption is reported as not applied in its Region, the finding stays NEW; exits degraded`, () => {
      const { unsuppressed } = s;
      expectDegraded(shell, unsuppressed.run);
      expectRetriedThenGaveUp(unsuppressed, kind, 'securityhub', 'BatchUpdateFindings');
      expect(unsuppressed.findings).toEqual(s.w.expected(undefined, new Set([off.id])));
      const lines = entries(unsuppressed.alerts[0], 'CHECKER DEGRADED');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${F}: .*\\bexemption.*Security Hub`));
      expect(lines[0]).toContain(wireReason('securityhub', kind));
      expect(reportedProblems(unsuppressed.run)).toContain(lines[0]);
    });

    it('the next run suppresses that finding too and tells of the recovery', () => {
      const { afterUnsuppressed } = s;
      expect(afterUnsuppressed.run.code).toBe(shell.exit.clean);
      expect(afterUnsuppressed.findings).toEqual(s.w.expected(undefined, new Set([off.id, spare.id])));
      expect(afterUnsuppressed.alerts).toHaveLength(1);
      expect(entries(afterUnsuppressed.alerts[0], 'CHECKER RECOVERED')).toEqual([`${F}: workflow not updated — no longer`]);
    });
  });

  describe('EC2 DescribeRegions failing on every attempt (every Region watched)', () => {
    const kind = FIRST[shell.kind];
    const H = PLAN[shell.kind].regionList;
    const get = scenario(async () => {
      const w = await openWorld(aws, { home: H, regions: [], clusters: [] });
      return during({ service: 'ec2', region: H, kind }, () => w.step((d) => scanAllRegions(shell, d)));
    });
    let s: Step;
    beforeAll(async () => (s = await get()));

    it(`(${kind}) reports that the Regions could not be listed and nothing was scanned, in the alert too; exits degraded`, () => {
      expectDegraded(shell, s.run);
      expectRetriedThenGaveUp(s, kind, 'ec2', 'DescribeRegions');
      expect(s.run.summary?.regions ?? []).toEqual([]);
      const lines = entries(s.alerts[0], 'CHECKER DEGRADED');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^the account's enabled Regions could not be listed \(.*\); nothing was scanned$/);
      expect(lines[0]).toContain(wireReason('ec2', kind));
      expect(reportedProblems(s.run)).toContain(lines[0]);
    });
  });
});

describe(`${CLI_SHELL.name}: STS GetCallerIdentity failing on every attempt`, () => {
  const get = scenario(async () => {
    const w = await openWorld(aws, { home: STS_HOME, regions: [STS_HOME], clusters: [] });
    const runs: Partial<Record<WireFault, Step>> = {};
    for (const kind of ['5xx', 'drop'] as const) {
      runs[kind] = await during({ service: 'sts', region: STS_HOME, kind }, () => w.step((d) => runCli(d)));
    }
    return runs;
  });
  let runs: Partial<Record<WireFault, Step>>;
  beforeAll(async () => (runs = await get()));

  it.each(['5xx', 'drop'] as const)(
    '(%s) exits 3 naming STS, its Region and the error, without a stack trace, and judges nothing',
    (kind) => {
      const s = runs[kind] as Step;
      expect(s.run.code).toBe(CLI_SHELL.exit.degraded);
      expect(s.run.stderr).toContain(`STS GetCallerIdentity in ${STS_HOME} failed`);
      expect(s.run.stderr).toContain(wireReason('sts', kind));
      expect(s.run.stderr).toContain('nothing was judged');
      expect(s.run.stderr).not.toMatch(/\n\s+at /);
      // With --format json a run that could not start still writes a JSON document naming the error.
      expect(s.run.json).toMatchObject({
        schemaVersion: '1.0',
        error: { exitCode: 3, message: expect.stringContaining('STS GetCallerIdentity') },
      });
      expectRetriedThenGaveUp(s, kind, 'sts', 'GetCallerIdentity');
      expect(new Set(s.calls.map((c) => c.service))).toEqual(new Set(['sts']));
      expect(s.alerts).toEqual([]);
    },
  );
});

describe('5xx and a dropped connection for a moment on EC2 DescribeRegions (every Region watched)', () => {
  const R = 'eu-west-1';
  /** Home of each shell's deployment: each lists the Regions with its own EC2 client there. */
  const HOME: Record<Shell['kind'], string> = { handler: R, cli: 'us-east-2' };
  const runs = new Map<Shell['kind'], Step>();
  let w: World;
  let enabled: string[];

  beforeAll(async () => {
    // Scanning every Region would meet the other scenarios' clusters: this runs alone, last. Both
    // shells scan the same clusters at once; each keeps its own table and topic.
    await Promise.allSettled(running);
    await aws.reset();
    w = await openWorld(aws, { home: HOME.handler, regions: [R], clusters: [failing(R), passing(R)] });
    const other = await openWorld(aws, { home: HOME.cli, regions: [], clusters: [] });
    const worlds: Record<Shell['kind'], World> = { handler: w, cli: other };
    for (const shell of SHELLS) {
      for (const kind of ['5xx', 'drop'] as const) aws.proxy.addFault({ service: 'ec2', region: HOME[shell.kind], kind, count: 1 });
    }
    await Promise.all(SHELLS.map(async (shell) => runs.set(shell.kind, await worlds[shell.kind].step((d) => scanAllRegions(shell, d)))));
    enabled = ((await new EC2Client(aws.clientConfig(R)).send(new DescribeRegionsCommand({}))).Regions ?? []).map((r) =>
      String(r.RegionName),
    );
  });

  it.each(SHELLS)(
    '$name rides them out: every enabled Region is scanned, with the same findings, exit status and single alert as a clean run',
    async (shell) => {
      const s = runs.get(shell.kind) as Step;
      expect(callsOf(s, 'ec2', 'DescribeRegions').map((c) => c.fault ?? c.status)).toEqual(['5xx', 'drop', 200]);
      expect({ code: s.run.code, problems: reportedProblems(s.run) }).toEqual({ code: shell.exit.failing, problems: '' });
      expect(enabled.length).toBeGreaterThan(1);
      expect(s.run.summary?.regions.map((r) => r.region).sort()).toEqual([...enabled].sort());
      expect(s.alerts).toHaveLength(1);
      expect(
        entries(s.alerts[0], 'NEW FAILURES')
          .map((l) => l.slice(0, l.indexOf(': ')))
          .sort(),
      ).toEqual([where(failing(R))]);
      expect(await w.findings()).toEqual(w.expected());
    },
  );
});
