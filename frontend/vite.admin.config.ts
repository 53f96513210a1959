import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte, vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// The admin console: a second page built with the same tooling, into the
// Go package that embeds it (signaling/adminui) for quickhelp-server to
// serve under /admin/ with a strict CSP (no inline script or style).
export default defineConfig({
  root: fileURLToPath(new URL('./admin', import.meta.url)),
  plugins: [svelte({ configFile: false, preprocess: vitePreprocess(), compilerOptions: { css: 'external' } })],
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../signaling/adminui/dist', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
  },
});
