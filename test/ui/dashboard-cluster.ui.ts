/**
 * The dashboard against a standalone cluster (a JobManager and a TaskManager, real processes) in a
 * real Chromium: the REST token typed in the page, the overview with the TaskManager and its slots,
 * a job artifact (bundled as `weir submit` bundles it) uploaded from the page and seen running,
 * the TaskManagers page, the logs page, and a cancellation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { bundleJob } from '../../src/cli/job-bundle.ts';
import { StandaloneCluster } from '../cluster/cluster-support.ts';
import { ensureDashboardBuilt, launchChromium, newPage, ROOT, screenshot } from './support.ts';

const TOKEN = 'dashboard-test-token';
describe('web dashboard on a standalone cluster', () => {
  let browser: Browser;
  let cluster: StandaloneCluster | undefined;
  let work: string;

  before(async () => {
    ensureDashboardBuilt();
    work = mkdtempSync(join(tmpdir(), 'weir-ui-cluster-'));
    browser = await launchChromium();
    cluster = await StandaloneCluster.start({
      placement: { kind: 'loopback', taskManagers: 1 },
      slots: 4,
      work,
      token: TOKEN,
      secret: 'dashboard-test-secret',
    });
  });
  after(async () => {
    await browser?.close();
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('loads without the token, asks for it on its page, then goes live', async () => {
    const page = await newPage(browser);
    // Without the token the server refuses the stream: the page says so and points to the token page.
    const response = await page.goto(`${cluster!.url}/`);
    assert.equal(response?.status(), 200, 'the dashboard itself loads without the token');
    await page.locator('.banner .connection-disconnected').waitFor();
    await page.locator('.notice').getByRole('link', { name: 'Access token' }).click();
    await page.getByLabel('REST token').fill(TOKEN);
    await page.getByRole('button', { name: 'Save token' }).click();
    await page.locator('.banner .connection-live').waitFor();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  it('shows the cluster, runs an uploaded artifact and cancels it', async () => {
    const { url } = cluster!;
    const artifact = await bundleJob(join(ROOT, 'test/ui/jobs/dashboard-job.ts'));
    const artifactPath = join(work, artifact.name);
    writeFileSync(artifactPath, artifact.code);

    const page = await newPage(browser);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The browser sends the token with every request, as an authenticating proxy in front of the
    // JobManager would (the page's own token, typed on its page, is the test above).
    await page.context().setExtraHTTPHeaders({ Authorization: `Bearer ${TOKEN}` });
    await page.goto(`${url}/`);
    await page.locator('.banner .connection-live').waitFor();

    // Overview: one TaskManager with its four slots.
    await page.getByRole('link', { name: 'Overview' }).click();
    const stat = (label: string) =>
      page.locator('.stat', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
    await stat('TaskManagers').filter({ hasText: /^1$/ }).waitFor();
    await stat('Slots total').filter({ hasText: /^4$/ }).waitFor();

    // Submit the artifact from the page; follow the link to the new job.
    await page.getByRole('link', { name: 'Submit job' }).click();
    await page.getByLabel('Job artifact (bundled ES module, .mjs)').setInputFiles(artifactPath);
    await page.getByLabel('Parallelism (optional)').fill('2');
    await page.getByRole('button', { name: 'Submit job' }).click();
    const jobLink = page.locator('.submit-status a');
    await jobLink.waitFor({ timeout: 60_000 });
    await jobLink.click();
    await page.getByRole('heading', { name: 'dashboard test job' }).waitFor();
    const rates = page.locator('g.vertex', { hasText: 'events' }).locator('.vertex-rates');
    await rates.filter({ hasText: /Out: \d/ }).waitFor({ timeout: 60_000 });
    const first = (await rates.textContent()) ?? '';
    await rates.filter({ hasNotText: first }).waitFor({ timeout: 30_000 });
    await page.locator('.job-meta .state-running').waitFor();

    // The overview counts the running job and the slots it takes.
    await page.getByRole('link', { name: 'Overview' }).click();
    await stat('Jobs running').filter({ hasText: /^1$/ }).waitFor();
    await stat('Slots available')
      .filter({ hasText: /^[0-3]$/ })
      .waitFor();
    await page
      .getByRole('table', { name: /All jobs/ })
      .getByRole('link', { name: 'dashboard test job' })
      .waitFor();
    await screenshot(page, 'dashboard-overview-cluster');

    // TaskManagers: the one TaskManager, its slots and memory; its log from there.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'TaskManagers' }).click();
    const row = page.getByRole('table', { name: /1 registered TaskManagers/ }).locator('tbody tr');
    await row.filter({ hasText: /\d \/ 4/ }).waitFor();
    await row.filter({ hasText: /MiB|GiB/ }).waitFor();
    await screenshot(page, 'dashboard-taskmanagers');
    await row.getByRole('link', { name: /Log of TaskManager/ }).click();
    await page.getByRole('heading', { name: /TaskManager .* log/ }).waitFor();
    await page.locator('pre.log').filter({ hasText: /\S/ }).waitFor();
    await page
      .getByRole('navigation', { name: 'Log sources' })
      .getByRole('link', { name: 'JobManager' })
      .click();
    await page
      .locator('pre.log')
      .filter({ hasText: /JobManager/ })
      .waitFor();

    // Cancel from the job's page.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page
      .getByRole('table', { name: /All jobs/ })
      .getByRole('link', { name: 'dashboard test job' })
      .click();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.locator('.job-meta .state-canceled').waitFor({ timeout: 60_000 });
    assert.deepEqual(pageErrors, []);
  });
});
