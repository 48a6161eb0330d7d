import * as fs from 'node:fs';
import * as path from 'node:path';
import { judgeDeclared } from '../../../lambda/core/declared';
import { clustersOfTemplate, IacInputError, parseTemplate } from '../../../lambda/iac/cloudformation';
import { Unknown } from '../../../lambda/iac/cloudformation-cluster';
import { NOW, policy } from '../fixtures';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'iac');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
/** The 1-based line on which `  Name:` opens in a fixture. */
const lineOf = (name: string, resource: string) => read(name).split('\n').indexOf(`  ${resource}:`) + 1;

const verdicts = (file: string, region: string | Unknown, parameters = {}) =>
  Object.fromEntries(
    clustersOfTemplate(parseTemplate(read(file), file), { region, parameters }).map((r) => {
      const e = judgeDeclared(r.declared, policy({ minWindowHours: 24 }), NOW, r.fix);
      return [r.logicalId, { status: e.status, condition: e.condition, exempt: e.exemption.active, line: r.line, reason: e.reason }];
    }),
  );

describe('CloudFormation YAML with short-form intrinsics', () => {
  const v = verdicts('template.yaml', 'eu-west-1');

  it('judges each AWS::RDS::DBCluster with the scan verdicts and its start line', () => {
    expect(v.Orders).toMatchObject({ status: 'FAILED', condition: 'disabled', line: lineOf('template.yaml', 'Orders') });
    expect(v.Payments).toMatchObject({ status: 'PASSED', line: lineOf('template.yaml', 'Payments') });
    expect(v.Reports).toMatchObject({ status: 'FAILED', condition: 'below-policy' });
    expect(v.Scratch).toMatchObject({ status: 'FAILED', exempt: true });
    expect(v.Legacy).toMatchObject({ status: 'NOT_AVAILABLE' });
    expect(v.Replica?.reason).toContain('member of the Aurora global database "Global"');
    expect(v.Analytics).toMatchObject({ status: 'NOT_AVAILABLE', condition: 'unsupported' });
  });

  it('resolves !FindInMap, !If and !Equals through parameter defaults, and skips a resource whose condition is false', () => {
    expect(v.Payments?.reason).toContain('86400 s');
    expect(v.Reports?.reason).toContain('3600 s');
    expect(v.ProdOnly).toBeUndefined();
    expect(verdicts('template.yaml', 'eu-west-1', { Env: 'prod' }).ProdOnly).toMatchObject({ status: 'FAILED' });
  });

  it('reports a Ref to a parameter without a value as unknown, and resolves it from given parameters', () => {
    expect(v.Ledger).toMatchObject({ status: 'WARNING', condition: 'unknown' });
    expect(v.Ledger?.reason).toContain('Ref to parameter Window, which has no value');
    expect(verdicts('template.yaml', 'eu-west-1', { Window: '259200' }).Ledger).toMatchObject({ status: 'PASSED' });
  });

  it('fails a copy-on-write clone of a cluster of the same template that has no window', () => {
    expect(v.OrdersClone?.status).toBe('FAILED');
    expect(v.OrdersClone?.reason).toContain('copy-on-write clone of Orders, which has no Backtrack window');
  });

  it('takes the Region from the caller: a Region without Backtrack is NOT_AVAILABLE, none at all is unknown', () => {
    expect(verdicts('template.yaml', 'sa-east-1').Orders?.status).toBe('NOT_AVAILABLE');
    expect(verdicts('template.yaml', new Unknown('no Region')).Orders?.condition).toBe('unknown');
  });
});

describe('CloudFormation JSON', () => {
  it('reads the template with the start line of each resource', () => {
    const v = verdicts('template.json', 'eu-west-1');
    expect(v.Archive).toMatchObject({
      status: 'PASSED',
      line:
        read('template.json')
          .split('\n')
          .findIndex((l) => l.includes('"Archive"')) + 1,
    });
    expect(v.Shop).toMatchObject({ condition: 'unknown' });
    expect(verdicts('template.json', 'eu-west-1', { Window: '3600' }).Shop).toMatchObject({ condition: 'below-policy' });
  });
});

describe('bad input', () => {
  it.each([
    ['invalid YAML', 'bad.yaml', /bad\.yaml: invalid YAML/],
    ['a JSON file that is not a template', 'not-a-template.json', /not-a-template\.json: not a CloudFormation template/],
  ])('%s is an error naming the file', (_, file, message) => {
    expect(() => parseTemplate(read(file), file)).toThrow(IacInputError);
    expect(() => parseTemplate(read(file), file)).toThrow(message);
  });

  it('names an invalid JSON file and an unknown YAML tag', () => {
    expect(() => parseTemplate('{"Resources": {', 't.json')).toThrow(/t\.json: invalid JSON/);
    expect(() => parseTemplate('Resources:\n  A: !Nope x\n', 't.yaml')).toThrow(/t\.yaml: unknown YAML tag !Nope/);
  });
});
