/** Console links per partition (the e-mail and the finding point people at the cluster). */
export function consoleHost(partition: string, region: string): string {
  if (partition === 'aws-us-gov') return `https://${region}.console.amazonaws-us-gov.com`;
  if (partition === 'aws-cn') return `https://${region}.console.amazonaws.cn`;
  return `https://${region}.console.aws.amazon.com`;
}

export const clusterConsoleUrl = (partition: string, region: string, identifier: string) =>
  `${consoleHost(partition, region)}/rds/home?region=${region}#database:id=${encodeURIComponent(identifier)};is-cluster=true`;

/**
 * The Security Hub CSPM findings page of one Region, filtered to this checker's findings (product
 * name "Aurora Backtrack Checker").
 */
export const securityHubFindingsUrl = (partition: string, region: string) =>
  `${consoleHost(partition, region)}/securityhub/home?region=${region}#/findings?search=ProductName%3D%255Coperator%255C%253AEQUALS%255C%253AAurora%2520Backtrack%2520Checker`;
