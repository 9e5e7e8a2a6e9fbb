// Searching in a real browser: the header box, highlighted results, filter chips, opening a
// hit; the same without JavaScript; similar topics while typing a new topic's title.
'use strict';

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startStoa, launch, shot, signUp, DEMO_TOPIC, newPage: newPageIn } = require('./lib');

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

for (const javaScriptEnabled of [true, false]) {
  describe(javaScriptEnabled ? 'with JavaScript' : 'without JavaScript', () => {
    test('a visitor searches from the header and opens the hit', async () => {
      const { context, page, errors } = await newPage({ javaScriptEnabled });
      await page.goto(`${stoa.base}/latest`);
      await page.fill('header input[name=q]', 'Izvestia #history');
      await Promise.all([page.waitForURL(/\/search\?q=/), page.press('header input[name=q]', 'Enter')]);
      assert.match(await page.textContent('.result-count'), /1 topic found/);
      assert.equal((await page.textContent('.search-result .blurb mark')).trim(), 'Izvestia');
      assert.equal(await page.inputValue('#search-q'), 'Izvestia #history');
      if (javaScriptEnabled) await shot(page, 'search');
      // Removing the #history chip keeps the words.
      await Promise.all([page.waitForURL(/\/search\?q=Izvestia$/), page.click('.chip a')]);
      assert.equal(await page.locator('.chip').count(), 0);
      assert.match(await page.textContent('.result-count'), /1 topic found/);
      // Opening the hit lands on the post.
      await Promise.all([page.waitForURL(`${stoa.base}${DEMO_TOPIC}/1`), page.click('.search-result a.title')]);
      assert.match(await page.textContent('#post_1 blockquote'), /Izvestia, 14 April 1941/);
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
}

test('similar topics appear while a member types a title', async () => {
  const { context, page, errors } = await newPage();
  await signUp(page, stoa.base, 'searcher');
  await page.goto(`${stoa.base}/new-topic`);
  assert.equal(await page.isVisible('#similar-topics'), false);
  await page.type('#title', 'Did Stalin believe in the neutrality pact?', { delay: 5 });
  await page.waitForSelector('#similar-topics li a');
  assert.match(await page.textContent('#similar-topics li a'), /neutrality pact with Japan/);
  await shot(page, 'similar-topics');
  assert.deepEqual(errors, []);
  await context.close();
});
