// How the main pages look, as a visitor and as a member: a screenshot of each at 1280 px and
// 390 px, light and dark (kept by .ci/run as artifacts); on a phone nothing scrolls sideways;
// every icon has an accessible name; axe-core finds no serious or critical violation.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startStoa, launch, shot, signUp, newPage, DEMO_TOPIC } = require('./lib');

const AXE = require.resolve('axe-core/axe.min.js');
const WIDTHS = [[1280, 900], [390, 844]];
const SCHEMES = ['light', 'dark'];

let stoa;
let browser;
let memberState;
const counts = {};
// Which rules the violations broke, and on which pages, sizes and schemes.
const rules = {};

before(async () => {
  stoa = await startStoa();
  browser = await launch();
  // A member, signed up once; each page below opens in a fresh context with her cookies.
  const { context, page } = await newPage(browser);
  await signUp(page, stoa.base, 'lookmember', 'Look Member');
  memberState = await context.storageState();
  await context.close();
});

after(async () => {
  await browser?.close();
  await stoa?.stop();
  // The counts the closing note reports: violations by impact, over every page and mode.
  console.log(`axe-core violations by impact: ${JSON.stringify(counts)}`);
  console.log(`axe-core violations by rule, with where: ${JSON.stringify(rules)}`);
});

// Icons without a name of their own: an aria-hidden SVG icon whose control says nothing.
async function unnamedIcons(page) {
  return page.evaluate(() => {
    const bad = [];
    for (const icon of document.querySelectorAll('svg.icon')) {
      const control = icon.closest('a, button, summary');
      if (!control) { bad.push(`an icon outside any control: ${icon.outerHTML.slice(0, 80)}`); continue; }
      const name = (control.getAttribute('aria-label') || control.textContent || '').trim();
      if (!name) bad.push(control.outerHTML.slice(0, 120));
    }
    return bad;
  });
}

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  return result;
}

const PAGES = [
  ['latest', '/latest', false],
  ['topic', DEMO_TOPIC, false],
  ['categories', '/categories', false],
  ['top', '/top?period=all', false],
  ['search', '/search?q=pact', false],
  ['profile', '/u/lena', false],
  ['member-latest', '/latest', true],
  ['member-topic', DEMO_TOPIC, true],
  ['new', '/new', true],
  ['notifications', '/notifications', true],
  ['new-topic', '/new-topic', true],
];

for (const [name, path, member] of PAGES) {
  test(`${name}: screenshots, sideways scroll, icon names, axe-core`, async () => {
    for (const [width, height] of WIDTHS) {
      for (const scheme of SCHEMES) {
        const { context, page, errors } = await newPage(browser, {
          viewport: { width, height },
          colorScheme: scheme,
          // axe-core is injected as a script; the page's policy would refuse it.
          bypassCSP: true,
          ...(width < 500 ? { isMobile: true, hasTouch: true } : {}),
          ...(member ? { storageState: memberState } : {}),
        });
        const res = await page.goto(`${stoa.base}${path}`);
        assert.equal(res.status(), 200, `${path}`);
        await shot(page, `look-${name}-${width}-${scheme}`);
        if (width < 500) {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 0, `${path} at ${width}px scrolls sideways by ${overflow}px`);
        }
        assert.deepEqual(await unnamedIcons(page), [], `${path}: icons without a name`);
        const violations = await axe(page);
        for (const v of violations) {
          counts[v.impact] = (counts[v.impact] || 0) + 1;
          rules[`${v.impact} ${v.id}`] = [...(rules[`${v.impact} ${v.id}`] || []), `${name} ${width} ${scheme}`];
        }
        const grave = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        assert.deepEqual(grave, [], `${path} at ${width}px, ${scheme}: ${JSON.stringify(grave, null, 1)}`);
        assert.deepEqual(errors, [], 'no script errors');
        await context.close();
      }
    }
  });
}
