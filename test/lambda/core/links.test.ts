import { clusterConsoleUrl, consoleHost, securityHubFindingsUrl } from '../../../lambda/core/links';

describe('consoleHost', () => {
  it.each([
    ['aws', 'eu-west-1', 'https://eu-west-1.console.aws.amazon.com'],
    ['aws-us-gov', 'us-gov-west-1', 'https://us-gov-west-1.console.amazonaws-us-gov.com'],
    ['aws-cn', 'cn-north-1', 'https://cn-north-1.console.amazonaws.cn'],
  ])('partition %s in %s → %s', (partition, region, host) => {
    expect(consoleHost(partition, region)).toBe(host);
  });
});

describe('clusterConsoleUrl', () => {
  it('opens the cluster page of the RDS console in its Region', () => {
    expect(clusterConsoleUrl('aws', 'eu-west-1', 'orders')).toBe(
      'https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#database:id=orders;is-cluster=true',
    );
  });
});

describe('securityHubFindingsUrl', () => {
  it("opens the Region's Security Hub findings filtered to the product name", () => {
    expect(securityHubFindingsUrl('aws', 'eu-west-1')).toBe(
      'https://eu-west-1.console.aws.amazon.com/securityhub/home?region=eu-west-1#/findings?search=ProductName%3D%255Coperator%255C%253AEQUALS%255C%253AAurora%2520Backtrack%2520Checker',
    );
  });
});
