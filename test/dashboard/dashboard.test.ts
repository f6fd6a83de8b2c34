import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { ModelRouter } from 'model-router';
import { createDashboardHandler } from 'model-router/http';
import { mockProvider } from 'model-router/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, serve } from '../http/harness.js';

/*
 * The dashboard in a real browser: Debian's headless Chromium driven by playwright-core. `.ci/run`
 * installs chromium when it is missing and sets REQUIRE_BROWSER=1, so CI never skips this file.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.REQUIRE_BROWSER)
  throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing`);
if (!haveBrowser)
  console.warn(
    `[model-router] ${CHROMIUM} not found: the dashboard browser test is SKIPPED (apt-get install chromium)`,
  );

const SECRET = 'sk-canary-dashboard-0123456789';
const PROMPT = 'canary prompt text never shown';
const ARTIFACTS = '.tmp/artifacts';

describe.skipIf(!haveBrowser)('dashboard in headless Chromium', () => {
  const a = mockProvider({ name: 'mockA' });
  const b = mockProvider({
    name: 'mockB',
    fallback: { text: 'ok', usage: { promptTokens: 20, completionTokens: 5 } },
  });
  const router = new ModelRouter({
    catalog: {
      providers: [
        {
          id: 'alpha',
          adapter: 'mockA',
          keys: [{ id: 'alpha-key-1', secret: SECRET, rpm: 20, maxConcurrent: 4 }],
        },
        {
          id: 'beta',
          adapter: 'mockB',
          keys: [
            { id: 'beta-key-1', secret: `${SECRET}-b1`, rpm: 10, tpm: 10_000 },
            { id: 'beta-key-2', secret: `${SECRET}-b2`, rpm: 10 },
          ],
        },
      ],
      models: [
        { providerId: 'alpha', modelId: 'model-a' },
        { providerId: 'beta', modelId: 'model-b', inputCostPerMTok: 3, outputCostPerMTok: 15 },
      ],
      groups: [
        {
          name: 'coding',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'alpha', modelId: 'model-a', priority: 0 },
            { providerId: 'beta', modelId: 'model-b', priority: 1 },
          ],
        },
        { name: 'cheap', members: [{ providerId: 'beta', modelId: 'model-b' }] },
      ],
    },
    adapters: { mockA: a, mockB: b },
  });
  let server: TestServer;
  let browser: Browser;
  const token = 'Bearer dash-token';

  beforeAll(async () => {
    server = await serve(
      createDashboardHandler(router, {
        basePath: '/dash',
        pollMs: 200,
        authenticate: (req) => (req.headers.get('authorization') === token ? { user: 'ops' } : null),
      }),
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await router.close();
  });

  it('an unauthenticated visit gets 401', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${server.url}/dash/`);
    expect(res?.status()).toBe(401);
    await page.close();
  });

  it('shows every group and key, bars move with traffic, a failover appears, a typed name shows its plan; no secret or prompt', async () => {
    const context = await browser.newContext({
      extraHTTPHeaders: { authorization: token },
      viewport: { width: 1400, height: 900 },
    });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const res = await page.goto(`${server.url}/dash/`);
    expect(res?.status()).toBe(200);

    for (const g of ['coding', 'cheap']) await page.locator(`[data-group="${g}"]`).waitFor();
    for (const k of ['alpha/alpha-key-1', 'beta/beta-key-1', 'beta/beta-key-2'])
      await expect(page.locator(`[data-group="coding"] [data-key="${k}"]`).count()).resolves.toBeGreaterThan(
        0,
      );
    const rpmFree = () =>
      page
        .locator('[data-group="coding"] [data-key="alpha/alpha-key-1"] [data-dim="rpm"]')
        .getAttribute('data-free');
    expect(await rpmFree()).toBe('100');

    // Traffic: five requests on alpha's 20 rpm → its rpm bar drops to 75 % free.
    for (let i = 0; i < 5; i++)
      await router.complete({ model: 'coding', messages: [{ role: 'user', content: PROMPT }] });
    await page.waitForFunction(
      () =>
        document
          .querySelector('[data-group="coding"] [data-key="alpha/alpha-key-1"] [data-dim="rpm"]')
          ?.getAttribute('data-free') === '75',
      undefined,
      { timeout: 5_000 },
    );

    // A failover shows up in the list within 2 s.
    a.push({ error: { status: 503, message: `overloaded, your key ${SECRET}, prompt ${PROMPT}` } });
    await router.complete({ model: 'coding', messages: [{ role: 'user', content: PROMPT }] });
    await page
      .locator('#activity tr.failover', { hasText: 'alpha/model-a → beta/model-b' })
      .waitFor({ timeout: 2_000 });
    // The row names the logical model, from the request's own success event (no requestId map).
    expect(await page.locator('#activity tr.failover').first().textContent()).toContain('coding');
    // The charts, queue wait among them (mean per request, from the success events).
    await page.locator('#queueWait-byGroup').waitFor({ timeout: 5_000 });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });

    // The plan of a typed name.
    await page.fill('#plan-model', 'coding');
    await page.click('#plan-form button');
    await page.locator('#plan [data-plan="alpha/model-a"]').waitFor();
    expect(await page.locator('#plan li').count()).toBe(2);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-plan.png` });

    const html = await page.content();
    const api = await Promise.all(
      ['/api/state', '/api/activity', '/api/series', '/api/plan?model=coding'].map(async (p) =>
        (await context.request.get(`${server.url}/dash${p}`)).text(),
      ),
    );
    for (const text of [html, ...api]) {
      expect(text).not.toContain('sk-canary');
      expect(text).not.toContain('canary prompt');
    }
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
