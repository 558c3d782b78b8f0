import { onMount } from 'svelte';

/**
 * Whether the calling component has hydrated in the browser. A page rendered on the server shows its
 * buttons before their handlers are attached; buttons that only work with JavaScript are disabled
 * until then (`disabled={!live.current}`), so a click made before the page is live is not silently lost.
 * Call during component initialisation.
 */
export function hydrated(): { readonly current: boolean } {
  let current = $state(false);
  onMount(() => {
    current = true;
  });
  return {
    get current() {
      return current;
    },
  };
}
