import { STATE_TABLE_ACTIONS, UNCHANGED_FINDING_FIELDS, WORKFLOW_STATUSES } from '../../lib/function-permissions';
import { NOTE_UPDATED_BY } from '../../lambda/aws/security-hub';
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

  it("may change only the workflow status (to NEW or SUPPRESSED) and the checker's own note", () => {
    const { statements } = functionStatements();

    expect(statements.find((s) => s.Sid === 'UpdateFindingWorkflow')?.Condition).toEqual({
      StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NEW', 'SUPPRESSED'] },
      StringEqualsIfExists: { 'securityhub:ASFFSyntaxPath/Note.UpdatedBy': NOTE_UPDATED_BY },
      Null: {
        'securityhub:ASFFSyntaxPath/Confidence': 'true',
        'securityhub:ASFFSyntaxPath/Criticality': 'true',
        'securityhub:ASFFSyntaxPath/RelatedFindings': 'true',
        'securityhub:ASFFSyntaxPath/Severity.Label': 'true',
        'securityhub:ASFFSyntaxPath/Severity.Normalized': 'true',
        'securityhub:ASFFSyntaxPath/Severity.Product': 'true',
        'securityhub:ASFFSyntaxPath/Types': 'true',
        'securityhub:ASFFSyntaxPath/UserDefinedFields': 'true',
        'securityhub:ASFFSyntaxPath/VerificationState': 'true',
      },
    });
    expect(WORKFLOW_STATUSES).toEqual(['NEW', 'SUPPRESSED']);
    expect(UNCHANGED_FINDING_FIELDS).not.toContain('Workflow.Status');
  });
});

describe('state table', () => {
  it('is granted exactly Scan, BatchWriteItem and PutItem (the lease writes with conditional PutItem), on the table only', () => {
    const { template, statements } = functionStatements();
    const dynamo = statements.filter((s) => asList(s.Action).some((a) => String(a).startsWith('dynamodb:')));

    expect(dynamo).toHaveLength(1);
    expect(asList(dynamo[0]?.Action).sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Scan']);
    expect(dynamo[0]?.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::Table', 'CheckerStateTable'), 'Arn'] });
    expect([...STATE_TABLE_ACTIONS].sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Scan']);
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
