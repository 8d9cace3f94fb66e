// `node --import llmtel/register app.mjs`: patches the ESM builds of the installed SDKs before
// the application's imports run (ESM modules are separate instances from the CommonJS ones
// init() patches). The application still calls llmtel.init() to choose where spans go.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const llmtel = require('./index.js');

await llmtel._patchInstalled((modulePath) => import(modulePath));
