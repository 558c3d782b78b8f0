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
    "maxTrials" INTEGER,
    "maxRetries" INTEGER NOT NULL DEFAULT 3,
    "objectives" JSONB,
    "constraints" JSONB,
    "optimizerState" JSONB,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "queuedCount" INTEGER NOT NULL DEFAULT 0,
    "startRequestId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "archivedAt" DATETIME,
    CONSTRAINT "Experiment_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Experiment" ("algorithm", "archivedAt", "constraints", "createdAt", "description", "id", "leaseSeconds", "maxTrials", "name", "nextTrialNumber", "notes", "objectives", "optimizerState", "ownerId", "parameters", "pruner", "queuedCount", "revision", "seed", "startRequestId", "tags", "updatedAt", "version") SELECT "algorithm", "archivedAt", "constraints", "createdAt", "description", "id", "leaseSeconds", "maxTrials", "name", "nextTrialNumber", "notes", "objectives", "optimizerState", "ownerId", "parameters", "pruner", "queuedCount", "revision", "seed", "startRequestId", "tags", "updatedAt", "version" FROM "Experiment";
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
    "checkpoint" JSONB,
    "checkpointAt" DATETIME,
    "optimizer" TEXT NOT NULL,
    "fallbackReason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "completedAt" DATETIME,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "lastStep" INTEGER,
    "lastValue" REAL,
    "prunedStep" INTEGER,
    "attemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attemptStep" INTEGER,
    "lostCount" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Trial_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Trial_retryOfId_fkey" FOREIGN KEY ("retryOfId") REFERENCES "Trial" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Trial" ("checkpoint", "checkpointAt", "completedAt", "createdAt", "error", "experimentId", "fallbackReason", "heartbeatAt", "id", "instance", "lastStep", "lastValue", "leaseExpiresAt", "loss", "metrics", "number", "optimizer", "params", "prunedStep", "requestId", "retryOfId", "revision", "state", "updatedAt", "worker") SELECT "checkpoint", "checkpointAt", "completedAt", "createdAt", "error", "experimentId", "fallbackReason", "heartbeatAt", "id", "instance", "lastStep", "lastValue", "leaseExpiresAt", "loss", "metrics", "number", "optimizer", "params", "prunedStep", "requestId", "retryOfId", "revision", "state", "updatedAt", "worker" FROM "Trial";
DROP TABLE "Trial";
ALTER TABLE "new_Trial" RENAME TO "Trial";
CREATE INDEX "Trial_experimentId_state_idx" ON "Trial"("experimentId", "state");
CREATE INDEX "Trial_experimentId_worker_state_idx" ON "Trial"("experimentId", "worker", "state");
CREATE INDEX "Trial_retryOfId_idx" ON "Trial"("retryOfId");
CREATE INDEX "Trial_experimentId_retryOfId_idx" ON "Trial"("experimentId", "retryOfId");
CREATE INDEX "Trial_state_leaseExpiresAt_idx" ON "Trial"("state", "leaseExpiresAt");
CREATE INDEX "Trial_experimentId_revision_idx" ON "Trial"("experimentId", "revision");
CREATE UNIQUE INDEX "Trial_experimentId_number_key" ON "Trial"("experimentId", "number");
CREATE UNIQUE INDEX "Trial_experimentId_requestId_key" ON "Trial"("experimentId", "requestId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
