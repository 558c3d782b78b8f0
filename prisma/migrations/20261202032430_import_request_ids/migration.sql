-- CreateTable
CREATE TABLE "ImportRequest" (
    "ownerId" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "first" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("ownerId", "requestId"),
    CONSTRAINT "ImportRequest_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ImportRequest_experimentId_idx" ON "ImportRequest"("experimentId");

-- CreateIndex
CREATE INDEX "ImportRequest_createdAt_idx" ON "ImportRequest"("createdAt");

-- CreateIndex
CREATE INDEX "EnqueueRequest_createdAt_idx" ON "EnqueueRequest"("createdAt");
