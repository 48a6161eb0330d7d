/**
 * Answers a CloudFormation custom resource: a PUT of the JSON response to the request's pre-signed
 * S3 URL. That URL is a credential for this one answer, so it is never logged: errors name only its
 * host.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The response CloudFormation reads (custom resource response objects). */
export interface CloudFormationResponse {
  Status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack's events; required for FAILED. */
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
}

/** One attempt: S3 answers a PUT of a few hundred bytes in well under a second. */
export const RESPONSE_TIMEOUT_MS = 10_000;

function putOnce(url: URL, payload: string, timeoutMs: number): Promise<void> {
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<void>((resolve, reject) => {
    const req = send(
      url,
      // CloudFormation's own examples send no content type: the pre-signed URL was signed without one.
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`the response URL's host ${url.host} refused the answer: HTTP ${status}`));
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`the answer to CloudFormation (host ${url.host}) was not delivered: ${err.message}`));
    });
    req.end(payload);
  });
}

/** PUTs the response, once more after a failure; throws when neither attempt got through. */
export async function sendCloudFormationResponse(
  responseUrl: string,
  response: CloudFormationResponse,
  timeoutMs = RESPONSE_TIMEOUT_MS,
): Promise<void> {
  const url = new URL(responseUrl);
  const payload = JSON.stringify(response);
  try {
    await putOnce(url, payload, timeoutMs);
  } catch {
    await putOnce(url, payload, timeoutMs);
  }
}
