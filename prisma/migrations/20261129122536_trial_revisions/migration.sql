-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Experiment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "description" TEXT NOT NULL DEFAULT '',
    "parameters" JSONB NOT NULL,
    "algorithm" TEXT NOT NULL DEFAULT 'auto',
    "seed" INTEGER NOT NULL,
    "nextTrialNumber" INTEGER NOT NULL DEFAULT 1,
    "leaseSeconds" INTEGER NOT NULL DEFAULT 120,
    "optimizerState" JSONB,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "archivedAt" DATETIME,
    CONSTRAINT "Experiment_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Experiment" ("algorithm", "archivedAt", "createdAt", "description", "id", "leaseSeconds", "name", "nextTrialNumber", "optimizerState", "ownerId", "parameters", "seed", "updatedAt", "version") SELECT "algorithm", "archivedAt", "createdAt", "description", "id", "leaseSeconds", "name", "nextTrialNumber", "optimizerState", "ownerId", "parameters", "seed", "updatedAt", "version" FROM "Experiment";
DROP TABLE "Experiment";
ALTER TABLE "new_Experiment" RENAME TO "Experiment";
CREATE INDEX "Experiment_ownerId_archivedAt_idx" ON "Experiment"("ownerId", "archivedAt");
CREATE UNIQUE INDEX "Experiment_ownerId_name_version_key" ON "Experiment"("ownerId", "name", "version");
CREATE TABLE "new_Trial" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "experimentId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'RUNNING',
    "params" JSONB NOT NULL,
    "loss" REAL,
    "metrics" JSONB,
    "worker" TEXT,
    "instance" TEXT,
    "requestId" TEXT,
    "leaseExpiresAt" DATETIME,
    "heartbeatAt" DATETIME,
    "retryOfId" TEXT,
    "error" TEXT,
    "optimizer" TEXT NOT NULL,
    "fallbackReason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "completedAt" DATETIME,
    "revision" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Trial_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Trial_retryOfId_fkey" FOREIGN KEY ("retryOfId") REFERENCES "Trial" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Trial" ("completedAt", "createdAt", "error", "experimentId", "fallbackReason", "heartbeatAt", "id", "instance", "leaseExpiresAt", "loss", "metrics", "number", "optimizer", "params", "requestId", "retryOfId", "state", "updatedAt", "worker") SELECT "completedAt", "createdAt", "error", "experimentId", "fallbackReason", "heartbeatAt", "id", "instance", "leaseExpiresAt", "loss", "metrics", "number", "optimizer", "params", "requestId", "retryOfId", "state", "updatedAt", "worker" FROM "Trial";
DROP TABLE "Trial";
ALTER TABLE "new_Trial" RENAME TO "Trial";
CREATE INDEX "Trial_experimentId_state_idx" ON "Trial"("experimentId", "state");
CREATE INDEX "Trial_experimentId_worker_state_idx" ON "Trial"("experimentId", "worker", "state");
CREATE INDEX "Trial_retryOfId_idx" ON "Trial"("retryOfId");
CREATE INDEX "Trial_state_leaseExpiresAt_idx" ON "Trial"("state", "leaseExpiresAt");
CREATE INDEX "Trial_experimentId_revision_idx" ON "Trial"("experimentId", "revision");
CREATE UNIQUE INDEX "Trial_experimentId_number_key" ON "Trial"("experimentId", "number");
CREATE UNIQUE INDEX "Trial_experimentId_requestId_key" ON "Trial"("experimentId", "requestId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
