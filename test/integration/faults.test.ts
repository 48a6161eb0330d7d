/**
 * End to end, both shells: AWS misbehaving — throttling everywhere, a Region denied, Security Hub
 * off in a Region, SNS refusing the alert. Nothing is lost and every blind spot is reported.
 */
import type { EmulatedAws } from '../../emulator';
import { expectEmailNamesEach, expectFindingsExactlyRight, expectValidChatbotCard, failingUnsuppressed, namedIn, where } from './checks';
import type { Deployment, ReceivedAlert } from '../../emulator/deployment';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { REGIONS_OF, SAMPLE_ACCOUNT } from '../../emulator/sample-account';
import { reportedProblems, SHELLS, type ScanRun, type Shell } from './shells';

jest.setTimeout(120_000);

const REGIONS = REGIONS_OF(SAMPLE_ACCOUNT);
const FAILING = failingUnsuppressed(SAMPLE_ACCOUNT);
const inRegions = (regions: string[]) => SAMPLE_ACCOUNT.filter((c) => regions.includes(c.region));

/** Every service the checker calls in a scan of listed Regions, with how many calls of each to throttle. */
const THROTTLED: Record<string, number> = { sts: 1, dynamodb: 2, rds: 3, cloudwatch: 2, securityhub: 3, sns: 1 };

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

const freshDeployment = (): Promise<Deployment> => freshAccount(aws, SAMPLE_ACCOUNT);

const expectDegraded = (shell: Shell, run: ScanRun) => {
  expect(run.code).toBe(shell.exit.degraded);
  // The handler returns a degraded run's summary (the Degradations metric raises the alarm).
  expect(run.error).toBeUndefined();
  expect((run.summary?.degraded.length ?? 0) + (run.summary?.alert?.error ? 1 : 0)).toBeGreaterThan(0);
};

