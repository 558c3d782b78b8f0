-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "notes" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "tags" JSONB;
