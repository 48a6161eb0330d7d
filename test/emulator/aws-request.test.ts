import { errorResponse, serviceError } from '../../emulator/aws-errors';
import { credentialScope, identifyRequest, type RawRequest } from '../../emulator/aws-request';

function signed(service: string, region: string, extra: Partial<RawRequest> & { headers?: RawRequest['headers'] } = {}): RawRequest {
  return {
    method: 'POST',
    url: '/',
    body: Buffer.alloc(0),
    ...extra,
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=test/20261125/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`,
      ...extra.headers,
    },
  };
}

const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

describe('identifying a request', () => {
  it('reads an RDS query request: service and Region from the credential scope, operation from Action', () => {
    const req = signed('rds', 'eu-west-1', {
      headers: form,
      body: Buffer.from('Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=20'),
    });

    expect(identifyRequest(req)).toEqual({ service: 'rds', region: 'eu-west-1', operation: 'DescribeDBClusters', protocol: 'query' });
  });

  it('marks EC2 as its own query dialect', () => {
    const req = signed('ec2', 'us-east-1', { headers: form, body: Buffer.from('Action=DescribeRegions&Version=2016-11-15') });

    expect(identifyRequest(req)).toMatchObject({ service: 'ec2', operation: 'DescribeRegions', protocol: 'ec2' });
  });

  it("reads a JSON request's operation from X-Amz-Target and calls CloudWatch cloudwatch", () => {
    const req = signed('monitoring', 'us-east-1', { headers: { 'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData' } });

    expect(identifyRequest(req)).toEqual({ service: 'cloudwatch', region: 'us-east-1', operation: 'GetMetricData', protocol: 'json' });
  });

  it('maps Security Hub REST routes to operation names', () => {
    const op = (method: string, url: string) => identifyRequest(signed('securityhub', 'us-east-1', { method, url })).operation;

    expect(op('POST', '/findings/import')).toBe('BatchImportFindings');
    expect(op('PATCH', '/findings/batchupdate')).toBe('BatchUpdateFindings');
    expect(op('POST', '/findings')).toBe('GetFindings');
    expect(op('POST', '/accounts')).toBe('EnableSecurityHub');
    expect(op('GET', '/accounts')).toBe('DescribeHub');
    expect(op('GET', '/unknown/route')).toBe('GET /unknown/route');
  });

  it('reads an RPC v2 CBOR operation from its path', () => {
    const req = signed('monitoring', 'us-east-1', {
      url: '/service/GraniteServiceVersion20100801/operation/GetMetricData',
      headers: { 'smithy-protocol': 'rpc-v2-cbor' },
    });

    expect(identifyRequest(req)).toMatchObject({ operation: 'GetMetricData', protocol: 'cbor' });
  });

  it('reads the scope of a presigned URL', () => {
    expect(credentialScope({ url: '/?X-Amz-Credential=test%2F20261125%2Fap-south-1%2Fsts%2Faws4_request', headers: {} })).toEqual({
      region: 'ap-south-1',
      service: 'sts',
    });
  });

  it('labels an unsigned request unknown instead of guessing', () => {
    expect(identifyRequest({ method: 'GET', url: '/moto-api/', headers: {}, body: Buffer.alloc(0) })).toMatchObject({
      service: 'unknown',
      region: 'unknown',
    });
  });
});

describe('error bodies in each protocol', () => {
  it('writes RDS errors as query XML with Type, Code and Message', () => {
    const info = { service: 'rds', region: 'us-east-1', operation: 'DescribeDBClusters', protocol: 'query' as const };

    const res = errorResponse(info, serviceError(info, 'throttle'), 'rid');

    expect(res.status).toBe(400);
    expect(res.body).toBe(
      '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>rid</RequestId></ErrorResponse>',
    );
  });

  it('gives query-compatible JSON services (CloudWatch) the x-amzn-query-error header', () => {
    const info = { service: 'cloudwatch', region: 'us-east-1', operation: 'GetMetricData', protocol: 'json' as const };

    const res = errorResponse(info, serviceError(info, '5xx'), 'rid');

    expect(res.status).toBe(500);
    expect(res.headers['x-amzn-query-error']).toBe('InternalServiceError;Receiver');
  });

  it('writes Security Hub errors as REST JSON with x-amzn-ErrorType', () => {
    const info = { service: 'securityhub', region: 'us-east-1', operation: 'BatchImportFindings', protocol: 'rest-json' as const };

    const res = errorResponse(info, serviceError(info, 'throttle'), 'rid');

    expect(res.status).toBe(429);
    expect(res.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(JSON.parse(res.body)).toEqual({ Code: 'TooManyRequestsException', Message: 'Rate exceeded' });
  });

  it('names the denied action and Region in an access-denied message', () => {
    const info = { service: 'rds', region: 'eu-west-1', operation: 'DescribeDBClusters', protocol: 'query' as const };

    expect(serviceError(info, 'access-denied').message).toContain('is not authorized to perform: rds:DescribeDBClusters in eu-west-1');
  });
});
