import { onlyResource, resolveTemplateValue, type TemplateValues } from '../../emulator/template-values';

const values: TemplateValues = {
  refs: { Topic: 'arn:aws:sns:eu-west-1:111122223333:alerts' },
  attributes: { 'Key.Arn': 'arn:aws:kms:eu-west-1:111122223333:key/k-1' },
  accountId: '111122223333',
  region: 'eu-west-1',
};

describe('resolving a template part to the emulated values', () => {
  it('replaces Ref, Fn::GetAtt (both forms), Fn::Join and pseudo parameters inside a policy', () => {
    const statement = {
      Resource: { Ref: 'Topic' },
      Key: { 'Fn::GetAtt': ['Key', 'Arn'] },
      KeyToo: { 'Fn::GetAtt': 'Key.Arn' },
      Condition: {
        ArnLike: { 'aws:PrincipalArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/R']] }] },
        StringEquals: { 'kms:ViaService': { 'Fn::Join': ['.', ['sns', { Ref: 'AWS::Region' }, { Ref: 'AWS::URLSuffix' }]] } },
      },
    };

    expect(resolveTemplateValue(statement, values)).toEqual({
      Resource: 'arn:aws:sns:eu-west-1:111122223333:alerts',
      Key: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
      KeyToo: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
      Condition: {
        ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/R'] },
        StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' },
      },
    });
  });

  it('replaces Fn::Sub references, attributes and local variables, and unescapes ${!Literal}', () => {
    const sub = {
      'Fn::Sub': ['arn:${AWS::Partition}:iam::${AWS::AccountId}:root ${Key.Arn} ${Name} ${!Literal}', { Name: { Ref: 'Topic' } }],
    };
    expect(resolveTemplateValue(sub, values)).toBe(
      'arn:aws:iam::111122223333:root arn:aws:kms:eu-west-1:111122223333:key/k-1 arn:aws:sns:eu-west-1:111122223333:alerts ${Literal}',
    );
  });

  it('names a logical id it has no value for', () => {
    expect(() => resolveTemplateValue({ Ref: 'Bucket' }, values)).toThrow('Ref Bucket: no value given for it');
    expect(() => resolveTemplateValue({ 'Fn::GetAtt': ['Topic', 'TopicName'] }, values)).toThrow('Fn::GetAtt Topic.TopicName');
  });

  it('names an intrinsic function it does not resolve', () => {
    expect(() => resolveTemplateValue({ 'Fn::If': ['C', 'a', 'b'] }, values)).toThrow('Fn::If is not resolved');
  });
});

describe('finding the one resource of a type', () => {
  const template = { Resources: { A1: { Type: 'AWS::SNS::Topic' }, B1: { Type: 'AWS::KMS::Key' }, B2: { Type: 'AWS::KMS::Key' } } };

  it('returns its logical id', () => {
    expect(onlyResource(template, 'AWS::SNS::Topic')).toBe('A1');
    expect(onlyResource(template, 'AWS::KMS::Key', 'B2')).toBe('B2');
  });

  it('names the candidates when there is not exactly one', () => {
    expect(() => onlyResource(template, 'AWS::KMS::Key')).toThrow('expected one AWS::KMS::Key in the template, found B1, B2');
    expect(() => onlyResource(template, 'AWS::SQS::Queue')).toThrow('found none');
  });
});
