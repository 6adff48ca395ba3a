/**
 * The installation's public address (BILLOW_PUBLIC_URL, or the address the server listens on)
 * and the portal links emails carry. Set once at start-up by the server, the worker processes
 * and the tests (configurePublicUrl); read by every module that writes a link into an email.
 */
const DEFAULT_URL = 'http://127.0.0.1:3000';
let base = DEFAULT_URL;

export function configurePublicUrl(url: string | undefined): void {
  base = (url ?? DEFAULT_URL).replace(/\/+$/, '');
}

export function publicUrl(): string {
  return base;
}

/** `/portal` plus `path` on the public address: portalUrl('/accept?token=…'). */
export function portalUrl(path = ''): string {
  return `${base}/portal${path}`;
}
