/*
 * Browser test of report.html (docs/review.md, Tests): opens the page in real headless
 * Chromium through playwright-core and checks what a reviewer relies on.
 *
 *   node report_test.js MODULES_DIR DEMO_RUN XSS_RUN SCREENSHOT
 *
 * DEMO_RUN and XSS_RUN are output folders of `dangliang run`.  Expected
 * values come from the run's own units.csv / items.csv, read here with a
 * small CSV parser, never from the page.  Besides SCREENSHOT it saves
 * SCREENSHOT-1366.png, -1920.png (the window sizes where the total payout
 * must be on screen) and -print.png (the page as printed on A4 landscape).
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const [modules, demoDir, xssDir, shot] = process.argv.slice(2);
const { chromium } = require(path.join(path.resolve(modules), 'playwright-core'));

let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) { passed++; console.log('  ok   ' + what); } else { failed++; console.log('  FAIL ' + what); }
}

/* RFC 4180 CSV (the engine's own output), BOM dropped. */
function readCsv(file) {
  let s = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const rows = []; let row = [], cell = '', q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '"') { if (s[i + 1] === '"') { cell += '"'; i++; } else q = false; } else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  const head = rows.shift();
  return rows.map(r => Object.fromEntries(head.map((h, j) => [h, r[j]])));
}
/* A CSV text cell as the engine wrote it: a leading ' neutralises a formula. */
const unquote = s => /^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s;
const fen = s => BigInt(s.replace(/,/g, '').replace('.', ''));

