// The XSS gate: every line of the XSS and naughty-string corpora through every text field a
// member controls, then every page that shows those fields rendered in real Chromium, with the
// Content-Security-Policy and without it (so that sanitization alone must hold). Any script
// that runs — an alert, confirm, prompt or print, or a dialog of any kind — is counted; the
// count must be zero.
//
// Fields today: topic title, post body, username, display name, category name and description.
// (Search and profile fields arrive with their features and join this list.)
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { request } = require('playwright-core');
const { startStoa, launch, ROOT } = require('./lib');

const CORPORA = process.env.STOA_CORPORA || path.join(ROOT, 'tests', 'corpora');
const lines = (name) => fs.readFileSync(path.join(CORPORA, name), 'utf8').split('\n').filter((l) => l !== '');
const PAYLOADS = [...lines('xss.txt'), ...lines('naughty-strings.txt')];
const PASSWORD = 'a long enough passphrase';

let stoa;
let browser;
const tried = { title: 0, body: 0, username: 0, name: 0, category_name: 0, category_description: 0 };
const accepted = { ...tried };

const token = (html) => {
  const m = html.match(/name="authenticity_token" value="([0-9a-f]{64})"/);
  assert.ok(m, 'form token');
  return m[1];
};

/** A logged-in HTTP client (shares nothing with the browser). */
async function client(login, password) {
  const api = await request.newContext({ baseURL: stoa.base, maxRedirects: 0 });
  const page = await api.get('/login');
  const res = await api.post('/login', {
    form: { authenticity_token: token(await page.text()), login, password, return_to: '/' },
  });
  assert.equal(res.status(), 303, 'login');
  return api;
}

async function formToken(api, path = '/new-topic') {
  return token(await (await api.get(path)).text());
}

/** Posts a form; counts it; any 5xx fails. Returns the response. */
async function send(api, path, form, field) {
  tried[field] += 1;
  const res = await api.post(path, { form });
  assert.ok(res.status() < 500, `${field} ${JSON.stringify(form)}: ${res.status()}`);
  if (res.status() === 303) accepted[field] += 1;
  else assert.equal(res.status(), 422, `${field}: ${res.status()}`);
  return res;
}

/** Runs `work` over the payloads, `width` at a time. */
async function each(width, work) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < PAYLOADS.length) {
      const i = next++;
      await work(PAYLOADS[i], i);
    }
  }));
}

let titlesPages = 0;
let bodiesTopic;
let peopleTopic;

