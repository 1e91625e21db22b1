import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeadlessChromium, launchChromium } from './kit/chromium.js';
import { type ServiceProcess, spawnServiceProcess } from './kit/service-process.js';

describe('GET /docs in a real browser', () => {
  let service: ServiceProcess;
  let chromium: HeadlessChromium;

  beforeAll(async () => {
    [service, chromium] = await Promise.all([
      spawnServiceProcess({ env: { DATABASE_URL: 'sqlite::memory:' } }),
      launchChromium(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await service?.stop();
  });

  it('renders every operation of the OpenAPI document, from the service alone', async () => {
    const page = await chromium.context.newPage();
    const origin = new URL(service.baseUrl).origin;
    const offsite: string[] = [];
    const pageErrors: string[] = [];
    // The docs must work on an instance without internet access: nothing may leave the service.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
      offsite.push(url);
      return route.abort();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));

    const response = await page.goto(`${service.baseUrl}/docs`, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(200);
    // What a reader sees: the text as rendered by the browser (hidden elements excluded).
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
    const renderedText = () => page.locator('body').innerText();
    // The page renders the operations in the browser, from /openapi.json.
    await expect.poll(renderedText, { timeout: 15_000 }).toMatch(/POST\s+\/sales/);
    const text = await renderedText();

    const openApi = await service.admin.get<{ paths: Record<string, Record<string, unknown>> }>(
      '/openapi.json',
    );
    const operations = Object.entries(openApi.body.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toContain('POST /sales');
    expect(operations).toContain('GET /cars');
    const missing = operations.filter((operation) => {
      const [method, path] = operation.split(' ') as [string, string];
      const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      return !new RegExp(`(^|\\s)${method}\\s+${escaped}(?=\\s|$)`).test(text);
    });
    expect(missing).toEqual([]);
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
    // Swagger UI shows problems it finds in the document (an unsupported field, a bad $ref) in a box.
    expect(await page.locator('.errors-wrapper').count()).toBe(0);
    expect(text).not.toMatch(/Warning|Errors\s/);
  }, 60_000);
});
