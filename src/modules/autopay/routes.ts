import { z } from 'zod';
import type { App } from '../../http/app.js';
import { IdParams } from '../../http/schemas.js';
import { MAX_RULES, RuleInput, RulePatch } from './model.js';
import { getAutopay, reorderRules, replaceRules, setSimpleAutopay, updateRule } from './service.js';

const tags = ['autopay'];

const RuleView = z.object({
  id: z.string(),
  customer_id: z.string(),
  position: z.number(),
  name: z.string(),
  payment_method_id: z.string(),
  criteria: z.array(
    z.object({
      field: z.string(),
      operator: z.string(),
      values: z.array(z.union([z.string(), z.number()])),
    }),
  ),
  enabled: z.boolean(),
  locked: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

const AutopayView = z.object({
  customer_id: z.string(),
  enabled: z.boolean(),
  default_payment_method_id: z.string().nullable(),
  rules: z.array(RuleView),
});

export async function autopayRoutes(app: App): Promise<void> {
  app.get(
    '/customers/:id/autopay',
    {
      schema: {
        operationId: 'getCustomerAutopay',
        tags,
        summary: 'Simple autopay flag, the method it uses, and the ordered rules',
        params: IdParams,
        response: { 200: AutopayView },
      },
    },
    (req) => getAutopay(req.ctx, req.params.id),
  );
  app.patch(
    '/customers/:id/autopay',
    {
      schema: {
        operationId: 'updateCustomerAutopay',
        tags,
        summary: 'Turn simple autopay on (needs a usable method) or off',
        params: IdParams,
        body: z.strictObject({ enabled: z.boolean() }),
        response: { 200: AutopayView },
      },
    },
    (req) => setSimpleAutopay(req.ctx, req.params.id, req.body.enabled),
  );
  app.get(
    '/customers/:id/autopay-rules',
    {
      schema: {
        operationId: 'listAutopayRules',
        tags,
        summary: 'The customer’s autopay rules in precedence order',
        params: IdParams,
        response: { 200: AutopayView },
      },
    },
    (req) => getAutopay(req.ctx, req.params.id),
  );
  app.put(
    '/customers/:id/autopay-rules',
    {
      schema: {
        operationId: 'replaceAutopayRules',
        tags,
        summary: 'Replace the ordered list of rules (keep a rule by giving its id)',
        params: IdParams,
        body: z.strictObject({ rules: z.array(RuleInput).max(MAX_RULES) }),
        response: { 200: AutopayView },
      },
    },
    (req) => replaceRules(req.ctx, req.params.id, req.body.rules),
  );
  app.post(
    '/customers/:id/autopay-rules/reorder',
    {
      schema: {
        operationId: 'reorderAutopayRules',
        tags,
        summary: 'Set the precedence: every live rule id once, first = tried first',
        params: IdParams,
        body: z.strictObject({ ids: z.array(z.string().max(64)).max(MAX_RULES) }),
        response: { 200: AutopayView },
      },
    },
    (req) => reorderRules(req.ctx, req.params.id, req.body.ids),
  );
  app.patch(
    '/autopay-rules/:id',
    {
      schema: {
        operationId: 'updateAutopayRule',
        tags,
        summary: 'Enable, disable, lock, unlock, rename or change a rule',
        params: IdParams,
        body: RulePatch,
        response: { 200: RuleView },
      },
    },
    (req) => updateRule(req.ctx, req.params.id, req.body),
  );
}