describe.each(SHELLS)('$name', (shell) => {
  describe('throttling on every service the checker calls', () => {
    let d: Deployment;
    let run: ScanRun;
    let alerts: ReceivedAlert[];

    beforeAll(async () => {
      d = await freshDeployment();
      for (const [service, count] of Object.entries(THROTTLED)) aws.proxy.addFault({ service, kind: 'throttle', count });
      run = await shell.scan(d);
      alerts = await d.drainAlerts();
    });

    it('was throttled by each service as many times as injected', () => {
      const throttled = Object.fromEntries(
        Object.keys(THROTTLED).map((s) => [s, aws.proxy.callsFor({ service: s }).filter((c) => c.fault === 'throttle').length]),
      );
      expect(throttled).toEqual(THROTTLED);
      expect(aws.proxy.faults).toEqual([]);
    });

    it('ends like a run without throttling: same findings, same alert, same exit status, nothing degraded', async () => {
      expect({ code: run.code, error: run.error, degraded: run.summary?.degraded }).toEqual({
        code: shell.exit.failing,
        error: undefined,
        degraded: [],
      });
      await expectFindingsExactlyRight(d, SAMPLE_ACCOUNT, REGIONS);
      expect(alerts).toHaveLength(1);
      const alert = alerts[0] as ReceivedAlert;
      expect([...alert.email.matchAll(/^([A-Z][A-Z ]+) \(\d+\)$/gm)].map((m) => m[1])).toEqual(['NEW FAILURES']);
      expect(namedIn(alert.email, 'NEW FAILURES')).toEqual(FAILING.map(where).sort());
      expectValidChatbotCard(alert);
      expectEmailNamesEach(alert, aws.accountId, FAILING);
    });
  });

  describe('RDS denies one Region', () => {
    const DENIED = 'eu-west-1';
    const OTHERS = REGIONS.filter((r) => r !== DENIED);
    let d: Deployment;
    let run: ScanRun;
    let alerts: ReceivedAlert[];

    beforeAll(async () => {
      d = await freshDeployment();
      aws.proxy.addFault({ service: 'rds', region: DENIED, kind: 'access-denied' });
      run = await shell.scan(d);
      alerts = await d.drainAlerts();
    });

    it('reports the denied Region as not scanned and exits degraded', () => {
      expectDegraded(shell, run);
      expect(reportedProblems(run)).toContain(`${DENIED}: Region not scanned (AccessDenied`);
      if (run.summary) {
        const denied = run.summary.regions.find((r) => r.region === DENIED);
        expect(denied).toMatchObject({ scanned: false });
        expect(denied?.error).toMatch(/^AccessDenied: /);
      }
    });

    it('completes every other Region with exactly the right findings, and publishes none for the denied one', async () => {
      await expectFindingsExactlyRight(d, inRegions(OTHERS), OTHERS);
      expect(await d.findings(DENIED)).toEqual([]);
    });

    it('alerts the failures of the other Regions and the degraded Region in one message', () => {
      expect(alerts).toHaveLength(1);
      const alert = alerts[0] as ReceivedAlert;
      expect(namedIn(alert.email, 'NEW FAILURES')).toEqual(failingUnsuppressed(inRegions(OTHERS)).map(where).sort());
      expect(namedIn(alert.email, 'CHECKER DEGRADED')).toEqual([DENIED]);
      expect(alert.email).toContain(`${DENIED}: Region not scanned (AccessDenied`);
      expect(alert.card.content.description).toContain(`${DENIED}: Region not scanned`);
      expect(alert.attributes.severity?.Value).toBe('HIGH');
      expectValidChatbotCard(alert);
    });
  });

  describe('Security Hub not enabled in one Region', () => {
    const OFF = 'ap-southeast-2';
    const OTHERS = REGIONS.filter((r) => r !== OFF);
    let d: Deployment;
    let run: ScanRun;
    let alerts: ReceivedAlert[];

    beforeAll(async () => {
      d = await freshDeployment();
      aws.proxy.setSecurityHubEnabled(OFF, false);
      run = await shell.scan(d);
      alerts = await d.drainAlerts();
    });

    it('publishes every other Region exactly right', async () => {
      await expectFindingsExactlyRight(d, inRegions(OTHERS), OTHERS);
    });

    it('reports the Region where Security Hub refused the import, and exits degraded', async () => {
      expectDegraded(shell, run);
      expect(reportedProblems(run)).toContain(`${OFF}: findings not published — Security Hub is not enabled in ${OFF}`);
      const imports = aws.proxy.callsFor({ service: 'securityhub', region: OFF, operation: 'BatchImportFindings' });
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.map((c) => c.errorCode)).toEqual(imports.map(() => 'InvalidAccessException'));
      aws.proxy.setSecurityHubEnabled(OFF, undefined);
      expect(await d.findings(OFF)).toEqual([]);
    });

    it('alerts the failures and the unpublished Region in one message', () => {
      expect(alerts).toHaveLength(1);
      const alert = alerts[0] as ReceivedAlert;
      expect(namedIn(alert.email, 'NEW FAILURES')).toEqual(FAILING.map(where).sort());
      expect(namedIn(alert.email, 'CHECKER DEGRADED')).toEqual([OFF]);
      expect(alert.email).toContain(`Enable Security Hub CSPM in ${OFF}`);
    });
  });

  describe('SNS refuses to publish the alert', () => {
    let d: Deployment;
    let failed: ScanRun;
    let alertsWhileFailing: ReceivedAlert[];
    let next: ScanRun;
    let alertsNext: ReceivedAlert[];

    beforeAll(async () => {
      d = await freshDeployment();
      const fault = aws.proxy.addFault({ service: 'sns', operation: 'Publish', kind: 'access-denied' });
      failed = await shell.scan(d);
      alertsWhileFailing = await d.drainAlerts();
      aws.proxy.removeFault(fault);
      next = await shell.scan(d);
      alertsNext = await d.drainAlerts();
    });

    it('reports that the alert was not published, and exits degraded', () => {
      expect(alertsWhileFailing).toEqual([]);
      expect(aws.proxy.callsFor({ service: 'sns', operation: 'Publish' })[0]?.errorCode).toBe('AuthorizationError');
      expectDegraded(shell, failed);
      expect(reportedProblems(failed)).toContain('AuthorizationError');
      if (failed.summary) expect(failed.summary.alert).toMatchObject({ published: false });
    });

    it('sends the same alert on the next run, once SNS accepts it: nothing is lost', () => {
      expect(next.code).toBe(shell.exit.failing);
      expect(alertsNext).toHaveLength(1);
      const alert = alertsNext[0] as ReceivedAlert;
      expect(namedIn(alert.email, 'NEW FAILURES')).toEqual(FAILING.map(where).sort());
      expectEmailNamesEach(alert, aws.accountId, FAILING);
    });
  });
});
