/** Console links per partition (the e-mail and the finding point people at the cluster). */
export function consoleHost(partition: string, region: string): string {
  if (partition === 'aws-us-gov') return `https://${region}.console.amazonaws-us-gov.com`;
  if (partition === 'aws-cn') return `https://${region}.console.amazonaws.cn`;
  return `https://${region}.console.aws.amazon.com`;
}

export const clusterConsoleUrl = (partition: string, region: string, identifier: string) =>
  `${consoleHost(partition, region)}/rds/home?region=${region}#database:id=${encodeURIComponent(identifier)};is-cluster=true`;
