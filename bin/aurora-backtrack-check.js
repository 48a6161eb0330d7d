#!/usr/bin/env node
'use strict';
// The CLI is bundled to dist/cli/ by `npm run build` (run automatically by `npm ci` / `npm install`):
// an entry that parses the flags, and chunks with the AWS SDK that load only when a scan starts.
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');
const bundle = path.join(__dirname, '..', 'dist', 'cli', 'cli.mjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write('aurora-backtrack-check is not built yet: run `npm run build` in the project folder.\n');
  process.exit(2);
}
import(pathToFileURL(bundle).href)
  .then(({ main }) =>
    main(process.argv.slice(2), {
      out: (s) => process.stdout.write(`${s}\n`),
      err: (s) => process.stderr.write(`${s}\n`),
      env: process.env,
      isTTY: process.stdout.isTTY,
      // Progress only where a person watches: stderr is a terminal.
      ...(process.stderr.isTTY && { progress: (s) => process.stderr.write(s) }),
    }),
  )
  // Exit once the output is written (pipes and files are written synchronously on Linux and macOS):
  // a call abandoned at the deadline must not hold the process open.
  .then((code) => process.exit(code));
