import { startServices } from './tests/fixture/services.js';
const s = await startServices({ ...process.env, CUTLINE_FIXTURE_ONLY: 'postgres' });
console.log('URL', s.urls?.postgresUrl ?? JSON.stringify(Object.keys(s)));
setInterval(() => {}, 1 << 30);
