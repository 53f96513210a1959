import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The built page is served by the Go backend under a strict CSP (no inline
// script or style), so CSS goes to files and no module preload polyfill is
// inlined.
export default defineConfig({
  plugins: [svelte({ compilerOptions: { css: 'external' } })],
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'admin/src/**/*.test.ts'],
  },
});
