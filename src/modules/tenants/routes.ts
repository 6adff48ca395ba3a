import type { App } from '../../http/app.js';
import { TenantPatch, TenantView } from './model.js';
import { getTenant, updateTenant } from './service.js';

export async function tenantRoutes(app: App): Promise<void> {
  app.get(
    '/tenant',
    {
      schema: {
        operationId: 'getTenant',
        tags: ['tenant'],
        summary: 'The tenant and its settings',
        response: { 200: TenantView },
      },
    },
    (req) => getTenant(req.ctx),
  );
  app.patch(
    '/tenant',
    {
      schema: {
        operationId: 'updateTenant',
        tags: ['tenant'],
        summary: 'Change the name, time zone or settings (owner, admin)',
        body: TenantPatch,
        response: { 200: TenantView },
      },
    },
    (req) => updateTenant(req.ctx, req.body),
  );
}
