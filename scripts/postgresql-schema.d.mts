/** Where the derived PostgreSQL schema is written. */
export declare const POSTGRESQL_SCHEMA: string;
/** The PostgreSQL schema text for a SQLite schema text. */
export declare function postgresqlSchema(text: string): string;
/** Writes the derived schema; returns its path. */
export declare function writePostgresqlSchema(): string;
