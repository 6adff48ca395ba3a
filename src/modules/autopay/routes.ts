import { z } from 'zod';
import type { App } from '../../http/app.js';
import { IdParams } from '../../http/schemas.js';
import { MAX_RULES, RuleInput, RulePatch } from './model.js';
import {
  getAutopay,
  reorderRules,
  replaceRules,
  setAutopayLock,
  setSimpleAutopay,
  updateRule,
} from './service.js';

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
  locked: z.boolean().describe('Staff locked simple autopay: contacts cannot change it'),
  default_payment_method_id: z.string().nullable(),
  rules: z.array(RuleView),
});

export async function autopayRoutes(app: App): Promise<void> {
  app.get(
    '/customers/:id/autopay',
    {
      schema: {
        operationId: 'getCustomerAutopay',
        errors: ['customer_not_found'],
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
        errors: ['autopay_needs_method', 'customer_not_found'],
        tags,
        summary: 'Turn simple autopay on (needs a usable method) or off; lock it for contacts',
        params: IdParams,
        body: z
          .strictObject({
            enabled: z.boolean().optional(),
            locked: z
              .boolean()
              .optional()
              .describe('Lock simple autopay so contacts cannot change it in the portal'),
          })
          .refine((b) => b.enabled !== undefined || b.locked !== undefined, {
            message: 'give "enabled", "locked" or both',
          }),
        response: { 200: AutopayView },
      },
    },
    async (req) => {
      const { enabled, locked } = req.body;
      let view =
        enabled === undefined ? undefined : await setSimpleAutopay(req.ctx, req.params.id, enabled);
      if (locked !== undefined) view = await setAutopayLock(req.ctx, req.params.id, locked);
      return view ?? getAutopay(req.ctx, req.params.id);
    },
  );
  app.get(
    '/customers/:id/autopay-rules',
    {
      schema: {
        operationId: 'listAutopayRules',
        errors: ['customer_not_found'],
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
        errors: ['autopay_rule_invalid', 'autopay_rule_locked', 'customer_not_found'],
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
        errors: ['autopay_rules_mismatch', 'customer_not_found'],
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
        errors: ['autopay_rule_locked', 'autopay_rule_not_found'],
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
