/**
 * Chromium for the browser suite, launched as docs/UI.md records (Debian's /usr/bin/chromium,
 * no downloads, no background networking), with the checks every page gets: axe with the WCAG
 * 2.1 A/AA rules, and screenshots at desktop and phone width for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { scoped } from '../helpers/scoped.js';

export const SCREENSHOTS = join(import.meta.dirname, '../../test-results/screenshots');
const CHROMIUM = process.env.BILLOW_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies) and page at desktop width. */
  newPage(): Promise<Page>;
}

/** One Chromium for the file: started before its first test, closed after its last. */
export function useBrowser(): TestBrowser {
  const contexts: BrowserContext[] = [];
  return scoped(
    'the browser',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-quic',
          '--no-first-run',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      return {
        browser,
        async newPage() {
          // AxeBuilder needs a page that belongs to a context it can reach.
          const context = await browser.newContext({
            baseURL: inject('billow').url,
            viewport: { width: 1280, height: 800 },
            // The theme honours reduced motion, so no drawer or dialog is caught half-faded
            // when axe measures contrast.
            reducedMotion: 'reduce',
          });
          contexts.push(context);
          return context.newPage();
        },
      };
    },
    {
      stop: async ({ browser }) => {
        for (const c of contexts.splice(0)) await c.close();
        await browser.close();
      },
    },
  );
}

/** No axe violation of WCAG 2.0/2.1 A and AA on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const found = result.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).slice(0, 5),
  }));
  expect(found, JSON.stringify(found, null, 2)).toEqual([]);
}

/**
 * Waits until the page has painted twice: a resize's media-query listeners and the renders they
 * cause have run (instead of a fixed pause).
 */
async function settle(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))),
  );
}

/** Full-page screenshots at 1280 and 375 px wide: test-results/screenshots/<name>-<width>.png. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 740 : 800 });
    // Layout settles after a resize (Mantine's responsive props read media queries).
    await settle(page);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

/**
 * The page is no wider than the window: a wide table scrolls inside its own box, never the whole
 * page sideways. On failure, the message names the page and the elements whose right edge is past
 * the window's (the deepest ones are usually the cause).
 */
export async function expectNoSidewaysScroll(page: Page, name: string): Promise<void> {
  const found = await page.evaluate(() => {
    const width = window.innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    const wide: string[] = [];
    if (scrollWidth > width) {
      for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.right <= width + 0.5 || box.width === 0) continue;
        // Inside a box that scrolls sideways itself, overflow is that box's business; but an
        // absolutely placed element escapes a box that is not positioned, so it is always listed.
        let clipped = false;
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          const overflowX = getComputedStyle(p).overflowX;
          if (overflowX !== 'visible' && p.getBoundingClientRect().right <= width + 0.5) {
            clipped = true;
            break;
          }
        }
        const pos = getComputedStyle(el).position;
        if (clipped && pos !== 'absolute' && pos !== 'fixed') continue;
        const id = el.id ? `#${el.id}` : '';
        const cls =
          typeof el.className === 'string' && el.className
            ? `.${el.className.trim().split(/\s+/).join('.')}`
            : '';
        wide.push(
          `${el.tagName.toLowerCase()}${id}${cls} ${pos} left=${Math.round(box.left)} right=${Math.round(box.right)}`,
        );
      }
    }
    return { width, scrollWidth, wide: wide.slice(-15) };
  });
  expect(
    found.scrollWidth,
    `${name} at ${found.width} px is ${found.scrollWidth} px wide:\n${found.wide.join('\n')}`,
  ).toBeLessThanOrEqual(found.width);
}

/** Every page gets both: axe at both widths, no sideways scroll on a phone, then its screenshots. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await expectAccessible(page);
  await page.setViewportSize({ width: 375, height: 740 });
  // Transitions take no time (the contexts ask for reduced motion, the theme honours it); what
  // re-renders for the phone width has done so after two frames.
  await settle(page);
  await expectNoSidewaysScroll(page, name);
  await expectAccessible(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshots(page, name);
}

/** The suite's server, as the global setup started it. */
export function suite() {
  return inject('billow');
}

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;
let ownerSession: StorageState | undefined;

/**
 * Signs the suite's tenant owner in to the console on `page` (a fresh context) and waits for the
 * Customers page. The first call in a test file signs in through the form; later ones put that
 * session's cookies in the new context, so a file spends one attempt of the login limit (10 a
 * minute per client, and every file talks to one server from one address), and the form again
 * only if that session has ended. `timeout` becomes the page's default timeout when given.
 */
export async function signInOwner(page: Page, options: { timeout?: number } = {}): Promise<void> {
  if (options.timeout !== undefined) page.setDefaultTimeout(options.timeout);
  const customers = page.getByRole('heading', { name: 'Customers' });
  const signIn = page.getByRole('button', { name: 'Sign in' });
  if (ownerSession) await page.context().addCookies(ownerSession.cookies);
  await page.goto('/console/');
  await customers.or(signIn).first().waitFor();
  if (await customers.isVisible()) return;
  await page.getByLabel('Email').fill(suite().ownerEmail);
  await page.getByLabel(/^Password/).fill(suite().password);
  await signIn.click();
  await customers.waitFor();
  ownerSession = await page.context().storageState();
}

/** A call to the suite's API with the owner's key (seeding what a page shows). */
export async function apiCall(method: string, path: string, body?: unknown): Promise<unknown> {
  const { url, apiKey } = inject('billow');
  const res = await fetch(new URL(path, url), {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
