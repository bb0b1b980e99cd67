/**
 * The dashboard against `weir run --web`, in a real Chromium: an unbounded event-time job with a
 * slow sink and checkpoints; the job graph with live rates and back-pressure, a vertex opened with
 * the keyboard, watermarks, checkpoints, a savepoint and a cancellation taken from the page.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { Children, until } from '../faults/support.ts';
import {
  dashboardUrl,
  ensureDashboardBuilt,
  launchChromium,
  newPage,
  ROOT,
  screenshot,
  WEIR,
} from './support.ts';

const JOB = join(ROOT, 'test/ui/jobs/dashboard-job.ts');

describe('web dashboard on weir run --web', () => {
  const children = new Children();
  let browser: Browser;
  let work: string;

  before(async () => {
    ensureDashboardBuilt();
    work = mkdtempSync(join(tmpdir(), 'weir-ui-run-'));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await children.killAll();
    rmSync(work, { recursive: true, force: true });
  });

  it('shows the live job graph, watermarks and checkpoints, takes a savepoint and cancels the job', async () => {
    const run = children.spawn(
      process.execPath,
      [
        WEIR,
        'run',
        JOB,
        '--web',
        '--web-port',
        '0',
        '--parallelism',
        '2',
        '--savepoint-dir',
        join(work, 'savepoints'),
      ],
      {
        cwd: work,
        env: {
          ...process.env,
          NODE_OPTIONS: '--conditions=weir-source',
          WEIR_UI_CHECKPOINTS: join(work, 'checkpoints'),
        },
      },
    );
    const output = () => run.stdout() + run.stderr();
    await until(
      () => {
        if (run.child.exitCode !== null)
          throw new Error(`weir run exited ${run.child.exitCode}:\n${output()}`);
        return dashboardUrl(run.stderr()) !== undefined || dashboardUrl(run.stdout()) !== undefined;
      },
      60_000,
      'the dashboard line of weir run',
    );
    const url = dashboardUrl(run.stderr()) ?? dashboardUrl(run.stdout())!;
    const page = await newPage(browser);
    const consoleErrors: string[] = [];
    page.on('pageerror', (error) => consoleErrors.push(error.message));

    // Overview: the job is listed; its link opens it.
    await page.goto(url);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('.connection-live').first().waitFor();
    await screenshot(page, 'dashboard-overview');

    // Keyboard: Tab goes through the skip link and the main navigation in order; Enter follows a link.
    const focused = () =>
      page.evaluate(
        '(e => e && (e.getAttribute("aria-label") || (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent))(document.activeElement)',
      );
    const order: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    assert.deepEqual(order, [
      'Skip to content',
      'Overview',
      'Submit job',
      'TaskManagers',
      'Logs',
      'Access token',
    ]);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(), 'TaskManagers');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'TaskManagers' }).waitFor();
    assert.equal(new URL(page.url()).hash, '#/taskmanagers');
    await page
      .getByRole('table', { name: /registered TaskManagers/ })
      .locator('tbody tr')
      .first()
      .waitFor();
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'dashboard test job' }).click();

    // The graph: a source, the window chain and the slow sink, with records/s that change.
    await page.getByRole('heading', { name: 'dashboard test job' }).waitFor();
    // After the navigation, Tab reaches the job's actions in order, then its views.
    await page.getByRole('link', { name: 'Access token' }).focus();
    const actions: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      actions.push(await focused());
    }
    assert.deepEqual(actions, [
      'Savepoint target directory (optional)',
      'Trigger savepoint',
      'Cancel job',
      'Graph',
    ]);
    const source = page.locator('g.vertex', { hasText: 'events' }).first();
    await source.waitFor();
    assert.ok((await page.locator('g.vertex').count()) >= 3, 'three vertices at least');
    await page.locator('.edge-label', { hasText: 'HASH' }).first().waitFor();
    const rates = source.locator('.vertex-rates');
    await rates.filter({ hasText: /Out: \d/ }).waitFor({ timeout: 30_000 });
    const first = (await rates.textContent()) ?? '';
    await rates.filter({ hasNotText: first }).waitFor({ timeout: 30_000 });
    // The slow sink back-pressures the generator: Flink's colours show it.
    await page.locator('g.vertex-backpressured', { hasText: 'events' }).waitFor({ timeout: 60_000 });
    // ... and the sink, waiting on its own writes, is the busy one (the cause, not a symptom).
    await page.locator('g.vertex-busy', { hasText: 'slow sink' }).waitFor({ timeout: 60_000 });
    await page.locator('.legend').getByText('Back-pressured (high)').waitFor();
    await page.locator('.chart canvas').first().waitFor();

    // A vertex is a button: focus it, Enter opens its subtasks.
    await source.focus();
    await page.keyboard.press('Enter');
    const subtasks = page.getByRole('table', { name: /Subtasks of/ });
    await subtasks.waitFor();
    assert.equal(await subtasks.locator('tbody tr').count(), 2, 'a row per subtask');
    await subtasks.locator('tbody tr', { hasText: 'RUNNING' }).first().waitFor();
    await page.locator('.operators', { hasText: 'events' }).waitFor();
    await page.getByRole('button', { name: 'Close vertex details' }).click();
    await subtasks.waitFor({ state: 'detached' });

    // Watermarks: per subtask, the slowest input picked out.
    await page
      .getByRole('navigation', { name: 'Job views' })
      .getByRole('link', { name: 'Watermarks' })
      .click();
    await page.getByRole('heading', { name: 'Watermarks' }).waitFor();
    await page.getByText('window cannot fire until this input advances').first().waitFor({ timeout: 30_000 });
    await page
      .locator('.slowest-input mark', { hasText: /\d{4}-\d{2}-\d{2} / })
      .first()
      .waitFor();
    await screenshot(page, 'dashboard-watermarks');

    // Checkpoints: at least two completed, in the history table.
    await page
      .getByRole('navigation', { name: 'Job views' })
      .getByRole('link', { name: 'Checkpoints' })
      .click();
    const completed = page
      .locator('.stat', { has: page.locator('dt', { hasText: /^Completed$/ }) })
      .locator('dd');
    await completed.filter({ hasText: /^(?:[2-9]|\d{2,})$/ }).waitFor({ timeout: 60_000 });
    await page.locator('table.checkpoint-history tr.checkpoint-completed').nth(1).waitFor();
    await screenshot(page, 'dashboard-checkpoints');

    // Back on the graph (its chart has a few seconds of history by now), for the docs' picture.
    await page.getByRole('navigation', { name: 'Job views' }).getByRole('link', { name: 'Graph' }).click();
    await page.locator('g.vertex-backpressured', { hasText: 'events' }).waitFor();
    await screenshot(page, 'dashboard-job-graph');

    // A savepoint from the page: its progress, then where it is; the directory exists.
    await page.getByRole('button', { name: 'Trigger savepoint' }).click();
    const location = page.locator('.savepoint-location');
    await location.waitFor({ timeout: 60_000 });
    const text = (await location.textContent())!.trim();
    const path = text.startsWith('file:') ? fileURLToPath(text) : text;
    assert.ok(existsSync(path) && statSync(path).isDirectory(), `savepoint directory ${path} exists`);
    assert.ok(path.startsWith(join(work, 'savepoints')), `${path} is in --savepoint-dir`);

    // Cancel, after the confirmation: the job ends and weir run exits.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await until(
      () => run.child.exitCode !== null || run.child.signalCode !== null,
      60_000,
      'weir run to exit',
    );
    assert.match(
      output(),
      /cancel/i,
      `weir run says the job was canceled (exit ${run.child.exitCode}):\n${output()}`,
    );
    assert.deepEqual(consoleErrors, []);
  });

  it("shows a failing job's exceptions with the task and the record", async () => {
    const run = children.spawn(
      process.execPath,
      [WEIR, 'run', join(ROOT, 'test/ui/jobs/failing-job.ts'), '--web', '--web-port', '0'],
      { cwd: work, env: { ...process.env, NODE_OPTIONS: '--conditions=weir-source' } },
    );
    await until(
      () => {
        if (run.child.exitCode !== null)
          throw new Error(`weir run exited ${run.child.exitCode}:\n${run.stderr()}`);
        return dashboardUrl(run.stderr()) !== undefined;
      },
      60_000,
      'the dashboard line of weir run',
    );
    const page = await newPage(browser);
    await page.goto(dashboardUrl(run.stderr())!);
    await page.getByRole('link', { name: 'failing payments' }).click();
    await page
      .getByRole('navigation', { name: 'Job views' })
      .getByRole('link', { name: 'Exceptions' })
      .click();
    await page.getByRole('heading', { name: 'Root exception' }).waitFor();
    const entry = page.locator('.exception-history li').first();
    await entry.waitFor({ timeout: 60_000 });
    await entry.filter({ hasText: 'parse amount' }).waitFor();
    await entry.locator('pre.record', { hasText: 'twelve' }).waitFor();
    await page.locator('pre.exception', { hasText: 'is not a number' }).first().waitFor();
    await screenshot(page, 'dashboard-exceptions');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await until(
      () => run.child.exitCode !== null || run.child.signalCode !== null,
      60_000,
      'weir run to exit',
    );
  });
});
