-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN "startRequestId" TEXT;
