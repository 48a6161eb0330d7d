import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { STATE_TABLE_ACTIONS, UNCHANGED_FINDING_FIELDS, WORKFLOW_STATUSES } from '../../lib/function-permissions';
import { NOTE_UPDATED_BY } from '../../lambda/aws/security-hub';
import { createStateDocumentClient, DynamoStateStore, leaseKey, type RunLease, type StateStore } from '../../lambda/aws/state';
import { clusterKey, metaKey } from '../../lambda/core/state-types';
import { asList, logicalIdOf, statementsOfRole, synth } from './stack-fixture';

function functionStatements(props: Parameters<typeof synth>[0] = {}) {
  const { template } = synth(props);
  return { template, statements: statementsOfRole(template, logicalIdOf(template, 'AWS::IAM::Role', 'CheckerFunctionRole')) };
}

const hubArn = (region: unknown) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:securityhub:${String(region)}:`, { Ref: 'AWS::AccountId' }, ':hub/default']],
});

describe('securityhub:BatchUpdateFindings', () => {
  it("is granted on the account's own hub in every Region when watching all Regions", () => {
    const { statements } = functionStatements();
    const update = statements.find((s) => s.Sid === 'UpdateFindingWorkflow');

    expect(update?.Action).toBe('securityhub:BatchUpdateFindings');
    expect(update?.Resource).toEqual(hubArn('*'));
  });

  it("is granted on the account's hub in each listed Region only", () => {
    const { statements } = functionStatements({ config: { regions: ['eu-west-1', 'us-east-1'] } });

    expect(statements.find((s) => s.Sid === 'UpdateFindingWorkflow')?.Resource).toEqual([hubArn('eu-west-1'), hubArn('us-east-1')]);
  });

  it("may change only the workflow status (to NEW or SUPPRESSED) and the checker's own note, with the leaf keys AWS documents", () => {
    const { statements } = functionStatements();

    // Security Hub fills securityhub:ASFFSyntaxPath keys at the leaf (Security Hub user guide,
    // finding-update-batchupdatefindings): a Null on a parent object such as UserDefinedFields or
    // RelatedFindings is never set, so it would restrict nothing.
    expect(statements.find((s) => s.Sid === 'UpdateFindingWorkflow')?.Condition).toEqual({
      StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NEW', 'SUPPRESSED'] },
      StringEqualsIfExists: { 'securityhub:ASFFSyntaxPath/Note.UpdatedBy': NOTE_UPDATED_BY },
      Null: {
        'securityhub:ASFFSyntaxPath/Confidence': 'true',
        'securityhub:ASFFSyntaxPath/Criticality': 'true',
        'securityhub:ASFFSyntaxPath/RelatedFindings.Id': 'true',
        'securityhub:ASFFSyntaxPath/RelatedFindings.ProductArn': 'true',
        'securityhub:ASFFSyntaxPath/Severity.Label': 'true',
        'securityhub:ASFFSyntaxPath/Severity.Normalized': 'true',
        'securityhub:ASFFSyntaxPath/Severity.Product': 'true',
        'securityhub:ASFFSyntaxPath/Types': 'true',
        'securityhub:ASFFSyntaxPath/UserDefinedFields.key': 'true',
        'securityhub:ASFFSyntaxPath/UserDefinedFields.value': 'true',
        'securityhub:ASFFSyntaxPath/VerificationState': 'true',
      },
    });
    expect(WORKFLOW_STATUSES).toEqual(['NEW', 'SUPPRESSED']);
    expect(UNCHANGED_FINDING_FIELDS).not.toContain('Workflow.Status');
  });
});

describe('securityhub:GetFindings', () => {
  it("is granted on the account's own hubs only, for the check of findings hidden outside the checker", () => {
    const all = functionStatements().statements.find((s) => s.Sid === 'ReadFindingWorkflow');
    const listed = functionStatements({ config: { regions: ['eu-west-1'] } }).statements.find((s) => s.Sid === 'ReadFindingWorkflow');

    expect(all?.Action).toBe('securityhub:GetFindings');
    expect(all?.Resource).toEqual(hubArn('*'));
    expect(listed?.Resource).toEqual(hubArn('eu-west-1'));
    expect(all?.Condition).toBeUndefined();
  });
});

describe('state table', () => {
  it('is granted exactly Scan, BatchWriteItem, PutItem and UpdateItem (the lease and its queue of re-checks), on the table only', () => {
    const { template, statements } = functionStatements();
    const dynamo = statements.filter((s) => asList(s.Action).some((a) => String(a).startsWith('dynamodb:')));

    expect(dynamo).toHaveLength(1);
    expect(asList(dynamo[0]?.Action).sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ]);
    expect(dynamo[0]?.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::Table', 'CheckerStateTable'), 'Arn'] });
    expect([...STATE_TABLE_ACTIONS].sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ]);
  });

  it('is granted the DynamoDB actions the state store calls, and no other', async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb.onAnyCommand().resolves({});
    const store = new DynamoStateStore(createStateDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), 'state');
    const account = '111122223333';
    const lease: RunLease = { pk: leaseKey(account), accountId: account, owner: 'run-1', expiresAt: 2, mode: 'scan', acquiredAt: 'now' };
    const pk = clusterKey(account, 'eu-west-1', 'cluster-1');
    const cluster = { pk, accountId: account, region: 'eu-west-1', resourceId: 'cluster-1', identifier: 'db-1', arn: 'arn' };
    // One entry per StateStore method: a method added to the interface must be added here (tsc fails otherwise).
    const everyMethod: Record<keyof StateStore, () => Promise<unknown>> = {
      load: () => store.load(account),
      write: () =>
        store.write(
          [{ ...cluster, status: 'FAILED', condition: 'disabled', since: 'now', suppressed: false, alerted: 'disabled' }],
          ['x'],
          { pk: metaKey(account), accountId: account, degraded: [] },
        ),
      acquireLease: () => store.acquireLease(lease, 1),
      releaseLease: () => store.releaseLease(lease),
      queueRecheck: () => store.queueRecheck(account, 'eu-west-1#db-1', 1),
      dequeueRechecks: () => store.dequeueRechecks(lease, ['eu-west-1#db-1']),
    };
    // The document client's commands and the DynamoDB action each needs; any other command fails the test as unmapped.
    const actionOf: Record<string, string> = {
      ScanCommand: 'dynamodb:Scan',
      QueryCommand: 'dynamodb:Query',
      GetCommand: 'dynamodb:GetItem',
      BatchGetCommand: 'dynamodb:BatchGetItem',
      PutCommand: 'dynamodb:PutItem',
      UpdateCommand: 'dynamodb:UpdateItem',
      DeleteCommand: 'dynamodb:DeleteItem',
      BatchWriteCommand: 'dynamodb:BatchWriteItem',
    };

    for (const call of Object.values(everyMethod)) await call();

    const sent = ddb.calls().map((c) => (c.args[0] as object).constructor.name);
    const needed = new Set(sent.map((name) => actionOf[name] ?? `unmapped command ${name}`));
    expect([...needed].sort()).toEqual([...STATE_TABLE_ACTIONS].sort());
    ddb.restore();
  });

  it('is protected from deletion', () => {
    const { template } = functionStatements();

    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });
});

describe('Slack channel role', () => {
  it('may be assumed by Chatbot only on behalf of this account', () => {
    const { template } = synth({ config: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' } });
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'CheckerSlackChannelRole');

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'chatbot.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { IamRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    // Function, scheduler and channel roles: the construct made no role of its own without the condition.
    template.resourceCountIs('AWS::IAM::Role', 3);
  });
});
