/**
 * What the CDK stack would create, made in the emulated account: the state table, the alert topic
 * with an SQS queue subscribed (so alerts are read back as a subscriber gets them), and Security
 * Hub enabled in the chosen Regions. Also the readers the end-to-end tests and the demo use.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { telemetryEnvironment, toEnvironment } from '../lambda/settings/schema';
import { loadConfig } from '../lib/config';
import type { EmulatedAws } from './emulated-aws';
import { inAccount } from './organization';

export interface DeploymentOptions {
  /** Regions the checker watches. */
  regions: string[];
  /** Regions where Security Hub is enabled (default: all watched Regions). */
  securityHubRegions?: string[];
  /** Region of the stack: topic, table (default us-east-1). */
  homeRegion?: string;
  minWindowHours?: number;
  /** The account the resources are made in (moto's account header), e.g. a member of an organization; default: the emulator's. */
  account?: string;
}

export interface ReceivedAlert {
  subject: string;
  /** The `default` body: the AWS Chatbot custom notification. */
  card: { version: string; source: string; content: { textType: string; title: string; description: string; nextSteps?: string[] } };
  /** The `email` body, as the e-mail subscriber gets it (from the Publish request). */
  email: string;
  attributes: Record<string, { Type: string; Value: string }>;
}

export interface Deployment {
  topicArn: string;
  tableName: string;
  queueUrl: string;
  homeRegion: string;
  regions: string[];
  /** Environment the stack sets on the function (plus the emulator's endpoint and credentials). */
  handlerEnv(extra?: Record<string, string>): Record<string, string>;
  /** CLI flags equivalent to the stack's configuration. */
  cliArgs(extra?: string[]): string[];
  /** Environment that points the SDK (or a child process) at the emulator, in the home Region. */
  emulatorEnv(): Record<string, string>;
  /** Alerts delivered to the SQS subscriber since the last call (and removes them). */
  drainAlerts(): Promise<ReceivedAlert[]>;
  /** Every finding of the checker in one Region, as Security Hub shows it (workflow applied). */
  findings(region: string): Promise<AwsSecurityFinding[]>;
  rds(region: string): RDSClient;
}

export async function deploy(aws: EmulatedAws, opts: DeploymentOptions): Promise<Deployment> {
  const homeRegion = opts.homeRegion ?? 'us-east-1';
  const tableName = 'backtrack-checker-state';
  const cfg = aws.clientConfig(homeRegion);
  /** A client acting in the deployment's account. */
  const own = <C extends Parameters<typeof inAccount>[0]>(client: C): C =>
    opts.account === undefined ? client : inAccount(client, opts.account);
  const ddb = own(new DynamoDBClient(cfg));
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const sns = own(new SNSClient(cfg));
  const sqs = own(new SQSClient(cfg));
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'backtrack-alerts' }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'backtrack-alerts-subscriber' }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes?.QueueArn }));
  for (const region of opts.securityHubRegions ?? opts.regions) {
    await own(new SecurityHubClient(aws.clientConfig(region))).send(new EnableSecurityHubCommand({}));
  }
  const topicArn = TopicArn as string;
  const queueUrl = QueueUrl as string;
  const rdsClients = new Map<string, RDSClient>();
  let publishedSeen = 0;

  return {
    topicArn,
    tableName,
    queueUrl,
    homeRegion,
    regions: opts.regions,
    handlerEnv: (extra = {}) => ({
      ...aws.env(homeRegion),
      // The environment the stack writes for this context (lib/backtrack-checker.ts does the same).
      ...toEnvironment({
        // A deployment that names no Region watches every Region enabled in the account.
        ...loadConfig({ regions: opts.regions.length > 0 ? opts.regions : 'all', minWindowHours: opts.minWindowHours }),
        publishFindings: true,
        alertTopicArn: topicArn,
        stateTable: tableName,
      }),
      ...telemetryEnvironment(),
      ...extra,
    }),
    cliArgs: (extra = []) => [
      'scan',
      '--regions',
      opts.regions.join(','),
      '--min-window-hours',
      String(opts.minWindowHours ?? 24),
      '--publish-findings',
      '--alert-topic-arn',
      topicArn,
      '--state-table',
      tableName,
      '--format',
      'json',
      ...extra,
    ],
    emulatorEnv: () => aws.env(homeRegion),
    drainAlerts: async () => {
      const alerts: ReceivedAlert[] = [];
      for (;;) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        const messages = r.Messages ?? [];
        if (messages.length === 0) break;
        for (const m of messages) {
          const envelope = JSON.parse(m.Body ?? '{}') as {
            Subject: string;
            Message: string;
            MessageAttributes?: ReceivedAlert['attributes'];
          };
          alerts.push({
            subject: envelope.Subject,
            card: JSON.parse(envelope.Message) as ReceivedAlert['card'],
            email: '',
            attributes: envelope.MessageAttributes ?? {},
          });
        }
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
          }),
        );
      }
      // The e-mail body never reaches an SQS subscriber: take it from the Publish request itself.
      const published = aws.proxy.published.filter((p) => p.accepted).slice(publishedSeen);
      publishedSeen += published.length;
      alerts.forEach((a, i) => {
        a.email = published[i]?.bodies?.email ?? '';
      });
      return alerts;
    },
    findings: async (region) => {
      const sh = own(new SecurityHubClient(aws.clientConfig(region)));
      const out: AwsSecurityFinding[] = [];
      let NextToken: string | undefined;
      do {
        const r = await sh.send(
          new GetFindingsCommand({
            Filters: { GeneratorId: [{ Value: 'aurora-backtrack-checker/backtrack-window', Comparison: 'EQUALS' }] },
            MaxResults: 100,
            NextToken,
          }),
        );
        out.push(...(r.Findings ?? []));
        NextToken = r.NextToken;
      } while (NextToken);
      return out;
    },
    rds: (region) => {
      let c = rdsClients.get(region);
      if (!c) {
        c = own(new RDSClient(aws.clientConfig(region)));
        rdsClients.set(region, c);
      }
      return c;
    },
  };
}
