-- AlterEnum
ALTER TYPE "AssetKind" ADD VALUE 'image';

-- CreateTable
CREATE TABLE "image_presets" (
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "format" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "image_presets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "image_presets_organization_id_name_key" ON "image_presets"("organization_id", "name");

-- AddForeignKey
ALTER TABLE "image_presets" ADD CONSTRAINT "image_presets_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

