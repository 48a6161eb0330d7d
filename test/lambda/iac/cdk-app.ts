/**
 * A tiny real CDK app synthesized into a cdk.out for the `iac` tests: an environment-agnostic
 * stack, a stack in São Paulo, and a stage whose stack holds a nested stack with a cluster.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { CfnDBCluster } from 'aws-cdk-lib/aws-rds';

/**
 * The cdk.out, written as `cdk synth` writes it: by default with aws-cdk-lib's built-in validation
 * and its validation-report.json beside the templates. `{ validation: false }` leaves out the report
 * and the validation's set-up, about 5 s of CPU, where the reader's own test covers that cdk.out.
 */
export function synthCdkOut({ validation = true } = {}): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'iac-cdk-out-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: validation });
  const top = new Stack(app, 'Top');
  new CfnDBCluster(top, 'Orders', { engine: 'aurora-mysql', backtrackWindow: 86_400 });
  const sp = new Stack(app, 'SaoPaulo', { env: { account: '111122223333', region: 'sa-east-1' } });
  new CfnDBCluster(sp, 'Legacy', { engine: 'aurora-mysql' });
  const stage = new Stage(app, 'Prod', { env: { account: '111122223333', region: 'eu-west-1' } });
  const parent = new Stack(stage, 'Data');
  new CfnDBCluster(parent, 'Ledger', { engine: 'aurora-mysql', backtrackWindow: 3600 });
  const nested = new NestedStack(parent, 'Inner');
  new CfnDBCluster(nested, 'Payments', { engine: 'aurora-mysql' });
  app.synth();
  return outdir;
}
