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
async function startStoa({ demo = true, env = {} } = {}) {
  const bin = process.env.STOA_BIN || path.join(ROOT, 'target', 'debug', 'stoa');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-e2e-'));
  const args = ['--data-dir', dataDir, 'serve', '--bind', '127.0.0.1:0'];
  if (!demo) args.push('--no-demo');
  const child = spawn(bin, args, {
    // Every browser here comes from one address, so the per-address limits are off unless a
    // test turns them on.
    env: {
      ...process.env,
      STOA_LOG: 'warn',
      STOA_SIGNUPS_PER_IP_PER_HOUR: '0',
      STOA_REQUESTS_PER_IP_PER_MINUTE: '0',
      STOA_REQUESTS_PER_IP_PER_10_SECONDS: '0',
      ...env,
    },
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

/** A free TCP port on 127.0.0.1. */
async function freePort() {
  const net = require('node:net');
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A real SMTP server: Debian's python3-aiosmtpd, storing messages in a maildir.
 * Resolves to { port, dir, stop() } once it accepts connections.
 */
async function startSmtp(port) {
  const net = require('node:net');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-maildir-'));
  for (const sub of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(dir, sub));
  const child = spawn('/usr/bin/python3',
    ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', dir],
    { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    dir,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Decodes a MIME part body by its transfer encoding. */
function decodePart(headers, body) {
  const enc = (headers.match(/content-transfer-encoding:\s*([\w-]+)/i) || [])[1] || '7bit';
  if (/^base64$/i.test(enc)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/^quoted-printable$/i.test(enc)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Every message in a maildir: { to, subject, text, headers }. */
function readMaildir(dir) {
  const files = ['new', 'cur'].flatMap((sub) =>
    fs.readdirSync(path.join(dir, sub)).map((f) => path.join(dir, sub, f)));
  return files.map((file) => {
    const raw = fs.readFileSync(file, 'utf8');
    const split = raw.search(/\r?\n\r?\n/);
    const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
    const header = (name) => ((head.match(new RegExp(`^${name}:\\s*(.*)$`, 'im')) || [])[1] || '').trim();
    // The text/plain part of the multipart/alternative body.
    const part = raw.split(/\r?\n--[^\r\n]+\r?\n/).find((p) => /content-type:\s*text\/plain/i.test(p)) || '';
    const partSplit = part.search(/\r?\n\r?\n/);
    const text = decodePart(part.slice(0, partSplit), part.slice(partSplit).trim());
    return { to: header('To'), subject: header('Subject'), text, head };
  });
}

/** Waits up to 20 s for a message matching `pred` in the maildir. */
async function waitForMail(dir, pred) {
  for (let i = 0; i < 200; i++) {
    const found = readMaildir(dir).find(pred);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no such email; have: ${JSON.stringify(readMaildir(dir).map((m) => [m.to, m.subject]))}`);
}

/** A fresh browser context; the page records script errors for the test to check. */
async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { context, page, errors };
}

module.exports = {
  newPage,
  startStoa, launch, shot, signUp, logIn, DEMO_TOPIC, ROOT,
  freePort, startSmtp, readMaildir, waitForMail,
};
