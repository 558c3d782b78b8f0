-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "constraints" JSONB,
ADD COLUMN     "objectives" JSONB;
