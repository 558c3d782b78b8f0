import type { IncomingMessage } from 'node:http';

// See https://svelte.dev/docs/kit/types#app.d.ts for the interfaces SvelteKit lets an app declare.
declare global {
  namespace App {
    interface Locals {
      /** The signed-in user, decoded from the session cookie by hooks.server.ts; null when signed out. */
      user: { readonly id: string; readonly email: string } | null;
      /**
       * `Link` header values a page's server load asks for (a preload of the data it reads next); hooks.server.ts
       * puts them before SvelteKit's own (its modulepreloads) on the page's HTML response.
       */
      preload?: string[];
    }
    interface PageData {
      user: App.Locals['user'];
    }
    interface Platform {
      /** The Node request (adapter-node); absent under `vite dev`. */
      readonly req?: IncomingMessage;
    }
  }
}

export {};
