/**
 * A Security Hub insight in the hub account: this checker's failing clusters grouped by account.
 * With the hub account as Security Hub (delegated) administrator and cross-Region aggregation,
 * it counts every member's active, unresolved FAILED findings of every Region.
 */
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import { Construct } from 'constructs';
import { GENERATOR_ID, PRODUCT_NAME } from '../../lambda/core/finding';

export const INSIGHT_NAME = 'Aurora Backtrack: failing clusters by account';

const equals = (...values: string[]): securityhub.CfnInsight.StringFilterProperty[] =>
  values.map((value) => ({ comparison: 'EQUALS', value }));

export class FailingClustersInsight extends Construct {
  readonly insight: securityhub.CfnInsight;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.insight = new securityhub.CfnInsight(this, 'Insight', {
      name: INSIGHT_NAME,
      groupByAttribute: 'AwsAccountId',
      filters: {
        productName: equals(PRODUCT_NAME),
        generatorId: equals(GENERATOR_ID),
        complianceStatus: equals('FAILED'),
        recordState: equals('ACTIVE'),
        // Suppressed (exempted) and resolved findings are not work to do.
        workflowStatus: equals('NEW', 'NOTIFIED'),
      },
    });
  }
}
