import { z } from 'zod';
import type { App } from '../../http/app.js';
import { IdParams, NoBody } from '../../http/schemas.js';
import {
  ContactCreate,
  ContactListQuery,
  ContactPatch,
  ContactView,
  ProfileCreate,
  ProfilePatch,
  ProfileView,
} from './model.js';
import { createProfile, deleteProfile, listProfiles, updateProfile } from './profiles.js';
import {
  createContact,
  getContact,
  listContacts,
  revokeContact,
  updateContact,
} from './service.js';

export async function contactRoutes(app: App): Promise<void> {
  app.get(
    '/customers/:id/contacts',
    {
      schema: {
        operationId: 'listCustomerContacts',
        errors: ['customer_not_found', 'invalid_cursor'],
        tags: ['contacts'],
        summary: 'A customer’s contacts: newest first or by name or email, with search',
        params: IdParams,
        querystring: ContactListQuery,
        response: {
          200: z.object({ data: z.array(ContactView), next_cursor: z.string().nullable() }),
        },
      },
    },
    (req) => listContacts(req.ctx, req.params.id, req.query),
  );
  app.post(
    '/customers/:id/contacts',
    {
      schema: {
        operationId: 'createContact',
        errors: [
          'contact_email_taken',
          'contact_profile_not_found',
          'customer_archived',
          'customer_not_found',
        ],
        tags: ['contacts'],
        summary: 'Add a contact to a customer (the default profile unless one is named)',
        params: IdParams,
        body: ContactCreate,
        response: { 201: ContactView },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createContact(req.ctx, req.params.id, req.body)),
  );
  app.get(
    '/contacts/:id',
    {
      schema: {
        operationId: 'getContact',
        errors: ['contact_not_found'],
        tags: ['contacts'],
        summary: 'A contact with its profile and whether it can see invoices',
        params: IdParams,
        response: { 200: ContactView },
      },
    },
    (req) => getContact(req.ctx, req.params.id),
  );
  app.patch(
    '/contacts/:id',
    {
      schema: {
        operationId: 'updateContact',
        errors: ['contact_not_found', 'contact_profile_not_found', 'contact_revoked'],
        tags: ['contacts'],
        summary: 'Change a contact’s details or profile',
        params: IdParams,
        body: ContactPatch,
        response: { 200: ContactView },
      },
    },
    (req) => updateContact(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/contacts/:id/revoke',
    {
      schema: {
        operationId: 'revokeContact',
        errors: ['contact_not_found', 'contact_revoked'],
        tags: ['contacts'],
        summary: 'Revoke a contact’s access for good',
        params: IdParams,
        body: NoBody,
        response: { 200: ContactView },
      },
    },
    (req) => revokeContact(req.ctx, req.params.id),
  );

  app.get(
    '/contact-profiles',
    {
      schema: {
        operationId: 'listContactProfiles',
        tags: ['contact profiles'],
        summary: 'The tenant’s contact profiles (access levels)',
        response: { 200: z.object({ data: z.array(ProfileView) }) },
      },
    },
    async (req) => ({ data: await listProfiles(req.ctx) }),
  );
  app.post(
    '/contact-profiles',
    {
      schema: {
        operationId: 'createContactProfile',
        errors: ['contact_profile_name_taken'],
        tags: ['contact profiles'],
        summary: 'Define a contact profile (owner, admin)',
        body: ProfileCreate,
        response: { 201: ProfileView },
      },
    },
    async (req, reply) => reply.code(201).send(await createProfile(req.ctx, req.body)),
  );
  app.patch(
    '/contact-profiles/:id',
    {
      schema: {
        operationId: 'updateContactProfile',
        errors: ['contact_profile_name_taken', 'contact_profile_not_found'],
        tags: ['contact profiles'],
        summary: 'Rename a profile, change its permissions, or make it the default',
        params: IdParams,
        body: ProfilePatch,
        response: { 200: ProfileView },
      },
    },
    (req) => updateProfile(req.ctx, req.params.id, req.body),
  );
  app.delete(
    '/contact-profiles/:id',
    {
      schema: {
        operationId: 'deleteContactProfile',
        errors: [
          'contact_profile_in_use',
          'contact_profile_is_default',
          'contact_profile_not_found',
        ],
        tags: ['contact profiles'],
        summary: 'Delete a profile no active contact uses (never the default)',
        params: IdParams,
        response: { 200: ProfileView },
      },
    },
    (req) => deleteProfile(req.ctx, req.params.id),
  );
}
