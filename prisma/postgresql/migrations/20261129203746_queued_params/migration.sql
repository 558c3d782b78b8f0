-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "queuedCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "QueuedParams" (
    "id" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "params" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "QueuedParams_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "QueuedParams_experimentId_position_key" ON "QueuedParams"("experimentId", "position");

-- AddForeignKey
ALTER TABLE "QueuedParams" ADD CONSTRAINT "QueuedParams_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
