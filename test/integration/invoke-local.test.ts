/**
 * `npm run invoke-local` judges with the bundled handler but writes nothing unless `--publish` is
 * given: no finding imported, no alert published, no state item, whatever account it reaches.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { EmulatedAws } from '../../emulator';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { SAMPLE_ACCOUNT } from '../../emulator/sample-account';
import { runHandler } from './shells';

jest.setTimeout(120_000);

const ACCOUNT = SAMPLE_ACCOUNT.filter((c) => c.region === 'eu-west-1');

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

describe('npm run invoke-local', () => {
  it('without --publish judges every cluster and writes no finding, alert or state', async () => {
    const d = await freshAccount(aws, ACCOUNT);
    const r = await runHandler(d, 'scan', {}, undefined, true);
    expect(r.stderr).toContain('read-only run');
    expect(r.json.result?.totals).toMatchObject({ clusters: ACCOUNT.length });
    expect(aws.proxy.callsFor({ service: 'securityhub' })).toEqual([]);
    expect(aws.proxy.callsFor({ service: 'sns' })).toEqual([]);
    expect(await d.drainAlerts()).toEqual([]);
    const items = await new DynamoDBClient(aws.clientConfig(d.homeRegion)).send(new ScanCommand({ TableName: d.tableName }));
    expect(items.Count).toBe(0);
  });

  it('with --publish imports the findings and publishes the alert, as the deployed function does', async () => {
    const d = await freshAccount(aws, ACCOUNT);
    const r = await runHandler(d, 'scan');
    expect(r.stderr).not.toContain('read-only run');
    expect((await d.findings('eu-west-1')).length).toBeGreaterThan(0);
    expect(await d.drainAlerts()).toHaveLength(1);
  });
});
