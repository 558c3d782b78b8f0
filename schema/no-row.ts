// The answer of a nullable Prisma field that finds no row to load.

/**
 * A nullable Prisma field's answer when there is no row to load: null, its query marked read. Pothos's
 * unused-query warning (see builder.ts) is for a resolver that loads rows its own way (a likely N+1);
 * finding nothing to load is not that, and warned of on every page of experiments it drowned the real ones.
 */
export function noRow(query: object): null {
  void { ...query };
  return null;
}
