-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Experiment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "description" TEXT NOT NULL DEFAULT '',
    "notes" TEXT NOT NULL DEFAULT '',
    "tags" JSONB,
    "parameters" JSONB NOT NULL,
    "algorithm" TEXT NOT NULL DEFAULT 'auto',
    "seed" INTEGER NOT NULL,
    "nextTrialNumber" INTEGER NOT NULL DEFAULT 1,
    "leaseSeconds" INTEGER NOT NULL DEFAULT 120,
    "pruner" JSONB,
    "objectives" JSONB,
    "constraints" JSONB,
    "optimizerState" JSONB,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "queuedCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "archivedAt" DATETIME,
    CONSTRAINT "Experiment_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Experiment" ("algorithm", "archivedAt", "constraints", "createdAt", "description", "id", "leaseSeconds", "name", "nextTrialNumber", "objectives", "optimizerState", "ownerId", "parameters", "pruner", "queuedCount", "revision", "seed", "updatedAt", "version") SELECT "algorithm", "archivedAt", "constraints", "createdAt", "description", "id", "leaseSeconds", "name", "nextTrialNumber", "objectives", "optimizerState", "ownerId", "parameters", "pruner", "queuedCount", "revision", "seed", "updatedAt", "version" FROM "Experiment";
DROP TABLE "Experiment";
ALTER TABLE "new_Experiment" RENAME TO "Experiment";
CREATE INDEX "Experiment_ownerId_archivedAt_idx" ON "Experiment"("ownerId", "archivedAt");
CREATE UNIQUE INDEX "Experiment_ownerId_name_version_key" ON "Experiment"("ownerId", "name", "version");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
