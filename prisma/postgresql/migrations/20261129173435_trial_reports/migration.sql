-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "pruner" JSONB;

-- AlterTable
ALTER TABLE "Trial" ADD COLUMN     "lastStep" INTEGER,
ADD COLUMN     "lastValue" DOUBLE PRECISION,
ADD COLUMN     "prunedStep" INTEGER;

-- CreateTable
CREATE TABLE "TrialReport" (
    "trialId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "metrics" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrialReport_pkey" PRIMARY KEY ("trialId","step")
);

-- CreateTable
CREATE TABLE "TrialRung" (
    "trialId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "bracket" INTEGER NOT NULL,
    "rung" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "TrialRung_pkey" PRIMARY KEY ("trialId","rung")
);

-- CreateIndex
CREATE INDEX "TrialReport_experimentId_step_idx" ON "TrialReport"("experimentId", "step");

-- CreateIndex
CREATE INDEX "TrialRung_experimentId_bracket_rung_idx" ON "TrialRung"("experimentId", "bracket", "rung");

-- AddForeignKey
ALTER TABLE "TrialReport" ADD CONSTRAINT "TrialReport_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "Trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrialReport" ADD CONSTRAINT "TrialReport_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrialRung" ADD CONSTRAINT "TrialRung_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "Trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrialRung" ADD CONSTRAINT "TrialRung_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
