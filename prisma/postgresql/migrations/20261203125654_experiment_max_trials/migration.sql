-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "maxTrials" INTEGER;

-- CreateIndex
CREATE INDEX "Trial_experimentId_retryOfId_idx" ON "Trial"("experimentId", "retryOfId");
