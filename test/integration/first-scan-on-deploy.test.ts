/**
 * End to end, the deployment's first scan: CloudFormation's Create request for the custom
 * resource, handled by the bundled handler (the bytes the stack deploys) against the emulator. A
 * local HTTP server stands in for the pre-signed S3 URL, and the handler's EMF lines become
 * CloudWatch datapoints as CloudWatch Logs makes them in AWS (emulator/emf-metrics.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EmulatedAws } from '../../emulator';
import { followEmf } from '../../emulator/emf-metrics';
import type { Deployment, ReceivedAlert } from '../../emulator/deployment';
import { SAMPLE_ACCOUNT, REGIONS_OF } from '../../emulator/sample-account';
import { failingUnsuppressed, namedIn, where } from './checks';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { lastJson, startHandlerOn, type InvokeOutput } from './shells';

jest.setTimeout(180_000);

const REGIONS = REGIONS_OF(SAMPLE_ACCOUNT);
const FAILING = failingUnsuppressed(SAMPLE_ACCOUNT);
const FAILED = FAILING.filter((c) => 'status' in c.expected && c.expected.status === 'FAILED');
const WARNING = FAILING.filter((c) => 'status' in c.expected && c.expected.status === 'WARNING');
const PASSING = SAMPLE_ACCOUNT.filter((c) => c.expected.scope === 'in-scope' && c.expected.status === 'PASSED');
const IN_SCOPE = SAMPLE_ACCOUNT.filter((c) => c.expected.scope === 'in-scope');

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

describe('the first scan on deploy (CloudFormation Create through the bundled handler)', () => {
  let d: Deployment;
  let server: Server;
  let put: { method?: string; path?: string; body: string } | undefined;
  let output: InvokeOutput;
  let alerts: ReceivedAlert[];
  let datapoints: number;
  let logs: string;

  beforeAll(async () => {
    d = await freshAccount(aws, SAMPLE_ACCOUNT);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        put = { method: req.method, path: req.url, body };
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-responses/first-scan?X-Amz-Signature=s3cr3t`;
    const running = startHandlerOn(
      d,
      {
        RequestType: 'Create',
        ServiceToken: `arn:aws:lambda:${d.homeRegion}:${aws.accountId}:function:checker`,
        ResponseURL: responseUrl,
        StackId: `arn:aws:cloudformation:${d.homeRegion}:${aws.accountId}:stack/checker/0a1b`,
        RequestId: 'c0ffee00-1111-2222-3333-444455556666',
        LogicalResourceId: 'CheckerFirstScanD00D',
        ResourceType: 'Custom::AuroraBacktrackFirstScan',
        ResourceProperties: {},
      },
      900,
    );
    const emf = followEmf(new CloudWatchClient(aws.clientConfig(d.homeRegion)), running.stdout);
    const result = await running.result;
    datapoints = await emf.stop();
    output = lastJson(result.stdout) as InvokeOutput;
    logs = result.stdout + result.stderr;
    if (!output?.ok) throw new Error(`the handler failed:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
    alerts = await d.drainAlerts();
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('imports a finding for every in-scope cluster during the deployment', async () => {
    const findings = (await Promise.all(REGIONS.map((r) => d.findings(r)))).flat();
    const named = findings.map((f) => f.Resources?.[0]?.Details?.AwsRdsDbCluster?.DbClusterIdentifier).sort();
    expect(named).toEqual(IN_SCOPE.map((c) => c.id).sort());
  });

  it('answers CloudFormation with the response it expects: SUCCESS and the request ids, PUT to the pre-signed URL', () => {
    expect(put?.method).toBe('PUT');
    expect(put?.path).toBe('/cfn-responses/first-scan?X-Amz-Signature=s3cr3t');
    const body = JSON.parse(put?.body ?? '{}') as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['LogicalResourceId', 'PhysicalResourceId', 'Reason', 'RequestId', 'StackId', 'Status']);
    expect(body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'first-run-on-deploy',
      StackId: `arn:aws:cloudformation:${d.homeRegion}:${aws.accountId}:stack/checker/0a1b`,
      RequestId: 'c0ffee00-1111-2222-3333-444455556666',
      LogicalResourceId: 'CheckerFirstScanD00D',
    });
    // The heartbeat's datapoint was read back from CloudWatch before the answer.
    expect(datapoints).toBeGreaterThan(0);
    expect(body.Reason).toBe(
      `first scan ${IN_SCOPE.length} clusters checked, ${FAILING.length} failing or warning; ScanCompleted datapoint visible`,
    );
  });

  it('sends one baseline alert through the topic: clusters checked and failing, naming each failing or warning cluster and no passing one', () => {
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ReceivedAlert;
    expect(alert.subject).toBe(
      `Aurora Backtrack baseline: ${IN_SCOPE.length} clusters checked, ${FAILED.length} failing, ${WARNING.length} warning (account ${aws.accountId})`,
    );
    expect(namedIn(alert.email, 'FAILING')).toEqual(FAILING.map(where).sort());
    for (const c of PASSING) expect(alert.email).not.toContain(`- ${c.id} (`);
    expect(alert.card.content.title).toContain(`Aurora Backtrack baseline: ${IN_SCOPE.length} clusters checked`);
    expect(JSON.parse(alert.attributes.event?.Value ?? '[]')).toEqual(['baseline', 'new-failure']);
  });

  it('never writes the pre-signed URL to the log', () => {
    expect(logs).toContain('answering CloudFormation');
    expect(logs).not.toContain('s3cr3t');
    expect(logs).not.toContain('/cfn-responses/');
  });
});
