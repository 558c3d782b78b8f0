-- AlterTable
ALTER TABLE "Trial" ADD COLUMN     "checkpoint" JSONB,
ADD COLUMN     "checkpointAt" TIMESTAMP(3);
