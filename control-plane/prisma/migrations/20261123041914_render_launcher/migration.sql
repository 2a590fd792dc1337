-- AlterTable
ALTER TABLE "renders" ADD COLUMN     "launcher_id" TEXT;

-- CreateIndex
CREATE INDEX "renders_launcher_id_idx" ON "renders"("launcher_id");

