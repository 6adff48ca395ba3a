/**
 * The Settings tabs kept in their own files (email templates, gateway, contact profiles):
 * Settings.tsx lists them after its own tabs and renders the chosen one.
 */
import type { ReactNode } from 'react';
import { ContactProfilesTab } from './ContactProfiles';
import { EmailTemplatesTab } from './EmailTemplates';
import { GatewayTab } from './Gateway';

export const MORE_SETTINGS_TABS: { value: string; label: string; render: () => ReactNode }[] = [
  { value: 'contact-profiles', label: 'Contact profiles', render: () => <ContactProfilesTab /> },
  { value: 'email-templates', label: 'Email templates', render: () => <EmailTemplatesTab /> },
  { value: 'gateway', label: 'Gateway', render: () => <GatewayTab /> },
];
