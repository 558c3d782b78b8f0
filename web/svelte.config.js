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
  },
};

export default config;
