// Opens the router's dashboard in a real headless Chromium (Debian's, driven by playwright-core), waits
// until the lag and provider panels show live data, saves a full-page screenshot and prints one line of
// JSON saying what it saw.
//
//   node check-dashboard.mjs URL SCREENSHOT_PATH [TOKEN]
//
//   URL              the page, e.g. http://127.0.0.1:8080/dashboard
//   SCREENSHOT_PATH  where the PNG goes (its folder is created)
//   TOKEN            the router's bearer token, when it has one; passed to the page as ?token=
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium); DASHBOARD_TIMEOUT_MS (default 60000);
// DASHBOARD_PANELS, the panels that must have data, comma-separated (default lag-panel,providers-panel).
//
// Exit status: 0 when every required panel showed data and the page logged no error; 1 when the check
// failed (timeout, a console or script error, the error banner shown); 2 when it could not run at all.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const [url, screenshotArg, token] = process.argv.slice(2);
if (!url || !screenshotArg) {
  console.error('usage: node check-dashboard.mjs URL SCREENSHOT_PATH [TOKEN]');
  process.exit(2);
}
const screenshot = resolve(screenshotArg);
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const timeoutMs = Number(process.env.DASHBOARD_TIMEOUT_MS || 60000);
const requiredPanels = (process.env.DASHBOARD_PANELS || 'lag-panel,providers-panel')
  .split(',').map((name) => name.trim()).filter(Boolean);
const allPanels = ['lag-panel', 'throughput-panel', 'share-panel', 'cost-panel', 'providers-panel'];

const pageUrl = new URL(url);
if (token) {
  pageUrl.searchParams.set('token', token);
}
/** The address without the token, for anything printed. */
const shownUrl = (() => {
  const copy = new URL(pageUrl);
  if (copy.searchParams.has('token')) {
    copy.searchParams.set('token', '***');
  }
  return copy.toString();
})();

const started = Date.now();
const consoleErrors = [];
const pageErrors = [];
const failedRequests = [];
const summary = { ok: false, url: shownUrl, screenshot };

let browser;
try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 30000,
    // Root on a machine without a network beyond loopback: no sandbox (Playwright's default), and none of
    // Chromium's own calls home, which would only fail and slow the start.
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
    ],
  });
} catch (error) {
  summary.error = 'cannot start Chromium at ' + executablePath + ' (install Debian\'s chromium package, or set'
    + ' CHROMIUM_PATH): ' + firstLine(error.message);
  finish(2);
}
summary.browser = browser.version();

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location();
      consoleErrors.push(message.text() + (where && where.url ? ' (' + hideToken(where.url) + ')' : ''));
    }
  });
  page.on('pageerror', (error) => pageErrors.push(firstLine(error.message)));
  page.on('requestfailed', (request) => failedRequests.push(request.method() + ' ' + hideToken(request.url())
    + ': ' + (request.failure() ? request.failure().errorText : 'failed')));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      failedRequests.push(response.request().method() + ' ' + hideToken(response.url()) + ': HTTP ' + response.status());
    }
  });

  const deadline = started + timeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());
  try {
    const navigation = await page.goto(pageUrl.toString(), { waitUntil: 'load', timeout: left() });
    if (!navigation || !navigation.ok()) {
      throw new Error('the page answered HTTP ' + (navigation ? navigation.status() : 'nothing'));
    }
    for (const panel of requiredPanels) {
      await waitFor('[data-testid="' + panel + '"][data-has-data="true"]', 'attached', panel + ' to show data');
    }
    await waitFor('[data-testid^="lag-group-"]', 'visible', 'a consumer group row');
    await waitFor('[data-testid^="provider-row-"]', 'visible', 'a deployment row');
  } catch (error) {
    summary.error = firstLine(error.message);
  }

  async function waitFor(selector, state, what) {
    try {
      await page.locator(selector).first().waitFor({ state, timeout: left() });
    } catch (error) {
      throw new Error('waited ' + Math.round((Date.now() - started) / 1000) + ' s for ' + what + ': '
        + firstLine(error.message));
    }
  }

  Object.assign(summary, await page.evaluate((panels) => {
    const ids = (prefix) => [...document.querySelectorAll('[data-testid^="' + prefix + '"]')]
      .map((node) => node.getAttribute('data-testid').slice(prefix.length));
    const banner = document.querySelector('[data-testid="error-banner"]');
    const updated = document.querySelector('[data-testid="last-updated"]');
    return {
      groups: [...document.querySelectorAll('[data-testid^="lag-group-"]')].map((row) => ({
        group: row.getAttribute('data-testid').slice('lag-group-'.length),
        status: row.getAttribute('data-status'),
      })),
      providers: ids('provider-row-'),
      // Each deployment's condition as the page shows it, with the reason of one that takes no jobs.
      conditions: [...document.querySelectorAll('[data-testid^="provider-row-"]')].map((row) => {
        const id = row.getAttribute('data-testid').slice('provider-row-'.length);
        const reason = document.querySelector('[data-testid="provider-reason-' + id + '"]');
        return { deployment: id, condition: row.getAttribute('data-condition'),
          reason: reason ? reason.textContent : null,
          listed_out: !!document.querySelector('[data-testid="out-of-service-' + id + '"]') };
      }),
      share: ids('share-row-'),
      panels: Object.fromEntries(panels.map((name) => {
        const node = document.querySelector('[data-testid="' + name + '"]');
        return [name, !!node && node.getAttribute('data-has-data') === 'true'];
      })),
      last_updated: updated ? updated.textContent : null,
      error_banner: banner && !banner.hidden
        ? [...banner.querySelectorAll('li')].map((item) => item.textContent.trim()) : null,
    };
  }, allPanels));

  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  await context.close();
} catch (error) {
  summary.error = summary.error || firstLine(error.message);
} finally {
  await browser.close().catch(() => {});
}

summary.console_errors = consoleErrors;
summary.page_errors = pageErrors;
summary.failed_requests = failedRequests;
summary.elapsed_ms = Date.now() - started;
if (!summary.error && consoleErrors.length) {
  summary.error = 'the page logged ' + consoleErrors.length + ' console error(s)';
}
if (!summary.error && pageErrors.length) {
  summary.error = 'the page threw ' + pageErrors.length + ' script error(s)';
}
if (!summary.error && summary.error_banner) {
  summary.error = 'the page shows its error banner';
}
finish(summary.error ? 1 : 0);

function finish(code) {
  summary.ok = code === 0;
  process.stdout.write(JSON.stringify(summary) + '\n');
  process.exit(code);
}

function firstLine(text) {
  return String(text).split('\n')[0];
}

function hideToken(address) {
  if (!token) {
    return address;
  }
  return [token, encodeURIComponent(token)].reduce((text, secret) => text.split(secret).join('***'), address);
}