before(async () => {
  const started = Date.now();
  stoa = await startStoa({ demo: false });
  browser = await launch();
  const admin = await client('admin', stoa.password);
  let t = await formToken(admin);
  const topic = async (title) => {
    const res = await admin.post('/new-topic', { form: { authenticity_token: t, title, raw: 'Payloads follow in the replies below.', category: '1' } });
    assert.equal(res.status(), 303);
    return res.headers().location.split('#')[0];
  };
  bodiesTopic = await topic('Every payload as a post body');
  peopleTopic = await topic('Every payload as a username or display name');

  // Titles (each its own topic) and bodies (replies in one topic).
  await each(4, async (p, i) => {
    await send(admin, '/new-topic', { authenticity_token: t, title: `${i}: ${p}`, raw: `Title payload ${i}, body kept plain.`, category: '1' }, 'title');
    await send(admin, `${bodiesTopic}/reply`, { authenticity_token: t, raw: `${p}\n\n(payload ${i})` }, 'body');
  });
  // Category names and descriptions, by the admin.
  await each(4, async (p, i) => {
    await send(admin, '/categories', { authenticity_token: t, name: p, description: `payload ${i}` }, 'category_name');
    await send(admin, '/categories', { authenticity_token: t, name: `Payload ${i}`, description: p }, 'category_description');
  });
  // Usernames and display names: each new member says something in the people topic.
  await each(4, async (p, i) => {
    for (const [field, username, name] of [['username', p, ''], ['name', `p${i}_n`, p]]) {
      const api = await request.newContext({ baseURL: stoa.base, maxRedirects: 0 });
      const signupToken = await formToken(api, '/signup');
      const res = await send(api, '/signup', { authenticity_token: signupToken, username, name, email: `${field}${i}@example.org`, password: PASSWORD }, field);
      if (res.status() === 303) {
        const r = await api.post(`${peopleTopic}/reply`, { form: { authenticity_token: await formToken(api), raw: `I am member ${field} ${i}, here to be seen.` } });
        assert.equal(r.status(), 303);
      }
      await api.dispose();
    }
  });
  await admin.dispose();
  console.log(`# data created in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  titlesPages = Math.ceil((accepted.title + 2) / 30);
  console.log(`# tried ${JSON.stringify(tried)}; accepted ${JSON.stringify(accepted)}`);
});

after(async () => {
  await browser?.close();
  await stoa?.stop();
});

/** Every page that shows a payload. */
function pages() {
  const list = ['/categories', '/new-topic'];
  for (let p = 1; p <= titlesPages; p++) list.push(`/latest?page=${p}`);
  for (const [topic, count] of [[bodiesTopic, accepted.body], [peopleTopic, accepted.username + accepted.name]]) {
    for (let p = 1; p <= Math.ceil((count + 1) / 20); p++) list.push(`${topic}?page=${p}`);
  }
  return list;
}

/** A browser context that counts every script execution a payload could cause. */
async function watchedPage(bypassCSP) {
  const context = await browser.newContext({ bypassCSP });
  // Log in the browser as the admin, so that edit forms and every control render too.
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs += 1; await d.dismiss().catch(() => {}); });
  await page.addInitScript(() => {
    window.__xss = 0;
    for (const name of ['alert', 'confirm', 'prompt', 'print']) {
      window[name] = () => { window.__xss += 1; };
    }
  });
  const executions = async () => dialogs + (await page.evaluate(() => window.__xss).catch(() => 0));
  return { context, page, executions };
}

test('the detector sees a script that runs, and the policy alone would stop it', async () => {
  for (const [bypassCSP, expected] of [[true, 1], [false, 0]]) {
    const { context, page, executions } = await watchedPage(bypassCSP);
    await page.goto(`${stoa.base}/latest`);
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="alert(1)">'));
    await page.waitForTimeout(200);
    assert.equal(await executions(), expected, bypassCSP ? 'without CSP the handler runs' : 'CSP blocks it');
    await context.close();
  }
});

for (const bypassCSP of [false, true]) {
  test(`no payload runs in any page (${bypassCSP ? 'without' : 'with'} the Content-Security-Policy)`, async () => {
    const { context, page, executions } = await watchedPage(bypassCSP);
    await page.goto(`${stoa.base}/login`);
    await page.fill('#login', 'admin');
    await page.fill('#password', stoa.password);
    await Promise.all([page.waitForURL(`${stoa.base}/`), page.click('form.narrow button[type=submit]')]);
    let seen = 0;
    const list = pages();
    for (const url of list) {
      const res = await page.goto(`${stoa.base}${url}`, { waitUntil: 'load' });
      assert.ok(res.status() < 400, `${url}: ${res.status()}`);
      const n = await executions();
      if (n > seen) console.log(`# script ran on ${url}`);
      seen = n;
    }
    console.log(`# ${list.length} pages rendered, ${seen} executions (${bypassCSP ? 'no CSP' : 'CSP'})`);
    assert.equal(seen, 0, 'payloads executed');
    await context.close();
  });
}

test('every field was tried with every payload', () => {
  for (const field of Object.keys(tried)) {
    assert.equal(tried[field], PAYLOADS.length, field);
  }
  // Most payloads fit the rules of the free-text fields; usernames refuse nearly all.
  for (const field of ['title', 'body', 'category_description']) {
    assert.ok(accepted[field] > PAYLOADS.length * 0.8, `${field}: ${accepted[field]}`);
  }
  assert.ok(accepted.name > PAYLOADS.length * 0.4 && accepted.category_name > PAYLOADS.length * 0.4);
});
