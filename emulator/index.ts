/** The local AWS emulator (moto behind the AWS-behaviour proxy) of the end-to-end tests, `npm run demo` and `npm run emulator`. */
export * from './emulator';
export * from './aws-proxy';
export * from './emulated-aws';
export type { FaultKind, FaultSpec, Fault } from './faults';
export type { ClusterOverrides, ClusterFieldValue } from './rds-clusters-xml';
export type { WorkflowEntry, WorkflowUpdate, WorkflowStatus } from './security-hub-emulation';
export type { AwsRequestInfo } from './aws-request';
export type { PublishedMessage } from './sns-emulation';
