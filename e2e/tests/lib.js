// Helpers for Stoa's browser tests: a real `stoa serve` on an ephemeral port with a fresh data
// directory, and Debian's Chromium (never a downloaded browser) driven by playwright-core.
'use strict';

const { spawn } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');

const ROOT = path.join(__dirname, '..', '..');
const SHOTS = path.join(__dirname, '..', 'screenshots');
const DEMO_TOPIC = '/t/why-did-the-ussr-trust-its-april-1941-neutrality-pact-with-japan/2';

/** Starts Stoa; resolves to { base, password, stop() }. */
async function startStoa({ demo = true } = {}) {
  const bin = process.env.STOA_BIN || path.join(ROOT, 'target', 'debug', 'stoa');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-e2e-'));
  const args = ['--data-dir', dataDir, 'serve', '--bind', '127.0.0.1:0'];
  if (!demo) args.push('--no-demo');
  const child = spawn(bin, args, {
    env: { ...process.env, STOA_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout });
  let password = null;
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stoa did not start within 60 s')), 60000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`stoa exited with ${code} before serving`)));
    lines.on('line', (line) => {
      const p = line.match(/password: (\S+)/);
      if (p) password = p[1];
      const a = line.match(/ at (http:\/\/[^/]+)\//);
      if (a) {
        clearTimeout(timer);
        resolve(a[1]);
      }
    });
  });
  return {
    base,
    password,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Launches Chromium as root on a closed network (see the env notes). */
function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Signs up through the form; the member is logged in afterwards. */
async function signUp(page, base, username, name = '') {
  await page.goto(`${base}/signup`);
  await page.fill('#username', username);
  await page.fill('#name', name);
  await page.fill('#email', `${username}@example.org`);
  await page.fill('#password', 'a long enough passphrase');
  await Promise.all([page.waitForURL(`${base}/`), page.click('form.narrow button[type=submit]')]);
}

async function logIn(page, base, login, password) {
  await page.goto(`${base}/login`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('form.narrow button[type=submit]')]);
}

module.exports = { startStoa, launch, shot, signUp, logIn, DEMO_TOPIC, ROOT };
