/**
 * The headless Chromium that loads `--format html` pages (the browser tests and the report's
 * measurement): the one `@sparticuz/chromium` ships in its npm package (a devDependency, so
 * `npm ci` brings it), driven by `puppeteer-core`. Nothing is downloaded at run time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';
import pkg from '../package.json';

/**
 * The package unpacks its browser into `$TMPDIR/chromium` and reuses whatever it finds there; a
 * folder of its own per version keeps another version's binary (or another tool's) out.
 */
const UNPACK_DIR = path.join(os.tmpdir(), `aurora-backtrack-chromium-${pkg.devDependencies['@sparticuz/chromium']}`);

/** Where the browser is, unpacked once per machine (about 8 s the first time). */
async function executablePath(): Promise<string> {
  const saved = process.env.TMPDIR;
  fs.mkdirSync(UNPACK_DIR, { recursive: true });
  process.env.TMPDIR = UNPACK_DIR;
  try {
    return await chromium.executablePath();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/**
 * Starts the browser; fails loudly, saying what to do, when it cannot. Its own flags, not the
 * package's Lambda set: that one turns web security off (and single-process mode crashes here).
 */
export async function launchBrowser(): Promise<Browser> {
  let binary: string;
  try {
    binary = await executablePath();
  } catch (err) {
    throw new Error(
      `the headless Chromium of @sparticuz/chromium could not be unpacked (${String(err)}): run \`npm ci\`, which installs it`,
      { cause: err },
    );
  }
  try {
    return await puppeteer.launch({
      executablePath: binary,
      headless: 'shell',
      // Root in a container has no user namespace for Chromium's sandbox; the pages loaded are our own files.
      args: ['--no-sandbox', '--no-zygote', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
  } catch (err) {
    // A binary left half unpacked by an interrupted run would be reused as it is: unpack anew next time.
    fs.rmSync(UNPACK_DIR, { recursive: true, force: true });
    throw new Error(
      `the headless Chromium at ${binary} did not start (${String(err)}); it is unpacked again on the next run. ` +
        'It needs glibc and libexpat (`ldd` on the binary names what is missing; on Debian `apt-get install -y chromium` brings ' +
        "a desktop browser's libraries)",
      { cause: err },
    );
  }
}
