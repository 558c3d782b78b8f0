-- AlterTable
ALTER TABLE "Trial" ADD COLUMN "checkpoint" JSONB;
ALTER TABLE "Trial" ADD COLUMN "checkpointAt" DATETIME;