async function openPage(context, file) {
  const page = await context.newPage();
  const errors = [], dialogs = [], requests = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  page.on('dialog', d => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('request', r => { if (r.url() !== 'file://' + path.resolve(file)) requests.push(r.url()); });
  await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
  return { page, errors, dialogs, requests };
}

const colTexts = (page, col) => page.$$eval('#unit-table tbody tr.unit-row',
  (rs, c) => rs.map(r => r.cells[c].textContent), col);

async function demo(context) {
  console.log('== report.html of the demo run');
  const units = readCsv(path.join(demoDir, 'units.csv'));
  const items = readCsv(path.join(demoDir, 'items.csv'));
  const { page, errors, dialogs, requests } = await openPage(context, path.join(demoDir, 'report.html'));
  const nRows = await page.$$eval('#unit-table tbody tr.unit-row', rs => rs.length);
  check(nRows === units.length, `unit table has one row per unit (${nRows} rows, ${units.length} units)`);
  const ids = await colTexts(page, 0);
  check(JSON.stringify(ids) === JSON.stringify(units.map(u => u.unit_id)), 'rows start in unit_id order');

  /* sorting: the 合计拨付 column (th.tot) is the total payout */
  const totCol = await page.$$eval('#unit-table thead th', t => t.findIndex(th => th.classList.contains('tot')));
  check(totCol >= 0 && totCol <= 2, `合计拨付 is beside the unit name (column ${totCol + 1})`);
  const totalTh = `#unit-table thead th:nth-child(${totCol + 1})`;
  await page.click(totalTh);
  const byPay = units.map((u, i) => ({ id: u.unit_id, p: fen(u.payout), i }))
    .sort((a, b) => (b.p > a.p ? 1 : b.p < a.p ? -1 : a.i - b.i)).map(u => u.id);
  let got = await colTexts(page, 0);
  check(await page.getAttribute(totalTh, 'aria-sort') === 'descending', 'first click on 合计拨付 sorts descending');
  check(JSON.stringify(got) === JSON.stringify(byPay), 'order is by payout descending, exactly as in units.csv');
  check(JSON.stringify(got) !== JSON.stringify(ids), 'sorting changed the order');
  await page.click(totalTh);
  got = await colTexts(page, 0);
  const pays = (await colTexts(page, totCol)).map(fen);
  check(pays.every((v, i) => i === 0 || pays[i - 1] <= v), 'second click sorts ascending');
  await page.click('#unit-table thead th:nth-child(1)');
  got = await colTexts(page, 0);
  check(JSON.stringify(got) === JSON.stringify(units.map(u => u.unit_id)), 'sorting by 编码 restores unit_id order');

  /* filtering: free text, then the county select */
  const word = units[units.length - 1].county;
  const want = units.filter(u => [u.unit_id, u.unit_name, u.community, u.county].some(s => unquote(s).includes(word)));
  await page.fill('#f-text', word);
  let vis = await page.$$eval('#unit-table tbody tr.unit-row', rs => rs.filter(r => !r.hidden && r.offsetParent !== null).map(r => r.cells[0].textContent));
  check(JSON.stringify(vis) === JSON.stringify(want.map(u => u.unit_id)) && want.length < units.length,
    `filter "${word}" shows exactly its ${want.length} units`);
  check((await page.textContent('#f-count')).includes(`${want.length} / ${want.length} 个单位（共 ${units.length}）`), 'the count line follows the filter');
  await page.fill('#f-text', '');
  await page.selectOption('#f-county', units[0].county);
  vis = await page.$$eval('#unit-table tbody tr.unit-row', rs => rs.filter(r => !r.hidden).length);
  check(vis === units.filter(u => u.county === units[0].county).length, 'county select filters');
  await page.selectOption('#f-county', '');

  /* drill-down of the first unit: its items match items.csv */
  const first = units[0].unit_id;
  await page.click('#unit-table tbody tr.unit-row >> nth=0');
  const dd = await page.$('#unit-table tr.detail');
  check(!!dd, 'clicking a row opens its drill-down');
  if (dd) {
    const text = await dd.textContent();
    const nItems = items.filter(r => r.unit_id === first).length;
    check(text.includes(`Items (${nItems})`), `drill-down lists the unit's ${nItems} items`);
    const codes = await dd.$$eval('.blk', bs => { const b = bs.find(x => x.textContent.includes('服务项目')); return b ? Array.from(b.querySelectorAll(':scope tbody tr')).map(r => r.cells[0].textContent + '|' + r.cells[3].textContent.replace(/,/g, '')) : []; });
    const wantCodes = items.filter(r => r.unit_id === first).map(r => r.item_code + '|' + r.quantity).sort();
    check(JSON.stringify(codes.slice().sort()) === JSON.stringify(wantCodes), 'drill-down quantities equal items.csv');
  }
  /* full-page screenshot with the drill-down open */
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: true });
  await page.click('#unit-table tbody tr.unit-row >> nth=0');
  check(await page.$('#unit-table tr.detail') === null, 'clicking again closes it');

  check(errors.length === 0, 'no console errors or page errors' + (errors.length ? ': ' + errors.join(' | ') : ''));
  check(dialogs.length === 0, 'no dialog opened');
  check(requests.length === 0, 'no request besides the page itself' + (requests.length ? ': ' + requests.join(' ') : ''));
  await page.close();
}

/* Where the total payout, Q and A are on screen: every box inside the window and inside the
 * table's scroll box (not scrolled away to the right). */
async function columnsInView(page) {
  return page.evaluate(() => {
    const t = document.getElementById('unit-table');
    const box = t.parentNode.getBoundingClientRect();
    const right = Math.min(box.right, window.innerWidth), left = Math.max(box.left, 0);
    const ths = Array.from(t.tHead.rows[0].cells);
    const row = t.tBodies[0].rows[0];
    return ['tot', 'q', 'a'].map(cls => {
      const i = ths.findIndex(th => th.classList.contains(cls));
      if (i < 0) return { cls, ok: false, why: 'no column' };
      const a = ths[i].getBoundingClientRect(), b = row.cells[i].getBoundingClientRect();
      const ok = a.width > 0 && b.width > 0 && Math.min(a.left, b.left) >= left - 0.5 &&
        Math.max(a.right, b.right) <= right + 0.5 && getComputedStyle(row.cells[i]).visibility !== 'hidden';
      return { cls, ok, why: `x ${Math.round(Math.min(a.left, b.left))}..${Math.round(Math.max(a.right, b.right))} in ${Math.round(left)}..${Math.round(right)}`, text: row.cells[i].textContent };
    });
  });
}

