// See https://svelte.dev/docs/kit/types#app.d.ts for the interfaces SvelteKit lets an app declare.
declare global {
  namespace App {}
}

export {};
