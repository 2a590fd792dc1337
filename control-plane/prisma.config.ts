// Prisma 7 CLI configuration, used only by `prisma generate` (see scripts/prisma-generate.sh).
// The database URL is not needed to generate the client; the running program takes it from
// config.ts and connects through @prisma/adapter-pg.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
