import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  compilerOptions: {
    // Runes everywhere in our own components; libraries decide for themselves.
    runes: ({ filename }) => (filename.split(/[/\\]/).includes('node_modules') ? undefined : true),
  },
  kit: {
    // Relative to web/: the API server imports web/build/handler.js (server/dashboard.ts).
    adapter: adapter({ out: 'build' }),
    // adapter-node takes every request for https unless ORIGIN is set, which Oscar cannot know (PORT=0,
    // any host name), so SvelteKit's own origin check would refuse every form post over plain http.
    // hooks.server.ts checks the same thing against the Host header instead (sameOriginPost).
    csrf: { trustedOrigins: ['*'] },
  },
};

export default config;
