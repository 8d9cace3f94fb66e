// `node --import llmtel/register app.mjs`: instruments the ESM builds of the packages llmtel
// traces (ESM modules are separate instances from the CommonJS ones init() patches). The
// provider SDKs' ESM builds are patched before the application's imports run; @langchain/core's
// and @langchain/langgraph's ESM files as the application imports them, through import-in-the-middle's loader (every copy,
// as require-in-the-middle does for CommonJS). The application still calls llmtel.init() to
// choose where spans go.
import { createRequire, register } from 'node:module';

const require = createRequire(import.meta.url);
const llmtel = require('./index.js');

register('import-in-the-middle/hook.mjs', import.meta.url);
const { Hook } = await import('import-in-the-middle');
for (const pkg of ['@langchain/core', '@langchain/langgraph']) {
  new Hook([pkg], { internals: true }, (exports, name) => {
    llmtel._patchModule(pkg, exports, name);
  });
}
new Hook(['ai'], (exports, name) => {
  llmtel._patchModule('ai', exports, name);
});
llmtel._registered();

await llmtel._patchInstalled((modulePath) => import(modulePath));