async function layout(context) {
  console.log('== report.html at 1366 and 1920 px, and printed');
  const units = readCsv(path.join(demoDir, 'units.csv'));
  const first = units[0];
  const file = 'file://' + path.resolve(path.join(demoDir, 'report.html'));
  for (const width of [1366, 1920]) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 768 });
    await page.goto(file, { waitUntil: 'load' });
    await page.evaluate(() => document.getElementById('units').scrollIntoView());
    const cols = await columnsInView(page);
    for (const c of cols)
      check(c.ok, `${width} px: the ${{ tot: '合计拨付', q: 'Q', a: 'A' }[c.cls]} column is on screen without scrolling (${c.why})`);
    const tot = cols.find(c => c.cls === 'tot');
    check(tot && tot.text !== undefined && fen(tot.text) === fen(first.payout),
      `${width} px: the first row's 合计拨付 ${tot && tot.text} equals units.csv ${first.payout}`);
    await page.click('#unit-table tbody tr.unit-row >> nth=0');
    const pay = await page.$('#unit-table tr.detail .dd-head .dd-pay');
    const pb = pay ? await pay.boundingBox() : null;
    const pt = pay ? await pay.textContent() : '';
    check(pb && pb.x >= 0 && pb.x + pb.width <= width && pt.includes('合计拨付') &&
      fen(pt.replace(/[^0-9.,-]/g, '')) === fen(first.payout),
      `${width} px: the drill-down header shows 合计拨付 ${pt.replace('合计拨付', '').trim()} on screen`);
    await page.evaluate(() => document.getElementById('units').scrollIntoView());
    await page.screenshot({ path: shot.replace(/\.png$/, '') + `-${width}.png` });
    await page.close();
  }
  /* print: the page as Chromium lays it out for A4 landscape with 10 mm margins
   * (277 mm = 1047 CSS px wide); the PDF itself is checked by print_check.py */
  const page = await context.newPage();
  await page.setViewportSize({ width: 1047, height: 740 });
  await page.goto(file, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const cols = await columnsInView(page);
  for (const c of cols)
    check(c.ok, `print (A4 landscape, 1047 px): the ${{ tot: '合计拨付', q: 'Q', a: 'A' }[c.cls]} column is on paper (${c.why})`);
  const tw = await page.$eval('#unit-table', t => t.getBoundingClientRect().right);
  check(tw <= 1047, `print: the unit table fits the paper's width (right edge ${Math.round(tw)} px of 1047)`);
  await page.screenshot({ path: shot.replace(/\.png$/, '') + '-print.png', fullPage: true });
  await page.close();
}

async function xss(context) {
  console.log('== report.html with dangerous unit names');
  const units = readCsv(path.join(xssDir, 'units.csv'));
  const { page, errors, dialogs, requests } = await openPage(context, path.join(xssDir, 'report.html'));
  const names = await colTexts(page, 1);
  check(names.length === units.length, `unit table has one row per unit (${names.length})`);
  for (const bad of ['<script>alert(1)</script>', '=HYPERLINK("x")'])
    check(names.includes(bad), `the name ${bad} is shown as literal text`);
  check(units.some(u => u.unit_name === "'=HYPERLINK(\"x\")"), "units.csv neutralises =HYPERLINK(\"x\") with a leading '");
  check(await page.$$eval('script', s => s.length) === 2, 'no script element was injected');
  /* open every drill-down: the script renders input strings too */
  const n = await page.$$eval('#unit-table tbody tr.unit-row', rs => rs.length);
  for (let i = 0; i < n; i++) await page.click(`#unit-table tbody tr.unit-row >> nth=${i}`);
  await page.click('#unit-table thead th:nth-child(2)');
  check((await colTexts(page, 1)).length === n, 'sorting by name keeps every row');
  check(errors.length === 0, 'no console errors or page errors' + (errors.length ? ': ' + errors.join(' | ') : ''));
  check(dialogs.length === 0, 'no dialog opened' + (dialogs.length ? ': ' + dialogs.join(' | ') : ''));
  check(requests.length === 0, 'no request besides the page itself');
  await page.close();
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1360, height: 900 },
      timeout: 60000,
    });
    context.setDefaultTimeout(15000);
    await demo(context);
    await layout(context);
    await xss(context);
  } catch (e) {
    failed++;
    console.log('  FAIL ' + (e && e.stack || e));
  } finally {
    if (context) await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
