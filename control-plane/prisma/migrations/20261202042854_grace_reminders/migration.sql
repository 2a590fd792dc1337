-- AlterTable
ALTER TABLE "subscriptions" ADD COLUMN     "grace_reminded_for" TIMESTAMP(3);

