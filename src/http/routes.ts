/** Every module's routes, mounted under /api/v1. */
import { auditRoutes } from '../modules/audit/routes.js';
import { clockRoutes } from '../modules/clock/routes.js';
import { contactRoutes } from '../modules/contacts/routes.js';
import { customerRoutes } from '../modules/customers/routes.js';
import { staffRoutes } from '../modules/staff/routes.js';
import { tenantRoutes } from '../modules/tenants/routes.js';
import { webhookRoutes } from '../modules/webhooks/routes.js';
import type { App } from './app.js';

export async function registerRoutes(app: App, opts: { loginRateLimit: number }): Promise<void> {
  await staffRoutes(app, opts);
  await tenantRoutes(app);
  await clockRoutes(app);
  await auditRoutes(app);
  await customerRoutes(app);
  await contactRoutes(app);
  await webhookRoutes(app);
}
