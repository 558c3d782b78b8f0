-- CreateTable
CREATE TABLE "EnqueueRequest" (
    "ownerId" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "queuedId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "params" JSONB NOT NULL,
    "place" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("ownerId", "requestId"),
    CONSTRAINT "EnqueueRequest_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "EnqueueRequest_experimentId_idx" ON "EnqueueRequest"("experimentId");
