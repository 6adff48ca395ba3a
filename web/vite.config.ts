/**
 * One Vite project, two apps: the staff console and the customer portal, each its own HTML entry,
 * sharing hashed assets under /assets/. The server (src/http/web.ts) serves dist/ and puts a fresh
 * CSP nonce where Vite wrote the placeholder.
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  // Vite puts this on its script and style tags and in <meta property="csp-nonce">; the server
  // replaces it with each response's nonce.
  html: { cspNonce: '__BILLOW_CSP_NONCE__' },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Vite's default warning (500 kB) stays: each page is its own chunk, loaded on first visit
    // (console/pages/lazy.ts, portal/pages/lazy.ts), so the first load is the frame, React,
    // Mantine's core and the router (~350 kB); a chunk past the limit means a page grew a heavy
    // import that belongs in a lazy page.
    rollupOptions: {
      input: {
        console: resolve(here, 'console/index.html'),
        portal: resolve(here, 'portal/index.html'),
      },
    },
  },
  server: {
    // `npm run dev:web` beside a running `npm start`: one origin, so cookies behave as served.
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
