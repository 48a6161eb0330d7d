import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { clientRegion } from './client-region';
import { InvalidResponseError } from './errors';

/** The client's class, for callers that load this module only when they need it. */
export { EC2Client };

/** The Regions enabled for the account (opted-in or not requiring opt-in), sorted by code. */
export async function listEnabledRegions(client: EC2Client): Promise<string[]> {
  const out = await client.send(new DescribeRegionsCommand({ AllRegions: false }));
  const names = (out.Regions ?? []).map((r) => r.RegionName).filter((n): n is string => typeof n === 'string' && n !== '');
  if (names.length === 0) {
    throw new InvalidResponseError(
      'EC2 DescribeRegions',
      await clientRegion(client),
      'no enabled Region was listed; name the Regions to check explicitly instead of "all"',
    );
  }
  return [...new Set(names)].sort();
}
