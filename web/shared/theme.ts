/**
 * The one theme of both apps. Mantine's default shade 6 fails WCAG AA contrast on filled buttons
 * and red text; shade 8 with autoContrast and a darker error colour pass axe.
 */
import { type CSSVariablesResolver, createTheme } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 8,
  autoContrast: true,
  // People who ask their system for less motion get drawers and dialogs without fades.
  respectReducedMotion: true,
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
});

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-error': 'var(--mantine-color-red-9)',
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-placeholder': 'var(--mantine-color-gray-7)',
  },
  dark: {},
});

/** The nonce the server put in <meta property="csp-nonce">, for Mantine's <style> tags. */
export function cspNonce(): string {
  // The property, not the attribute: browsers blank the attribute of a nonce once it is parsed.
  const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
  return meta?.nonce || meta?.getAttribute('nonce') || '';
}
