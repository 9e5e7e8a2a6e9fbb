// What a person does on Stoa, in a real browser: with JavaScript, without it, and on a phone.
'use strict';

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startStoa, launch, shot, signUp, logIn, DEMO_TOPIC, newPage: newPageIn } = require('./lib');

let stoa;
let browser;

before(async () => {
  stoa = await startStoa();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await stoa?.stop();
});

const newPage = (options = {}) => newPageIn(browser, options);

const TITLE = 'How did Tokyo read the pact in the summer of 1941?';
const BODY = 'Was the **southern advance** already decided when the pact was signed?\n\n> A quoted line';

describe('with JavaScript', () => {
  let context;
  let page;
  let errors;
  let topicUrl;

  before(async () => {
    ({ context, page, errors } = await newPage());
  });
  after(async () => {
    assert.deepEqual(errors, [], 'no script errors');
    await context.close();
  });

  test('a visitor reads the demo thread', async () => {
    await page.goto(`${stoa.base}/latest`);
    await shot(page, 'latest');
    await page.click('text=Why did the USSR trust its April 1941 neutrality pact with Japan?');
    await page.waitForURL(`${stoa.base}${DEMO_TOPIC}`);
    assert.equal(await page.locator('h1').count(), 1);
    assert.match(await page.textContent('#post_1 blockquote'), /Izvestia, 14 April 1941/);
    assert.equal(await page.getAttribute('#post_1 a[href^="https://en.wikipedia.org"]', 'rel'), 'noopener nofollow ugc');
    assert.match(await page.textContent('#post_3 .reply-to'), /in reply to tomas/);
    assert.equal(await page.getAttribute('#post_4 aside.quote', 'data-username'), 'lena');
    assert.equal((await page.textContent('#post_3 .like-count')).trim(), '1 Like');
    await shot(page, 'topic');
    // "1 reply" and "1 Like" open under their post, and close again.
    await page.click('#post_2 a.reply-count');
    await page.waitForSelector('#post_2 .expanded-replies .reply-item');
    assert.equal(await page.locator('#post_2 .expanded-replies .reply-item').count(), 1);
    assert.equal(await page.getAttribute('#post_2 a.reply-count', 'aria-expanded'), 'true');
    await page.click('#post_3 .like-count a');
    await page.waitForSelector('#post_3 .expanded-likers li');
    assert.equal(await page.locator('#post_3 .expanded-likers li').count(), 1);
    await shot(page, 'topic-expanded');
    await page.click('#post_2 a.reply-count');
    assert.equal(await page.locator('#post_2 .expanded-replies').count(), 0);
    // The quote's header leads to the quoted post.
    await Promise.all([page.waitForURL(/\/t\/[^/]+\/\d+\/1$/), page.click('#post_4 aside.quote .title a')]);
  });

  test('a newcomer signs up, logs out and logs in again', async () => {
    await signUp(page, stoa.base, 'vera', 'Vera Lind');
    assert.equal(await page.textContent('.user-menu .me'), 'vera');
    await page.click('.user-menu button:has-text("Log out")');
    await page.waitForSelector('.user-menu a[href="/login"]');
    await logIn(page, stoa.base, 'vera', 'a long enough passphrase');
    assert.equal(await page.textContent('.user-menu .me'), 'vera');
  });

  test('starts a topic', async () => {
    await page.click('.user-menu a:has-text("New topic")');
    await shot(page, 'new-topic');
    await page.fill('#title', TITLE);
    await page.selectOption('#category', { label: 'History' });
    await page.fill('#raw', BODY);
    await Promise.all([page.waitForURL(/\/t\/how-did-tokyo/), page.click('button:has-text("Create topic")')]);
    topicUrl = page.url();
    assert.equal(await page.textContent('h1'), TITLE);
    assert.equal(await page.textContent('#post_1 strong'), 'southern advance');
  });

  test('replies', async () => {
    await page.fill('#reply-raw', 'Answering my own question: not quite, the July conference decided it.');
    await Promise.all([page.waitForURL(/\/2#post_2$/), page.click('button:has-text("Post reply")')]);
    assert.match(await page.textContent('#post_2 .cooked'), /July conference/);
  });

  test('quotes a selected passage of another post', async () => {
    await page.goto(`${stoa.base}${DEMO_TOPIC}`);
    await page.evaluate(() => {
      const p = document.querySelector('#post_2 .cooked p');
      const text = p.firstChild;
      const range = document.createRange();
      const start = text.textContent.indexOf('The pact bought time');
      range.setStart(text, start);
      range.setEnd(text, start + 'The pact bought time'.length);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    });
    await Promise.all([page.waitForURL(/reply\?quote=/), page.click('#post_2 a.quote')]);
    const raw = await page.inputValue('#raw');
    assert.equal(raw, '[quote="tomas, post:2, topic:2"]\nThe pact bought time\n[/quote]\n\n');
    await page.fill('#raw', `${raw}Bought time, yes, but for which side?`);
    await Promise.all([page.waitForURL(/#post_5$/), page.click('button:has-text("Post reply")')]);
    assert.equal(await page.getAttribute('#post_5 aside.quote', 'data-username'), 'tomas');
    assert.match(await page.textContent('#post_5 aside.quote blockquote'), /^\s*The pact bought time\s*$/);
  });

  test('likes and unlikes without reloading the page', async () => {
    await page.goto(`${stoa.base}${DEMO_TOPIC}`);
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.click('#post_2 button.like');
    await page.waitForFunction(() => document.querySelector('#post_2 .like-count').textContent.trim() === '1 Like');
    assert.equal(await page.getAttribute('#post_2 button.like', 'aria-pressed'), 'true');
    await page.click('#post_2 button.like');
    await page.waitForFunction(() => document.querySelector('#post_2 .like-count').textContent.trim() === '');
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
    await page.reload();
    assert.equal(await page.getAttribute('#post_2 button.like', 'aria-pressed'), 'false', 'the unlike was stored');
    assert.equal(await page.getAttribute('#post_2 button.like', 'aria-label'), 'Like this post');
  });

  test('keyboard shortcuts move between posts, like, search and list themselves', async () => {
    await page.goto(`${stoa.base}${DEMO_TOPIC}`);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    assert.equal(await page.locator('.post.selected').getAttribute('id'), 'post_2');
    await page.keyboard.press('k');
    assert.equal(await page.locator('.post.selected').getAttribute('id'), 'post_1');
    await page.keyboard.press('j');
    // l likes the selected post (and again unlikes it).
    await page.keyboard.press('l');
    await page.waitForFunction(() => document.querySelector('#post_2 .like-count').textContent.trim() === '1 Like');
    await page.keyboard.press('l');
    await page.waitForFunction(() => document.querySelector('#post_2 .like-count').textContent.trim() === '');
    // ? lists them; Escape closes the list.
    await page.keyboard.press('?');
    assert.ok(await page.isVisible('dialog#shortcuts'));
    assert.equal(await page.locator('dialog#shortcuts dt').count(), 6);
    await shot(page, 'shortcuts');
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('dialog#shortcuts'), false);
    // / goes to the search box, and letters typed there are letters.
    await page.keyboard.press('/');
    await page.keyboard.type('jk');
    assert.equal(await page.inputValue('.header-search input[name=q]'), 'jk');
    assert.equal(await page.locator('.post.selected').getAttribute('id'), 'post_2', 'typing moved nothing');
    // r replies to the selected post.
    await page.locator('.header-search input[name=q]').evaluate((e) => e.blur());
    await Promise.all([page.waitForURL(/reply\?to=2$/), page.keyboard.press('r')]);
  });

  test('edits a post, keeping the earlier version', async () => {
    await page.goto(topicUrl);
    await Promise.all([page.waitForURL(/\/edit$/), page.click('#post_1 a.edit')]);
    await page.fill('#raw', 'Was the southern advance decided before the pact? (edited for clarity)');
    await Promise.all([page.waitForURL(/#post_1$/), page.click('button:has-text("Save edit")')]);
    assert.match(await page.textContent('#post_1 .cooked'), /edited for clarity/);
    await page.click('#post_1 a.edited');
    assert.match(await page.textContent('main'), /Version 1/);
  });

  test('deletes a post, after saying yes', async () => {
    await page.goto(topicUrl);
    // The first click only asks.
    await page.click('#post_2 .delete-confirm summary');
    assert.ok(await page.locator('#post_2 .delete-confirm[open]').count(), 'the question is open');
    assert.equal(await page.locator('#post_2.deleted').count(), 0, 'nothing deleted yet');
    await shot(page, 'delete-confirm');
    await Promise.all([page.waitForNavigation(), page.click('#post_2 button:has-text("Yes, delete it")')]);
    assert.match(await page.textContent('#post_2'), /\(post deleted\)/);
  });
});

describe('without JavaScript', () => {
  let context;
  let page;

  before(async () => {
    ({ context, page } = await newPage({ javaScriptEnabled: false }));
  });
  after(async () => context.close());

  test('the demo thread reads the same', async () => {
    await page.goto(`${stoa.base}${DEMO_TOPIC}`);
    assert.match(await page.textContent('#post_1 blockquote'), /Izvestia, 14 April 1941/);
    assert.equal((await page.textContent('#post_3 .like-count')).trim(), '1 Like');
    // Without a script, "1 reply" and "1 Like" are pages of their own.
    await Promise.all([page.waitForURL(/\/posts\/\d+\/replies$/), page.click('#post_2 a.reply-count')]);
    assert.equal(await page.locator('.reply-item').count(), 1);
    await page.goto(`${stoa.base}${DEMO_TOPIC}`);
    await Promise.all([page.waitForURL(/\/posts\/\d+\/likes$/), page.click('#post_3 .like-count a')]);
    assert.equal(await page.locator('ul.likers li').count(), 1);
  });

  test('sign up, start a topic, reply, quote, like, edit and delete through forms alone', async () => {
    await signUp(page, stoa.base, 'nojs_member');
    await page.goto(`${stoa.base}/new-topic`);
    await page.fill('#title', 'A topic started without any JavaScript');
    await page.fill('#raw', 'Plain forms are enough to take part here.');
    await Promise.all([page.waitForURL(/\/t\/a-topic-started/), page.click('button:has-text("Create topic")')]);
    const topicUrl = page.url();
    await page.fill('#reply-raw', 'And a reply, also with forms alone.');
    await Promise.all([page.waitForURL(/#post_2$/), page.click('button:has-text("Post reply")')]);

    // Quote the demo thread's post 2 (no selection without a script: the whole post).
    await page.goto(`${stoa.base}${DEMO_TOPIC}`);
    await Promise.all([page.waitForURL(/reply\?quote=/), page.click('#post_2 a.quote')]);
    assert.match(await page.inputValue('#raw'), /^\[quote="tomas, post:2, topic:2, full:true"\]/);
    await page.fill('#raw', `${await page.inputValue('#raw')}Quoted in full, without a script.`);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Post reply")')]);
    assert.ok(await page.locator('aside.quote[data-username="tomas"]').count() >= 1);

    // Like: the form posts and the page comes back with the count.
    await page.goto(`${stoa.base}${DEMO_TOPIC}`);
    await Promise.all([page.waitForNavigation(), page.click('#post_3 button.like')]);
    assert.equal((await page.textContent('#post_3 .like-count')).trim(), '2 Likes');
    await Promise.all([page.waitForNavigation(), page.click('#post_3 button.like')]);
    assert.equal((await page.textContent('#post_3 .like-count')).trim(), '1 Like');

    // Edit and delete.
    await page.goto(topicUrl);
    await Promise.all([page.waitForURL(/\/edit$/), page.click('#post_2 a.edit')]);
    await page.fill('#raw', 'And a reply, also with forms alone (edited).');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save edit")')]);
    assert.match(await page.textContent('#post_2 .cooked'), /\(edited\)/);
    await page.click('#post_2 .delete-confirm summary');
    await Promise.all([page.waitForNavigation(), page.click('#post_2 button:has-text("Yes, delete it")')]);
    assert.match(await page.textContent('#post_2'), /\(post deleted\)/);
  });

  test('bad input comes back with the message and the text', async () => {
    await page.goto(`${stoa.base}/new-topic`);
    await page.fill('#title', 'Too short');
    await page.fill('#raw', 'Everything I typed must still be here afterwards.');
    await page.click('button:has-text("Create topic")');
    await page.waitForSelector('.form-error');
    assert.match(await page.textContent('.form-error'), /Title is too short/);
    assert.equal(await page.inputValue('#title'), 'Too short');
    assert.equal(await page.inputValue('#raw'), 'Everything I typed must still be here afterwards.');
  });
});

describe('on a phone', () => {
  test('pages fit the screen and the thread is readable', async () => {
    const { context, page, errors } = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    for (const [path, name] of [[DEMO_TOPIC, 'phone-topic'], ['/latest', 'phone-latest'], ['/signup', 'phone-signup']]) {
      await page.goto(`${stoa.base}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
      await shot(page, name);
    }
    const size = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('#post_1 .cooked, main')).fontSize));
    assert.ok(size >= 16, `text is ${size}px`);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
