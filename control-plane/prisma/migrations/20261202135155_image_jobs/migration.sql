-- CreateEnum
CREATE TYPE "RenderKind" AS ENUM ('video', 'image');

-- AlterTable
ALTER TABLE "renders" ADD COLUMN     "kind" "RenderKind" NOT NULL DEFAULT 'video',
ADD COLUMN     "units" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "usage_periods" ADD COLUMN     "images_committed" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "images_limit" INTEGER,
ADD COLUMN     "images_reserved" INTEGER NOT NULL DEFAULT 0;

