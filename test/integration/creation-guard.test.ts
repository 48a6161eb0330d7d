/**
 * End to end: the creation guard's entry of the bundled handler (dist/lambda/index.js,
 * `index.hookHandler`: the bytes the stack deploys) run as a child process with the environment the
 * stack gives the guard function, answering the CloudFormation Lambda hook requests of
 * test/fixtures/cloudformation-hook. It makes no AWS call: the emulator, which its SDK would reach,
 * sees none. A cluster the guard let through with a warning is named in the checker's next alert.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateDBClusterCommand } from '@aws-sdk/client-rds';
import type { EmulatedAws } from '../../emulator';
import { policyEnvironment } from '../../lib/creation-guard';
import type { HookResponse } from '../../lambda/creation-guard';
import { emailEntry, namedIn } from './checks';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { REPO_ROOT, runHandler } from './shells';
import { hookRequest } from '../lambda/hook-requests';
import type { Deployment } from '../../emulator/deployment';

jest.setTimeout(180_000);

const BUNDLE = path.join(REPO_ROOT, 'dist', 'lambda', 'index.js');
/** The Region of the fixtures' stack ARNs. */
const REGION = 'us-west-2';

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

/** Runs the bundle's hookHandler once on `event`, in a child process with only the given environment (and PATH). */
function invokeGuard(event: unknown, env: Record<string, string>): Promise<{ code: number; response: HookResponse; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hook-request-'));
  const file = path.join(dir, 'request.json');
  fs.writeFileSync(file, JSON.stringify(event));
  const script =
    'const fs = require("node:fs"); const { hookHandler } = require(process.argv[1]);' +
    'hookHandler(JSON.parse(fs.readFileSync(process.argv[2], "utf8"))).then((r) => process.stdout.write("\\n" + JSON.stringify(r) + "\\n"));';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, BUNDLE, file], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ code: code ?? -1, response: JSON.parse(last) as HookResponse, stderr });
      } catch {
        reject(new Error(`hookHandler printed no answer (exit ${code})\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }
    });
  });
}

/** The guard function's environment as the stack writes it (lib/creation-guard.ts), its SDK pointed at the emulator. */
const guardEnv = (d: Deployment): Record<string, string> => ({ ...aws.env(REGION), ...policyEnvironment(d.handlerEnv()) });

describe('the creation guard, bundled', () => {
  let d: Deployment;

  beforeAll(async () => {
    if (!fs.existsSync(BUNDLE)) throw new Error('dist/lambda/index.js is missing: run `npm run build` first');
    d = await freshAccount(aws, [], { regions: [REGION], homeRegion: REGION, minWindowHours: 24 });
  });

  it.each([
    [
      'the creation of a cluster without Backtrack',
      'cluster-create-without-backtrack',
      'FAILED',
      'NonCompliant',
      'FAILED, Backtrack is disabled',
    ],
    [
      'the update that lowers the window below 24 h',
      'cluster-update-window-lowered',
      'FAILED',
      'NonCompliant',
      'is below the required 86400 s',
    ],
    ['a compliant creation ("86400" as text)', 'cluster-create-compliant', 'SUCCESS', undefined, 'PASSED'],
    ['a cluster exempted by tag', 'cluster-create-exempt-by-tag', 'SUCCESS', undefined, 'exempt by tag until'],
    ['the documented DynamoDB example (no cluster)', 'documented-resource-update-dynamodb', 'SUCCESS', undefined, 'nothing to judge'],
    ['the documented stack example (no cluster)', 'documented-stack-update', 'SUCCESS', undefined, 'nothing to judge'],
    ['a malformed request', 'malformed-without-request-data', 'FAILED', 'InternalFailure', 'requestData is missing'],
  ])('answers %s as documented, with no AWS call', async (_name, fixture, hookStatus, errorCode, words) => {
    aws.proxy.clearCalls();

    const r = await invokeGuard(hookRequest(fixture), guardEnv(d));

    expect(r.code).toBe(0);
    expect(r.response.hookStatus).toBe(hookStatus);
    expect(r.response.errorCode).toBe(errorCode);
    expect(r.response.message).toContain(words);
    expect(aws.proxy.callsFor({})).toEqual([]);
  });

  it('a cluster let through with a warning (creationGuard=warn) is named in the next alert once CloudFormation has created it', async () => {
    const request = hookRequest('cluster-create-without-backtrack');
    const guard = await invokeGuard(request, guardEnv(d));
    expect(guard.response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    // FailureMode WARN: CloudFormation goes on and creates the cluster with the template's properties.
    const properties = (request as { requestData: { targetModel: { resourceProperties: Record<string, string> } } }).requestData.targetModel
      .resourceProperties;
    await d.rds(REGION).send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: properties.DBClusterIdentifier,
        Engine: properties.Engine,
        EngineVersion: properties.EngineVersion,
        MasterUsername: properties.MasterUsername,
        MasterUserPassword: 'not-a-real-password-1',
      }),
    );

    const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const recheck = await runHandler(d, {
      version: '0',
      id: '0d7f4c1e-5a6b-4c3d-8e9f-0a1b2c3d4e5f',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.rds',
      account: aws.accountId,
      time,
      region: REGION,
      resources: [],
      detail: {
        eventTime: time,
        eventSource: 'rds.amazonaws.com',
        eventName: 'CreateDBCluster',
        awsRegion: REGION,
        userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${aws.accountId}:assumed-role/cfn-exec/AWSCloudFormation` },
        sourceIPAddress: 'cloudformation.amazonaws.com',
        requestParameters: { dBClusterIdentifier: properties.DBClusterIdentifier, engine: properties.Engine },
        responseElements: null,
        eventType: 'AwsApiCall',
        recipientAccountId: aws.accountId,
      },
    });

    expect({ code: recheck.code, ok: recheck.json.ok, mode: recheck.json.result?.mode }).toEqual({ code: 0, ok: true, mode: 'recheck' });
    const alerts = await d.drainAlerts();
    expect(alerts).toHaveLength(1);
    const email = alerts[0]?.email ?? '';
    expect(namedIn(email, 'NEW FAILURES')).toEqual([`orders-db (${REGION})`]);
    expect(emailEntry(email, { id: 'orders-db', region: REGION })).toContain('Backtrack is disabled');
  });
});
