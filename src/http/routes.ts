/** Every module's routes, mounted under /api/v1. */
import { sandboxRoutes } from '../gateways/sandbox/routes.js';
import { accountingRoutes } from '../modules/accounting/routes.js';
import { auditRoutes } from '../modules/audit/routes.js';
import { autopayRoutes } from '../modules/autopay/routes.js';
import { balanceRoutes } from '../modules/balances/routes.js';
import { billRunRoutes } from '../modules/billruns/routes.js';
import { calendarRoutes } from '../modules/calendar/routes.js';
import { catalogRoutes } from '../modules/catalog/routes.js';
import { clockRoutes } from '../modules/clock/routes.js';
import { contactRoutes } from '../modules/contacts/routes.js';
import { creditRoutes } from '../modules/credits/routes.js';
import { customerRoutes } from '../modules/customers/routes.js';
import { emailRoutes } from '../modules/email/routes.js';
import { invoiceRoutes } from '../modules/invoices/routes.js';
import { methodRoutes } from '../modules/methods/routes.js';
import { paymentRunRoutes } from '../modules/paymentruns/routes.js';
import { paymentRoutes } from '../modules/payments/routes.js';
import { portalRoutes } from '../modules/portal/routes.js';
import { searchRoutes } from '../modules/search/routes.js';
import { staffRoutes } from '../modules/staff/routes.js';
import { subscriptionRoutes } from '../modules/subscriptions/routes.js';
import { tenantRoutes } from '../modules/tenants/routes.js';
import { usageRoutes } from '../modules/usage/routes.js';
import { webhookRoutes } from '../modules/webhooks/routes.js';
import type { EndpointPolicy } from '../modules/webhooks/service.js';
import type { App } from './app.js';

export async function registerRoutes(
  app: App,
  opts: { loginRateLimit: number; webhooks: EndpointPolicy },
): Promise<void> {
  await staffRoutes(app, {
    ...opts,
    // The first run's "load the demo data": src/demo.ts drives the API through an app of its
    // own, so it is imported when used, not while this app is being built.
    async loadDemo(db, clock, owner) {
      const { loadFirstRunDemo } = await import('../demo.js');
      await loadFirstRunDemo(db, clock, owner);
    },
  });
  await tenantRoutes(app);
  await clockRoutes(app);
  await auditRoutes(app);
  await customerRoutes(app);
  await contactRoutes(app);
  await catalogRoutes(app);
  await subscriptionRoutes(app);
  await usageRoutes(app);
  await webhookRoutes(app, opts.webhooks);
  await invoiceRoutes(app);
  await billRunRoutes(app);
  await emailRoutes(app);
  await methodRoutes(app);
  await paymentRoutes(app);
  await autopayRoutes(app);
  await paymentRunRoutes(app);
  await calendarRoutes(app);
  await sandboxRoutes(app);
  await creditRoutes(app);
  await balanceRoutes(app);
  await accountingRoutes(app);
  await searchRoutes(app);
  await portalRoutes(app, opts);
}
