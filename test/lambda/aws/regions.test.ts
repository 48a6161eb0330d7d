import 'aws-sdk-client-mock-jest';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidResponseError } from '../../../lambda/aws/errors';
import { listEnabledRegions } from '../../../lambda/aws/regions';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1' });

beforeEach(() => {
  ec2.reset();
});

describe('listEnabledRegions', () => {
  it('asks only for enabled Regions and returns them sorted', async () => {
    ec2.on(DescribeRegionsCommand).resolves({
      Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'eu-west-1' }, { RegionName: 'ap-southeast-2' }, {}],
    });

    const regions = await listEnabledRegions(client);

    expect(regions).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    expect(ec2).toHaveReceivedCommandWith(DescribeRegionsCommand, { AllRegions: false });
  });

  it('raises InvalidResponseError when no Region is listed, rather than checking nothing', async () => {
    ec2.on(DescribeRegionsCommand).resolves({ Regions: [] });

    await expect(listEnabledRegions(client)).rejects.toThrow(InvalidResponseError);
  });
});
