-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN "constraints" JSONB;
ALTER TABLE "Experiment" ADD COLUMN "objectives" JSONB;
