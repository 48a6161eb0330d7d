/** The CloudFormation Lambda hook requests of test/fixtures/cloudformation-hook (see its README for where each comes from). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const hookRequest = (name: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cloudformation-hook', `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
