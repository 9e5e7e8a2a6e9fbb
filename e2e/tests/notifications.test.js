// Two members in two browsers: ben replies to anna, quotes her, mentions her (picking her name
// from the @mention menu) and likes her post; anna sees each behind the bell, worded and
// linked, and — being away — gets each by email through a real SMTP server.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startStoa, launch, shot, signUp, freePort, startSmtp, waitForMail, readMaildir } = require('./lib');

const TITLE = 'Why did Moscow trust the pact with Tokyo in April 1941?';
let stoa;
let smtp;
let anna; // { browser, page }
let ben;
let topicPath;

async function member(name) {
  const browser = await launch();
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signUp(page, stoa.base, name);
  return { browser, page, errors };
}

const linkPath = (text, marker) => {
  const url = text.split(/\s+/).find((w) => w.startsWith('http') && w.includes(marker));
  assert.ok(url, `a link with ${marker} in: ${text}`);
  return new URL(url).pathname;
};

before(async () => {
  const port = await freePort();
  smtp = await startSmtp(port);
  stoa = await startStoa({
    demo: false,
    env: {
      STOA_SMTP_HOST: '127.0.0.1',
      STOA_SMTP_PORT: String(port),
      STOA_SMTP_TLS: 'none',
      // Everyone counts as away, so every notification is also emailed.
      STOA_EMAIL_AWAY_MINUTES: '0',
    },
  });
  anna = await member('anna');
  ben = await member('ben');
});

after(async () => {
  for (const m of [anna, ben]) {
    if (m) assert.deepEqual(m.errors, [], 'no script errors');
    await m?.browser.close();
  }
  await stoa?.stop();
  await smtp?.stop();
});

test('anna confirms her address from the email and starts a topic', async () => {
  const mail = await waitForMail(smtp.dir, (m) => m.to.includes('anna@example.org') && /Confirm/.test(m.subject));
  const { page } = anna;
  await page.goto(stoa.base + linkPath(mail.text, '/u/activate-account/'));
  await page.click('main form button.primary');
  assert.match(await page.textContent('h1'), /Email address confirmed/);
  await page.goto(`${stoa.base}/new-topic`);
  await page.fill('#title', TITLE);
  await page.fill('#raw', 'The pact was signed on 13 April 1941 and reported in *Izvestia* the next day. Why was it trusted?');
  await page.selectOption('#category', '1');
  await Promise.all([page.waitForURL(/\/t\//), page.click('button:has-text("Create topic")')]);
  topicPath = new URL(page.url()).pathname.match(/^\/t\/[^/]+\/\d+/)[0];
});

test('ben replies, quotes, mentions with the @ menu, and likes', async () => {
  const { page } = ben;
  await page.goto(stoa.base + topicPath);
  // A reply to post 1 in particular.
  await Promise.all([page.waitForURL(/reply\?to=1/), page.click('#post_1 a.reply')]);
  await page.fill('#raw', 'Because both needed a quiet border that year, and each knew it.');
  await Promise.all([page.waitForURL(/\/t\/.*\/2(#.*)?$/), page.click('button:has-text("Post reply")')]);
  // A quote of a selected passage of post 1.
  await page.goto(stoa.base + topicPath);
  await page.evaluate(() => {
    const p = document.querySelector('#post_1 .cooked p');
    const text = p.firstChild;
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(text, 'The pact was signed on 13 April 1941'.length);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  });
  await Promise.all([page.waitForURL(/reply\?quote=/), page.click('#post_1 a.quote')]);
  const quoted = await page.inputValue('#raw');
  assert.match(quoted, /^\[quote="anna, post:1, topic:\d+"\]\nThe pact was signed on 13 April 1941\n\[\/quote\]/);
  await page.locator('#raw').press('End');
  await page.type('#raw', 'It was trusted less than the papers suggested.');
  await Promise.all([page.waitForURL(/\/t\/.*\/3(#.*)?$/), page.click('button:has-text("Post reply")')]);
  // A mention, completed from the menu.
  await page.goto(stoa.base + topicPath);
  await page.click('#reply-raw');
  await page.keyboard.type('Thanks @an');
  const option = page.locator('.mention-menu li[role=option]').first();
  await option.waitFor();
  assert.equal(await option.getAttribute('data-username'), 'anna');
  await page.keyboard.press('Enter');
  await page.keyboard.type('for asking; the Tass text is worth a look too.');
  assert.equal(await page.inputValue('#reply-raw'), 'Thanks @anna for asking; the Tass text is worth a look too.');
  await shot(page, 'mention-composer');
  await Promise.all([page.waitForURL(/\/t\/.*\/4/), page.click('button:has-text("Post reply")')]);
  // A like of anna's opening post.
  await page.goto(stoa.base + topicPath);
  await page.click('#post_1 button.like');
  await page.waitForFunction(() => document.querySelector('#post_1 .like-count').textContent.trim() === '1 Like');
});

test('anna sees each behind the bell, worded and linked', async () => {
  const { page } = anna;
  await page.goto(`${stoa.base}/latest`);
  assert.equal((await page.textContent('a.bell .count')).trim(), '4');
  assert.equal(await page.getAttribute('a.bell', 'aria-label'), 'Notifications, 4 unread');
  await Promise.all([page.waitForURL(/\/notifications$/), page.click('a.bell')]);
  await shot(page, 'notifications');
  const items = await page.locator('li.notification > a').allTextContents();
  assert.deepEqual(items.map((t) => t.replace(/\s+/g, ' ').trim()), [
    `ben liked your post in ${TITLE}`,
    `ben mentioned you in ${TITLE}`,
    `ben quoted your post in ${TITLE}`,
    `ben replied to your post in ${TITLE}`,
  ]);
  // The reply notification lands on the reply.
  await Promise.all([
    page.waitForURL(/\/t\/.*\/2(#.*)?$/),
    page.click(`li.notification > a:has-text("replied to your post")`),
  ]);
  assert.ok(await page.locator('#post_2.highlight').count(), 'the post is brought into view');
  // Opening one notification reads that one; the others about the same topic stay unread,
  // though the page anna landed on shows their posts too.
  assert.equal((await page.textContent('a.bell .count')).trim(), '3');
  await page.goto(`${stoa.base}/notifications`);
  assert.equal(await page.locator('li.notification').count(), 4);
  assert.equal(await page.locator('li.notification.unread').count(), 3);
  assert.equal(await page.locator('li.notification:not(.unread) > a:has-text("replied to your post")').count(), 1);
});

test('anna, away, receives each by email through the SMTP server', async () => {
  const leads = [
    ['ben replied to your post in', /\/2$/],
    ['ben quoted your post in', /\/3$/],
    ['ben mentioned you in', /\/4$/],
    ['ben liked your post in', /\/1$/],
  ];
  for (const [lead, path] of leads) {
    const m = await waitForMail(smtp.dir, (x) => x.to.includes('anna@example.org') && x.text.includes(lead));
    assert.equal(m.subject, `[Stoa] ${TITLE}`);
    assert.ok(m.text.includes(`${lead} “${TITLE}”:`), m.text);
    assert.match(linkPath(m.text, '/t/'), path);
    assert.match(m.head, /^List-Unsubscribe: <http:\/\/.*\/email\/unsubscribe\/[0-9a-f]{32}>$/m);
  }
  // Ben is told nothing of his own doing; anna got 1 confirmation + 4 notifications.
  const all = readMaildir(smtp.dir);
  assert.equal(all.filter((m) => m.to.includes('anna@example.org')).length, 5);
  assert.equal(all.filter((m) => m.to.includes('ben@example.org')).length, 1);
});
