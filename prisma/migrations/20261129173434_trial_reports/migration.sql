-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN "pruner" JSONB;

-- AlterTable
ALTER TABLE "Trial" ADD COLUMN "lastStep" INTEGER;
ALTER TABLE "Trial" ADD COLUMN "lastValue" REAL;
ALTER TABLE "Trial" ADD COLUMN "prunedStep" INTEGER;

-- CreateTable
CREATE TABLE "TrialReport" (
    "trialId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "value" REAL NOT NULL,
    "metrics" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("trialId", "step"),
    CONSTRAINT "TrialReport_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "Trial" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TrialReport_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TrialRung" (
    "trialId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "bracket" INTEGER NOT NULL,
    "rung" INTEGER NOT NULL,
    "value" REAL NOT NULL,

    PRIMARY KEY ("trialId", "rung"),
    CONSTRAINT "TrialRung_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "Trial" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TrialRung_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "TrialReport_experimentId_step_idx" ON "TrialReport"("experimentId", "step");

-- CreateIndex
CREATE INDEX "TrialRung_experimentId_bracket_rung_idx" ON "TrialRung"("experimentId", "bracket", "rung");
