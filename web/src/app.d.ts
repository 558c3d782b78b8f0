import type { IncomingMessage } from 'node:http';

// See https://svelte.dev/docs/kit/types#app.d.ts for the interfaces SvelteKit lets an app declare.
declare global {
  namespace App {
    interface Locals {
      /** The signed-in user, decoded from the session cookie by hooks.server.ts; null when signed out. */
      user: { readonly id: string; readonly email: string } | null;
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
