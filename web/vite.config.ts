import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

/** Where `npm run dev` runs the API server (scripts/dev.mjs). */
const API = 'http://127.0.0.1:4000';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/graphql': { target: API, ws: true },
      '/healthz': { target: API },
      '/api': { target: API },
    },
  },
});
