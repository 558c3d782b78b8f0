-- CreateTable
CREATE TABLE "EnqueueRequest" (
    "ownerId" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "queuedId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "params" JSONB NOT NULL,
    "place" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnqueueRequest_pkey" PRIMARY KEY ("ownerId","requestId")
);

-- CreateIndex
CREATE INDEX "EnqueueRequest_experimentId_idx" ON "EnqueueRequest"("experimentId");

-- AddForeignKey
ALTER TABLE "EnqueueRequest" ADD CONSTRAINT "EnqueueRequest_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
