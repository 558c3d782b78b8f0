import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  compilerOptions: {
    // Runes everywhere in our own components; libraries decide for themselves.
    runes: ({ filename }) => (filename.split(/[/\\]/).includes('node_modules') ? undefined : true),
  },
  kit: {
    // Relative to web/: the API server imports web/build/handler.js (server/dashboard.ts).
    // server/dashboard.ts tells the handler each request's protocol, for SvelteKit's origin check.
    adapter: adapter({ out: 'build' }),
    // Every page gets a Content-Security-Policy header; 'auto' puts a fresh nonce on SvelteKit's inline
    // script in each server-rendered page (a hash on prerendered ones), so no other script can run.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        // Inline style attributes: Svelte's style: directives, and ECharts' tooltips and canvases.
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        // 'self' also allows ws(s): to this host and port (CSP Level 3), for the live trial updates.
        'connect-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};

export default config;
