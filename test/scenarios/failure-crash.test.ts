/**
 * A failed charge's follow-up survives a crash (issue 9, F2): the retry date and the failure
 * email are written in the transaction that records the failure. A process that dies between
 * the gateway's decline and that transaction leaves the payment pending; reconcile asks the
 * gateway again, records the decline, and with it the retry date and the email.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CollectInput } from '../../src/modules/payments/service.js';
import { loadTenant } from '../../src/modules/tenants/service.js';
import { type TestTenant, useTenant } from '../helpers/app.js';
import { contact, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { CARD_INSUFFICIENT, cardBody, saveMethod } from '../helpers/payment-methods.js';
import { emailsOf, paymentOf, runDue } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, '../helpers/processes/crash-after-charge.ts');

const h = useHarness();
const t = useTenant(h, { each: true });

/** Runs the crashing child: it reserves and charges, then dies before recording the answer. */
async function chargeThenDie(tenant: TestTenant, input: CollectInput) {
  const child = run(process.execPath, ['--import', 'tsx', CHILD], {
    env: {
      ...process.env,
      BILLOW_CHILD: JSON.stringify({
        poolConfig: h.testDb.poolConfig,
        kind: h.testDb.db.kind,
        tenant: await loadTenant(h.testDb.db, tenant.id),
        clockMs: h.clock.now().getTime(),
        input,
      }),
    },
    timeout: 60_000,
  });
  const died = await child.then(
    () => null,
    (err: { signal?: string; stdout?: string }) => err,
  );
  expect(died?.signal).toBe('SIGKILL');
  return JSON.parse(died?.stdout ?? '') as {
    paymentId: string;
    answer: { status: string; declineCode?: string };
  };
}

async function decliningCustomer(tenant: TestTenant) {
  const cus = await newCustomer(tenant);
  const pm = await saveMethod(tenant, cus.id, cardBody(CARD_INSUFFICIENT));
  await contact(tenant, cus.id, { name: 'Dana Lee', email: `dana-${cus.id}@example.com` });
  return { id: cus.id, methodId: pm.id };
}

describe('a crash between the decline and its recording', () => {
  it('an autopay charge gets its retry date and email when reconciled', async () => {
    const c = await decliningCustomer(t);
    const inv = await postedInvoice(t, c.id, 6_000);
    const { paymentId, answer } = await chargeThenDie(t, {
      customerId: c.id,
      paymentMethodId: c.methodId,
      amount: 6_000,
      allocations: [{ invoice_id: inv, amount: 6_000 }],
      source: 'autopay',
      autopayInvoiceId: inv,
    });
    expect(answer).toMatchObject({ status: 'failed', declineCode: 'insufficient_funds' });
    // The process died: the payment is still pending, with neither retry nor email.
    expect(await paymentOf(t, paymentId)).toMatchObject({
      status: 'pending',
      next_retry_date: null,
    });
    expect(await emailsOf(h, t, c.id, 'payment_failed')).toHaveLength(0);

    const due = await runDue(h, t, { reconcileAfterMs: 0 });
    expect(due.reconciled).toBe(1);
    // Failed on 2026-11-22 (the harness clock): the first retry is 3 days later.
    expect(await paymentOf(t, paymentId)).toMatchObject({
      status: 'failed',
      decline_code: 'insufficient_funds',
      retry_count: 0,
      next_retry_date: '2026-11-25',
    });
    const emails = await emailsOf(h, t, c.id, 'payment_failed');
    expect(emails).toHaveLength(1);
    expect(emails[0]?.body_text).toContain('2026-11-25');
    // Reconciling again finds nothing and writes nothing twice.
    expect((await runDue(h, t, { reconcileAfterMs: 0 })).reconciled).toBe(0);
    expect(await emailsOf(h, t, c.id, 'payment_failed')).toHaveLength(1);
    await expectBooksBalance(h, t.id);
  }, 90_000);

  it('a manual payment gets its failure email, and no automatic retry', async () => {
    const c = await decliningCustomer(t);
    const inv = await postedInvoice(t, c.id, 4_000);
    const { paymentId } = await chargeThenDie(t, {
      customerId: c.id,
      paymentMethodId: c.methodId,
      amount: 4_000,
      allocations: [{ invoice_id: inv, amount: 4_000 }],
      source: 'manual',
    });
    expect(await emailsOf(h, t, c.id, 'payment_failed')).toHaveLength(0);
    expect((await runDue(h, t, { reconcileAfterMs: 0 })).reconciled).toBe(1);
    expect(await paymentOf(t, paymentId)).toMatchObject({
      status: 'failed',
      next_retry_date: null,
    });
    expect(await emailsOf(h, t, c.id, 'payment_failed')).toHaveLength(1);
    await expectBooksBalance(h, t.id);
  }, 90_000);
});
