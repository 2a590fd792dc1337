-- AlterTable
ALTER TABLE "renders" ADD COLUMN     "idempotency_fingerprint" TEXT;
