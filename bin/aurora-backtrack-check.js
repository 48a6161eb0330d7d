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
  // Exit once the output is written: a call abandoned at the deadline must not hold the process
  // open. Files are written synchronously, but a pipe takes 64 KiB at once and the rest
  // asynchronously (Node 20 on Linux), so exiting at once would cut a large JSON document short:
  // an empty write's callback runs once everything written before it is flushed.
  .then((code) => {
    let pending = 2;
    const flushed = () => {
      pending -= 1;
      if (pending === 0) process.exit(code);
    };
    process.stdout.write('', flushed);
    process.stderr.write('', flushed);
  });
